"""Pile-ons: several different people complaining about the same problem at once are one incident, not a queue of
unrelated cases. Every complaint with a topic is noted; when `pile_on.authors` distinct authors complained about a
topic within `pile_on.window_minutes`, an incident opens (once, however many ingests see it together), groups their
cases, and the leads are alerted with a drafted holding statement. Complaints that follow while it lasts join it.

The ingest that opened the incident owes the alert. If it dies before the alert is recorded, the redelivery of its
mention finds the incident opened by that mention and not yet alerted, and does the opener's work again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from socialcare.care.policy import Policy
from socialcare.storage.incidents import Complaint, IncidentsRepository, Incident


@dataclass(frozen=True)
class PileOn:
    incident: Incident | None  # the incident this complaint belongs to, if any
    alert_leads: bool = False  # this complaint opened it and the leads are not yet told: group the cases, alert
    authors: int = 0  # distinct authors in the window
    grouped_cases: list[str] = field(default_factory=list)  # cases of the complaints that made it
    watched: list[Complaint] = field(default_factory=list)  # watched complaints that made it: they become cases


def posted_at(created_at: str, fallback: datetime) -> str:
    """A platform's timestamp as a fixed-width UTC string, so stored complaints sort by time."""
    try:
        moment = datetime.fromisoformat(created_at)
    except (TypeError, ValueError):
        moment = fallback
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def note_complaint(topic: str, complaint: Complaint, policy: Policy, now: datetime,
                   repo: IncidentsRepository | None = None) -> PileOn:
    repo = repo or IncidentsRepository()
    repo.record_complaint(topic, complaint)
    window = timedelta(minutes=policy.pile_on.window_minutes)
    since = posted_at((now - window).isoformat(), now)
    current = repo.current_incident(topic)
    if current is not None and current.opened_by == complaint.mention_key and not current.alerted_at:
        return _opened(current, repo.complaints_since(topic, current.started_at))  # the opener's redelivery
    if current is not None and current.last_at >= since:
        repo.extend_incident(current, complaint.posted_at)
        return PileOn(current)
    recent = repo.complaints_since(topic, since)
    authors = {c.author_key for c in recent}
    if len(authors) < policy.pile_on.authors:
        return PileOn(None, authors=len(authors))
    incident = Incident(f"incident-{topic}-{now:%Y%m%d-%H%M%S}", topic, min(c.posted_at for c in recent),
                        max(c.posted_at for c in recent), opened_by=complaint.mention_key)
    if not repo.open_incident(incident, previous_id=current.incident_id if current else None):
        return PileOn(repo.current_incident(topic), authors=len(authors))  # another ingest opened it first
    return _opened(incident, recent)


def _opened(incident: Incident, complaints: list[Complaint]) -> PileOn:
    return PileOn(incident, alert_leads=True, authors=len({c.author_key for c in complaints}),
                  grouped_cases=sorted({c.case_id for c in complaints if c.case_id}),
                  watched=[c for c in complaints if not c.case_id])

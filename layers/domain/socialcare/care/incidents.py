"""Pile-ons: several different people complaining about the same problem at once are one incident, not a queue of
unrelated cases. Every complaint with a topic is noted; when `pile_on.authors` distinct authors complained about a
topic within `pile_on.window_minutes`, an incident opens (once, however many ingests see it together) and groups
their cases, with a holding statement drafted for the leads. Complaints that follow while it lasts (until it is
resolved, or quiet for the window) join it: each new person counts once, with their followers in its reach.

As it grows, the escalation ladder hears it: the highest level of `pile_on.growth_alerts` whose number of people the
incident reached, and that no one told yet, is told, once (a jump from 3 to 30 people tells the top tier only). The
claim on that level is a conditional write on the incident, so concurrent ingests tell it once.

The ingest that opened the incident owes the opener's work (grouping the cases before it). If it dies before that is
recorded, the redelivery of its mention finds the incident opened by that mention and not yet done, and does it
again; likewise an ingest that claimed a growth alert and died before it went out tells it on its redelivery.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from socialcare.care import drafts
from socialcare.care.policy import Policy
from socialcare.storage.incidents import OPEN, Complaint, Incident, IncidentsRepository, IncidentState, Member


@dataclass(frozen=True)
class PileOn:
    incident: Incident | None  # the incident this complaint belongs to, if any
    alert_leads: bool = False  # this complaint opened it and the opener's work is not yet done: group the cases
    authors: int = 0  # distinct authors in the window
    grouped_cases: list[str] = field(default_factory=list)  # cases of the complaints that made it
    watched: list[Complaint] = field(default_factory=list)  # watched complaints that made it: they become cases


@dataclass(frozen=True)
class GrowthAlert:
    """A tier to tell of the incident's growth: this caller claimed it (or claimed it before and died)."""

    level: int
    incident: IncidentState


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
        return _opened(current, repo.complaints_since(topic, current.started_at), repo)  # the opener's redelivery
    if current is not None and not current.resolved_at and current.last_at >= since:
        repo.extend_incident(current, complaint.posted_at)
        repo.join(current.incident_id, member(complaint))
        return PileOn(current)
    if current is not None and current.resolved_at > since:
        since = current.resolved_at  # the complaints of a resolved incident do not open the next one
    recent = repo.complaints_since(topic, since)
    authors = {c.author_key for c in recent}
    if len(authors) < policy.pile_on.authors:
        return PileOn(None, authors=len(authors))
    incident = Incident(f"incident-{topic}-{now:%Y%m%d-%H%M%S}", topic, min(c.posted_at for c in recent),
                        max(c.posted_at for c in recent), opened_by=complaint.mention_key)
    statement = drafts.holding_statement(topic, policy.pile_on.holding_statement)
    if not repo.open_incident(incident, current.incident_id if current else None, posted_at(now.isoformat(), now),
                              statement):
        theirs = repo.current_incident(topic)  # another ingest opened it first: this complaint joins theirs
        if theirs is not None:
            repo.join(theirs.incident_id, member(complaint))
        return PileOn(theirs, authors=len(authors))
    return _opened(incident, recent, repo)


def member(complaint: Complaint) -> Member:
    return Member(complaint.author_key, complaint.posted_at, complaint.followers, complaint.author,
                  complaint.platform)


def _opened(incident: Incident, complaints: list[Complaint], repo: IncidentsRepository) -> PileOn:
    for complaint in sorted(complaints, key=lambda c: c.posted_at):  # each person joins from their first complaint
        repo.join(incident.incident_id, member(complaint))
    return PileOn(incident, alert_leads=True, authors=len({c.author_key for c in complaints}),
                  grouped_cases=sorted({c.case_id for c in complaints if c.case_id}),
                  watched=[c for c in complaints if not c.case_id])


def growth_alert(incident_id: str, mention_key: str, policy: Policy, at: str,
                 repo: IncidentsRepository | None = None) -> GrowthAlert | None:
    """The tier this complaint's ingest must tell now, if any: the highest level the incident's people reached and
    nobody claimed yet (claimed here, once), or the level this same mention claimed before its ingest died."""
    repo = repo or IncidentsRepository()
    incident = repo.get(incident_id)
    if incident is None or incident.status != OPEN:
        return None
    if incident.alert_claimed_by == mention_key and incident.alerted_level < incident.told_level:
        return GrowthAlert(incident.told_level, incident)  # ours, claimed but never sent: a redelivery sends it
    level = policy.pile_on.tier_for(incident.authors)
    if level <= incident.told_level or not repo.claim_tier(incident_id, level, incident.authors, at, mention_key):
        return None
    return GrowthAlert(level, incident)

"""A case's facts: the measures the people who lead care read, computed from the case and its timeline.

`compute` is pure: the case, its timeline entries (each with `at`, `event`, `detail`) and the business calendar in,
a dict of facts out. `record` recomputes them and writes the case's one facts item (storage/facts.py) as the case
reaches a milestone (it enters a step: the hand-off claimed, the resolution recorded; a team's wait climbs a rung;
the 24-hour promise breaks; our first response or the follow-up reaches the customer) and as it closes. Every write is the whole record, so a retried step writes the same.

The first response is when our first response reached the customer: the first agent reply (acknowledgement, answer,
follow-up) or incident follow-up posted in public or sent privately (timeline `posted publicly` / `sent privately`),
the moment the wall-clock promise counts as met. Not the agent's action: a post the platform refused reached nobody.
It met the acknowledgement SLA when it came by the deadline the case had as it entered ACKNOWLEDGE (timeline `step`,
AckSlaMinutes of business time after opening). A case with no response yet missed it once that deadline passed (or
passed before the case closed); a case closed before its deadline without a response (spam dismissed) has none.
"""
from __future__ import annotations

from datetime import datetime

from socialcare import observability
from socialcare.care.business_time import BusinessCalendar
from socialcare.cases import clocks, lifecycle
from socialcare.storage.facts import FactsRepository

RESPONSES = ("acknowledgement", "answer", "follow-up", "incident-follow-up")  # service.PROMISE_KEPT_BY
DELIVERED = ("posted publicly", "sent privately")
LADDER_EVENTS = ("escalated", "hard-limit")  # each rung climbed (timeline keys escalation:<step>:<rung>)


def compute(case, timeline: list, calendar: BusinessCalendar, now: datetime | None = None) -> dict:
    """The case's facts (see the module's docstring for the SLA's and the first response's definitions)."""
    entries = [(clocks.parse(e.at), e.event, _detail(e)) for e in timeline if e.at]
    opened = clocks.parse(case.opened_at)
    opening = next((d for _, event, d in entries if event == "case opened"), {})
    closing = next((d for _, event, d in entries if event == "closed"), None)
    closed = clocks.parse(case.closed_at) if case.closed_at else None

    def first(predicate) -> tuple[datetime, dict] | tuple[None, dict]:
        return next(((at, d) for at, event, d in entries if predicate(event, d)), (None, {}))

    responded, response = first(lambda event, d: event in DELIVERED and d.get("kind") in RESPONSES)
    entered_ack, ack_step = first(lambda event, d: event == "step" and d.get("step") == lifecycle.ACKNOWLEDGE)
    handed_off, _ = first(lambda event, d: event == "step" and d.get("step") == lifecycle.HAND_OFF)
    claimed, _ = first(lambda event, d: event == "claim")
    resolved, _ = first(lambda event, d: event == "resolve")
    followed_up, _ = first(lambda event, d: event in DELIVERED and d.get("kind") == "follow-up")
    deadline = clocks.parse(ack_step["deadline"]) if ack_step.get("deadline") else None
    ladder = [(event, d) for _, event, d in entries  # the DM wait is the customer's turn: its ends are no rungs
              if event in LADDER_EVENTS and d.get("step") != lifecycle.REQUEST_DM]
    promises = {event for _, event, _ in entries}
    outcome = closing.get("outcome") if closing else None
    return {
        "opened_at": case.opened_at,
        "opened_day": clocks.iso(opened)[:10],
        "status": case.status,
        "outcome": outcome,
        "closed_at": case.closed_at,
        "dismiss_reason": case.closed_reason if outcome == "dismissed" else None,
        "platform": case.platform,
        "kind": opening.get("kind"),
        "visibility": case.visibility or lifecycle.PUBLIC,
        "intent": case.intent,
        "topic": case.topic,
        "team": case.team,
        "priority": case.priority,
        "reach": opening.get("reach"),
        "incident_id": case.incident_id,
        "repeat_contact": bool(opening.get("repeatedContact") or case.reopens_case_id),
        "first_response_at": clocks.iso(responded) if responded else None,
        "first_response_kind": response.get("kind"),
        "first_response_minutes": _minutes(opened, responded),
        "first_response_business_minutes": (round(calendar.business_seconds_between(opened, responded) / 60, 2)
                                            if responded else None),
        "acknowledgement_deadline": ack_step.get("deadline"),
        "acknowledgement_sla_met": _sla_met(deadline, responded, closed, now or clocks.now()),
        "promise_met": (False if "promise broken" in promises
                        else True if responded or "promise met" in promises else None),
        "highest_escalation_level": max([int(d.get("level") or 0) for _, d in ladder], default=0),
        "hard_limit_reached": any(event == "hard-limit" for event, _ in ladder),
        "claimed_at": clocks.iso(claimed) if claimed else None,
        "minutes_to_claim": _minutes(handed_off, claimed),
        "resolved_at": clocks.iso(resolved) if resolved else None,
        "minutes_to_resolve": _minutes(opened, resolved),
        "followed_up_at": clocks.iso(followed_up) if followed_up else None,
        "minutes_to_follow_up": _minutes(resolved, followed_up),
        "csat_asked": bool(case.csat_asked_at),
        "csat_score": case.csat_score,
        "review_rating_before": case.review_rating_before,  # a Google review's stars when the case opened
        "review_rating_after": case.review_rating_after,  # and after our reply, if the reviewer changed them
    }


def _sla_met(deadline: datetime | None, responded: datetime | None, closed: datetime | None,
             now: datetime) -> bool | None:
    if deadline is None:
        return None
    if responded is not None:
        return responded <= deadline
    ended = closed or now
    return False if ended > deadline else None


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    """Wall-clock minutes from start to end, to the hundredth (None unless both happened)."""
    if start is None or end is None:
        return None
    return round(max(0.0, (end - start).total_seconds()) / 60, 2)


def _detail(entry) -> dict:
    return entry.detail.as_dict() if entry.detail else {}


def record(case_id: str, repo, facts_repo: FactsRepository | None = None, publish: bool = False) -> dict:
    """Recompute the case's facts and write them. With `publish`, when they hold the first response and its metrics
    were not published yet, publish them (once per case: a conditional claim on the facts item)."""
    from socialcare.care.policy import policy

    facts_repo = facts_repo or FactsRepository()
    case = repo.get(case_id)
    facts = compute(case, repo.timeline(case_id), policy().calendar)
    facts_repo.save(case_id, facts)
    if publish and facts["first_response_at"] and facts_repo.claim_first_response_metrics(case_id):
        observability.publish_first_response(facts)
    return facts

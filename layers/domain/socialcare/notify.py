"""Notifications to the three SNS topics. The escalations topic carries the level as a message attribute, so each
tier (lead, manager, executive...) subscribes with a filter policy on it. Level 0 is no tier: what would go to a tier
at level 0 (a flagged author's case when the care policy caps theirs at 0) goes to the team that owns the step."""
from __future__ import annotations

import json
from functools import lru_cache

from socialcare import aws
from socialcare.cases.lifecycle import NOTIFIED_TEAM
from socialcare.config import settings


@lru_cache
def _sns():
    return aws.client("sns")


def _publish(topic_arn: str, subject: str, message: dict, attributes: dict[str, str | int]) -> str:
    message_attributes = {
        name: {"DataType": "Number", "StringValue": str(value)} if isinstance(value, int) and not isinstance(value, bool)
        else {"DataType": "String", "StringValue": str(value).lower() if isinstance(value, bool) else str(value)}
        for name, value in attributes.items()
    }
    response = _sns().publish(TopicArn=topic_arn, Subject=subject[:100], Message=json.dumps(message),
                              MessageAttributes=message_attributes)
    return response["MessageId"]


def notify_team(team: str, case_id: str, step: str, message: dict) -> str:
    """The agents, or the triage topic with the routing team as the attribute `team` (each team subscribes with a
    filter policy on it)."""
    return _publish(_team_topic(team), f"Case {case_id}: {step.replace('_', ' ').lower()}", message,
                    _team_attributes(team, case_id, step, message))


def _team_topic(team: str) -> str:
    return {"agents": settings().agents_topic_arn, "triage": settings().triage_topic_arn}[team]


def _team_attributes(team: str, case_id: str, step: str, message: dict) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {"caseId": case_id, "step": step, "priority": message.get("priority") or "normal"}
    if team == "triage":  # every triage message carries the team, or a team's filtered subscription misses it
        attributes["team"] = message.get("team") or "support"
    return attributes


def notify_private_message(case_id: str, step: str, message: dict) -> str:
    """A DM the customer sent after the hand-off: the triage topic, with the case's team as the attribute `team`, so the
    team that has the case hears it on its filtered subscription."""
    return _publish(_team_topic("triage"), f"New private message: case {case_id}", message,
                    _team_attributes("triage", case_id, step, message))


def _publish_to_tier(level: int, case_id: str, step: str, subject: str, message: dict,
                     attributes: dict[str, str | int]) -> str:
    """The tier at `level` on the escalations topic; at level 0 the step's team (the agents when it has none), so a
    hard limit or a refused post still reaches someone."""
    if level >= 1:
        return _publish(settings().escalations_topic_arn, subject, message,
                        {"level": level, "step": step, **attributes, "caseId": case_id})
    team = NOTIFIED_TEAM.get(step) or "agents"
    return _publish(_team_topic(team), subject, message,
                    {**attributes, **_team_attributes(team, case_id, step, message)})


def notify_escalation(case_id: str, step: str, level: int, hard_limit_reached: bool, message: dict) -> str:
    subject = f"{'HARD LIMIT' if hard_limit_reached else f'Escalation {level}'}: case {case_id} ({step})"
    return _publish_to_tier(level, case_id, step, subject, message, {"hardLimit": hard_limit_reached})


def notify_priority(case_id: str, step: str, level: int, priority: str, message: dict) -> str:
    """A severe or loud case: the tier its priority names hears of it at once, before any deadline passes."""
    subject = f"{'Urgent' if priority == 'urgent' else priority.capitalize() + ' priority'} case {case_id} ({step})"
    return _publish(settings().escalations_topic_arn, subject, message,
                    {"level": level, "step": step, "hardLimit": False, "priority": priority, "caseId": case_id})


def notify_breach_warning(case_id: str, step: str, level: int, team: str | None, message: dict) -> str:
    """A deadline is close: whoever must act now hears it first (the team at level 0, else that level's tier)."""
    subject = f"Deadline soon: case {case_id} ({step})"
    if level == 0 and team:
        return _publish(_team_topic(team), subject, {**message, "warning": True},
                        {**_team_attributes(team, case_id, step, message), "warning": True})
    return _publish_to_tier(level, case_id, step, subject, {**message, "warning": True},
                            {"hardLimit": False, "warning": True})


def notify_promise(case_id: str, step: str, level: int, subject: str, message: dict, broken: bool = False) -> str:
    """The wall-clock promise to the customer is at risk, or broke: the top tier hears it (its `level`; a flagged
    author's case: the policy's cap), whatever rung the business ladder is on."""
    state = "broken" if broken else "at-risk"
    return _publish_to_tier(level, case_id, step, subject, {**message, "promise": state},
                            {"hardLimit": False, "promise": state})


def notify_incident(incident_id: str, topic: str, level: int, authors: int, case_ids: list[str],
                    holding_statement: str, reach: int, growing: bool = False) -> str:
    """A pile-on: the tier its number of people reached hears it once (the leads first; a higher tier as it grows),
    with the cases it groups and a holding statement to post."""
    message = {"incidentId": incident_id, "topic": topic, "level": level, "authors": authors, "reach": reach,
               "cases": case_ids, "draftHoldingStatement": holding_statement,
               "incidentAt": f"GET /incidents/{incident_id}"}
    subject = f"Incident{' growing' if growing else ''}: {authors} people about {topic}"
    return _publish(settings().escalations_topic_arn, subject, message,
                    {"level": level, "step": "INCIDENT", "hardLimit": False, "incident": True, "caseId": incident_id})


def notify_refused_post(case_id: str, step: str, kind: str, reason: str, message: dict, level: int = 1) -> str:
    """A platform refused one of our posts for good: the first tier hears it (someone may post by hand; a flagged
    author's case capped at 0: the step's team)."""
    return _publish_to_tier(level, case_id, step, f"Post refused: case {case_id} ({kind})",
                            {**message, "refusedPost": kind, "refusal": reason}, {"hardLimit": False, "refused": True})


def notify_low_score(case_id: str, score: int, level: int, message: dict) -> str:
    """The customer rated a closed case low: the team lead (level 1) hears it with the case."""
    return _publish_to_tier(level, case_id, "CLOSED", f"Low score {score}/5: case {case_id}",
                            {**message, "csatScore": score}, {"hardLimit": False, "csat": score})


def notify_leadership(subject: str, text: str) -> str:
    """The weekly digest: plain text, not JSON, because the leadership topic's subscribers are people's inboxes."""
    return _sns().publish(TopicArn=settings().leadership_topic_arn, Subject=subject[:100], Message=text)["MessageId"]

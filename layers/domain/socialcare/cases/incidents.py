"""Use-cases of an incident as the leads work it: list and show incidents, post the holding statement (on the brand's
own channels, or as a reply to each person in it), and resolve it with an outcome.

Every post is made at most once per channel: the brand's statement once per platform the incident spans, a reply
once per case (claimed on the incident before it is posted, then recorded on the case's timeline by the same
once-only posting as every other reply). Posting many takes time: a request starts no post once `deadline` (a
time.monotonic() value: the handler's time, less one post's worst case) has passed, and says what it left; posting the
statement again posts only what is left. The text is checked by the guardrails for every channel first: one
rejection and nothing is posted (422).

Resolving closes the incident with its outcome: each of its open cases then shows a personalised follow-up draft
(GET /cases/{id}: `followUpDraft`), and with the policy's `resolve_follow_ups: post` the follow-up is posted on each
customer's thread, once (a private case: by DM). The cases stay in their steps: each one's agent still closes it.
"""
from __future__ import annotations

import time
from collections.abc import Iterable

from socialcare import platforms
from socialcare.care.guardrails import check_public_reply
from socialcare.care.incidents import posted_at
from socialcare.care.policy import policy
from socialcare.cases import clocks, guarding, lifecycle, service
from socialcare.errors import (
    ChannelRejectedError,
    ChannelUnavailableError,
    IncidentNotFoundError,
    IncidentResolvedError,
    ReplyRejectedError,
)
from socialcare.storage.cases import CasesRepository, now_iso
from socialcare.storage.incidents import RESOLVED, IncidentsRepository, IncidentState
from socialcare.storage.records import CASE_RECORD, CaseRecord

BRAND, REPLIES = "brand", "replies"
SURFACES = {"meta": "facebook"}  # the brand's own Meta channel is its Facebook Page
ONE_REPLY_ONLY = ("a Google review has one reply, the brand's answer to that reviewer: the statement would replace "
                  "it")
TIME_RAN_OUT = "not posted: this request ran out of time; post the statement again to post the rest"


def _incidents(repo: IncidentsRepository | None) -> IncidentsRepository:
    return repo or IncidentsRepository()


def _cases(repo: CasesRepository | None) -> CasesRepository:
    return repo or CasesRepository()


def load(incident_id: str, repo: IncidentsRepository | None = None) -> IncidentState:
    incident = _incidents(repo).load(incident_id)
    if incident is None:
        raise IncidentNotFoundError(f"no incident {incident_id!r}")
    return incident


# -- reading --------------------------------------------------------------------------------------------------------
def list_incidents(status: str, limit: int, repo: IncidentsRepository | None = None) -> list[dict]:
    return [summary(incident) for incident in _incidents(repo).list(status, limit)]


def summary(incident: IncidentState) -> dict:
    return {"incidentId": incident.incident_id, "topic": incident.topic, "status": incident.status,
            "openedAt": _ms(incident.opened_at), "authors": incident.authors, "reach": incident.reach,
            "caseCount": incident.cases, "platforms": list(incident.platforms), "levelTold": incident.told_level,
            "outcome": incident.outcome or None, "resolvedAt": _ms(incident.resolved_at)}


def view(incident_id: str, repo: IncidentsRepository | None = None) -> dict:
    """The incident: its topic and status, its cases (each one's status and step), its people and how it grew,
    its reach (their followers, each person once), the tiers told, the statements posted and the outcome."""
    incident = load(incident_id, repo)
    result = summary(incident)
    result["cases"] = [service.summary(case) for case in _grouped_cases(incident)]
    result["startedAt"] = _ms(incident.started_at)
    result["people"] = [{"author": m.author or None, "platform": m.platform or m.author_key.split("#", 1)[0],
                         "joinedAt": _ms(m.joined_at), "followers": m.followers} for m in incident.members]
    result["growth"] = [{"at": _ms(m.joined_at), "authors": n} for n, m in enumerate(incident.members, start=1)]
    result["tiersTold"] = [{**tier, "at": _ms(tier["at"])} for tier in incident.tiers]
    result["holdingStatement"] = incident.holding_statement
    result["statements"] = [_statement(s) for s in incident.statements]
    result["resolvedBy"] = incident.resolved_by or None
    return result


def _statement(statement) -> dict:
    where = {"platform": statement.where} if statement.target == BRAND else {"caseId": statement.where}
    return {"target": statement.target, **where, "state": statement.state, "at": statement.at, "by": statement.by,
            "platformPostId": statement.platform_post_id or None, "reason": statement.reason or None,
            "text": statement.text}


def _grouped_cases(incident: IncidentState) -> list[CaseRecord]:
    found = {case.case_id: case for case in CaseRecord.batch_get([(case_id, CASE_RECORD)
                                                                  for case_id in incident.case_ids])}
    return [found[case_id] for case_id in incident.case_ids if case_id in found]


def _ms(moment: str) -> str | None:
    """Times as the rest of the API gives them (milliseconds, Z); complaints are keyed to the microsecond."""
    return clocks.iso(clocks.parse(moment)) if moment else None


# -- the holding statement ------------------------------------------------------------------------------------------
def post_statement(incident_id: str, target: str, text: str, agent: str, deadline: float | None = None,
                   repo: IncidentsRepository | None = None, cases: CasesRepository | None = None) -> dict:
    """Post the holding statement (`text`, else the one drafted when the incident opened) on the brand's own channel
    of each platform the incident spans, or as a reply on the thread of each of its open cases."""
    repo, cases = _incidents(repo), _cases(cases)
    incident = load(incident_id, repo)
    if incident.status == RESOLVED:
        raise IncidentResolvedError(f"incident {incident_id} is resolved: its statement is no longer posted")
    text = text or incident.holding_statement
    if target == BRAND:
        _check(_brand_rejections(incident, text))
        results = [_post_on_brand_channel(incident, name, text, agent, deadline, repo) for name in incident.platforms]
    else:
        open_cases = [case for case in _grouped_cases(incident) if case.status == lifecycle.OPEN]
        _check(_reply_rejections(open_cases, text))
        results = [_reply_on_thread(incident, case, text, agent, deadline, repo, cases) for case in open_cases]
    return {"incidentId": incident_id, "target": target, "text": text, "results": results,
            "complete": not any(r["state"] in ("not-reached", "unavailable") for r in results)}


def _brand_rejections(incident: IncidentState, text: str) -> list:
    rules = policy().guardrails
    return [rejection for name in incident.platforms if not platforms.own_channel_refusal(name)
            for rejection in check_public_reply(text, SURFACES.get(name, name), [], rules)]


def _reply_rejections(open_cases: Iterable[CaseRecord], text: str) -> list:
    rejections = []
    for case in open_cases:
        try:
            guarding.check_reply(case, text, automatic=True, private=service.is_private(case))
        except ReplyRejectedError as rejected:
            rejections += rejected.rejections
    return rejections


def _check(rejections: list) -> None:
    """422, naming each broken rule once, before anything is posted."""
    if rejections:
        raise ReplyRejectedError(list(dict.fromkeys(rejections)))


def _post_on_brand_channel(incident: IncidentState, name: str, text: str, agent: str, deadline: float | None,
                           repo: IncidentsRepository) -> dict:
    where = {"platform": name}
    refusal = platforms.own_channel_refusal(name)
    if refusal:
        return {**where, "state": "skipped", "reason": refusal}
    if _out_of_time(deadline):
        return {**where, "state": "not-reached", "reason": TIME_RAN_OUT}
    if not repo.claim_statement(incident.incident_id, BRAND, name, text, agent, now_iso()):
        return _already(repo, incident.incident_id, BRAND, name, where)
    try:
        receipt = platforms.outbound(name).post_status(text, f"{incident.incident_id}:statement:{name}")
    except ChannelUnavailableError as error:
        repo.release_statement(incident.incident_id, BRAND, name)
        return {**where, "state": "unavailable", "reason": f"{error}; post the statement again to retry"}
    except ChannelRejectedError as refused:
        repo.record_statement(incident.incident_id, BRAND, name, "refused", reason=str(refused))
        return {**where, "state": "refused", "reason": str(refused), "alreadyPosted": False}
    repo.record_statement(incident.incident_id, BRAND, name, "posted", platform_post_id=receipt.platform_post_id)
    return {**where, "state": "posted", "platformPostId": receipt.platform_post_id, "alreadyPosted": False}


def _reply_on_thread(incident: IncidentState, case: CaseRecord, text: str, agent: str, deadline: float | None,
                     repo: IncidentsRepository, cases: CasesRepository) -> dict:
    where = {"caseId": case.case_id}
    if case.platform == "google":
        return {**where, "state": "skipped", "reason": ONE_REPLY_ONLY}
    if _out_of_time(deadline):
        return {**where, "state": "not-reached", "reason": TIME_RAN_OUT}
    if not repo.claim_statement(incident.incident_id, REPLIES, case.case_id, text, agent, now_iso()):
        return _already(repo, incident.incident_id, REPLIES, case.case_id, where)
    try:
        result = service.respond_for_incident(case, service.INCIDENT_STATEMENT, text, cases)
    except ChannelUnavailableError as error:
        repo.release_statement(incident.incident_id, REPLIES, case.case_id)
        return {**where, "state": "unavailable", "reason": f"{error}; post the statement again to retry"}
    state = "refused" if result.get("refused") else "sent" if service.is_private(case) else "posted"
    repo.record_statement(incident.incident_id, REPLIES, case.case_id, state,
                          platform_post_id=result.get("platformPostId", ""), reason=result.get("reason", ""))
    return {**where, "state": state, **_receipt(result), "alreadyPosted": False}


def _already(repo: IncidentsRepository, incident_id: str, target: str, where: str, shown: dict) -> dict:
    """A channel claimed before: what happened there (`posting`: a request is posting it now, or died doing so)."""
    earlier = repo.statement(incident_id, target, where)
    state = earlier.state if earlier else "posting"
    return {**shown, "state": state, "platformPostId": (earlier.platform_post_id or None) if earlier else None,
            "alreadyPosted": True}


def _receipt(result: dict) -> dict:
    if result.get("refused"):
        return {"reason": result.get("reason", "")}
    return {"platformPostId": result.get("platformPostId")}


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


# -- resolving ------------------------------------------------------------------------------------------------------
def resolve(incident_id: str, outcome: str, agent: str, deadline: float | None = None,
            repo: IncidentsRepository | None = None, cases: CasesRepository | None = None) -> dict:
    """Close the incident with its outcome. Each open case gets its personalised follow-up (checked first: a
    follow-up the guardrails refuse is a 422 and nothing changes), drafted for its agent, or posted once when the
    policy says so. The cases stay in their steps."""
    repo, cases = _incidents(repo), _cases(cases)
    incident = load(incident_id, repo)
    if incident.status == RESOLVED:
        raise IncidentResolvedError(f"incident {incident_id} was resolved already ({incident.outcome})")
    open_cases = [case for case in _grouped_cases(incident) if case.status == lifecycle.OPEN]
    follow_ups = {case.case_id: service.incident_follow_up_draft(case, incident.topic, outcome) for case in open_cases}
    _check([rejection for _, rejections in follow_ups.values() for rejection in rejections])
    at = now_iso()
    if not repo.resolve(incident, outcome, agent, at, complaints_from=posted_at(at, clocks.now())):
        raise IncidentResolvedError(f"incident {incident_id} was resolved already")
    post = policy().pile_on.resolve_follow_ups == "post"
    results = []
    for case in open_cases:
        cases.add_event(case.case_id, f"incident-resolved:{incident_id}", "incident resolved",
                        {"incident": incident_id, "outcome": outcome, "by": agent})
        text = follow_ups[case.case_id][0]
        results.append(_follow_up(case, text, deadline, cases) if post
                       else {"caseId": case.case_id, "state": "drafted", "text": text})
    return {"incidentId": incident_id, "status": RESOLVED, "outcome": outcome, "resolvedBy": agent,
            "resolvedAt": at, "followUps": results}


def _follow_up(case: CaseRecord, text: str, deadline: float | None, cases: CasesRepository) -> dict:
    where = {"caseId": case.case_id, "text": text}
    if _out_of_time(deadline):
        return {**where, "state": "drafted", "reason": "not posted: this request ran out of time; the draft is on "
                                                       "the case for its agent"}
    try:
        result = service.respond_for_incident(case, service.INCIDENT_FOLLOW_UP, text, cases)
    except ChannelUnavailableError as error:
        return {**where, "state": "drafted", "reason": f"not posted ({error}); the draft is on the case for its agent"}
    state = "refused" if result.get("refused") else "sent" if service.is_private(case) else "posted"
    return {**where, "state": state, **_receipt(result)}

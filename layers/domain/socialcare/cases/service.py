"""Use-cases of the case lifecycle: what each state of the state machine and each agent action does to a case.

Everything a step returns goes into the execution's state, which the console shows to many people: it carries ids,
steps, levels and public texts only. Private contact details stay in the cases table.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from socialcare import notify, observability, platforms, workflow
from socialcare.cases import clocks, facts, guarding, lifecycle, retention
from socialcare.config import settings
from socialcare.errors import (
    CaseNotFoundError,
    ChannelRejectedError,
    InvalidCaseTransitionError,
    ReplyRejectedError,
    WaitTimedOutError,
)
from socialcare.care import csat, drafts
from socialcare.care.guardrails import invites_private_message
from socialcare.care.policy import policy
from socialcare.storage.cases import CaseRead, CasesRepository, condition_failed, now_iso
from socialcare.storage.records import CaseRecord

DM_INVITATION = ("Could you send us a direct message so we can look into this privately? "
                 "Tell us there whether you'd like us to reach you by email or by phone.")
DM_REMINDER = "Just checking in: if you still need a hand, send us a direct message and we'll pick it up from there."
HANDOFF_CONFIRMATION = ("Thank you, we have your message. Our team is on it and will get back to you the way you "
                        "asked.")
HANDOFF_CONFIRMED = "handoff-confirmation"
AUTOMATIC_TEXTS = {"dm-invitation": DM_INVITATION, "dm-reminder": DM_REMINDER, HANDOFF_CONFIRMED: HANDOFF_CONFIRMATION}
MESSAGING_WINDOW = timedelta(hours=24)  # Meta answers a customer's message freely within this; X has no window
HOLDING = "holding"  # the holding reply posted when the wall-clock promise breaks
AGENT_REPLIES = ("acknowledgement", "answer", "follow-up")  # what agents write to the customer
INCIDENT_STATEMENT = "incident-statement"  # a pile-on's holding statement, on each customer's thread
INCIDENT_FOLLOW_UP = "incident-follow-up"  # a resolved pile-on's follow-up, personalised for each customer
PROMISE_KEPT_BY = (*AGENT_REPLIES, INCIDENT_FOLLOW_UP)  # our responses (a holding reply or statement is not one)
ONE_TEXT_FOR_MANY = (INCIDENT_STATEMENT, INCIDENT_FOLLOW_UP)  # the same words to many by design: never canned
CSAT_QUESTION = "csat-question"  # after the follow-up: how did we do? (care/csat.py)
PROMISE_STEPS = (lifecycle.ACKNOWLEDGE, lifecycle.HAND_OFF, lifecycle.RESOLVE, lifecycle.FOLLOW_UP)  # the team's

logger = Logger()


def _repo(repo: CasesRepository | None) -> CasesRepository:
    return repo or CasesRepository()


def _plan(step: str, window_seconds: int) -> tuple[clocks.ClockPlan, datetime]:
    """The deadline of a window that starts now, in business time for the team's steps, with its warning."""
    at = clocks.now()
    warning = settings().clocks.pre_breach_warning
    if warning is None:
        warning = policy().business_hours.pre_breach_warning_minutes * 60
    return clocks.plan(step, window_seconds, at, policy().calendar, warning), at


def _clock(step: str, level: int, rung: int, plan: clocks.ClockPlan, at: datetime, hard_limit_reached: bool) -> dict:
    """What the state machine carries: seconds until the wait's next event (the earliest of the warning, else the
    deadline, and the wall-clock promise's warning and limit)."""
    return {"step": step, "level": level, "rung": rung, "seconds": plan.seconds_from(at), "phase": plan.phase(),
            "deadline": clocks.iso(plan.deadline), "warnAt": clocks.iso(plan.warn_at) if plan.warn_at else None,
            "hardLimitReached": hard_limit_reached}


def _promise_seconds() -> tuple[int, int]:
    """(the promise, its warning) in wall-clock seconds: the policy's hours, or the local overrides."""
    overrides, rules = settings().clocks, policy().promise
    response = overrides.promise or round(rules.response_hours * 3600)
    warning = (overrides.promise_warning if overrides.promise_warning is not None
               else round(rules.warn_hours_before * 3600))
    return response, warning


def _with_promise(plan: clocks.ClockPlan, case: CaseRecord, step: str, repo: CasesRepository) -> clocks.ClockPlan:
    """Add the wall-clock promise's events still to come to a team's wait while the customer waits for our public
    response (the DM wait is the customer's turn: it never ends for the promise)."""
    since = case.promise_since
    if not since or step not in PROMISE_STEPS:
        return plan
    response, warning = _promise_seconds()
    warned = repo.get_event(case.case_id, f"promise-warning:{since}") is not None
    broken = repo.get_event(case.case_id, f"promise-broken:{since}") is not None
    return plan.with_promise(clocks.promise_events(clocks.parse(since), response, warning, warned, broken))


def load_case(case_id: str, repo: CasesRepository | None = None) -> CaseRecord:
    case = _repo(repo).get(case_id)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id!r}")
    return case


# -- the state machine's steps ---------------------------------------------------------------------------------
def enter_step(case_id: str, step: str, repo: CasesRepository | None = None) -> dict:
    """The case enters a step: its clock starts. Returns the clock for TimeoutSecondsPath."""
    repo = _repo(repo)
    plan, at = _plan(step, lifecycle.first_window(step, settings().clocks))
    deadline = clocks.iso(plan.deadline)
    try:
        case = repo.update(case_id, [
            CaseRecord.step.set(step), CaseRecord.escalation_level.set(0), CaseRecord.hard_limit_reached.set(False),
            CaseRecord.deadline.set(deadline), CaseRecord.waiting_for.remove(), CaseRecord.task_token.remove(),
            CaseRecord.rearming_step.remove(), CaseRecord.held_action.remove(),
        ], condition=CaseRecord.status == lifecycle.OPEN)
    except Exception as error:
        if condition_failed(error):
            raise InvalidCaseTransitionError(f"case {case_id} is not open") from error
        raise
    repo.add_event(case_id, f"step:{step}", "step", {"step": step, "deadline": deadline})
    facts.record(case_id, repo)  # a milestone: opened, claimed (RESOLVE), resolved (FOLLOW_UP)...
    clock = _clock(step, 0, 0, _with_promise(plan, case, step, repo), at, False)
    clock["dmReceived"] = bool(case.dm_received)
    if step == lifecycle.ACKNOWLEDGE:
        echoed = "" if _is_private(case) else guarding.echo_of_our_reply(case)
        clock["echo"] = bool(echoed)
        if echoed:  # dismissed by the state machine at once, with this reason on the case
            repo.update(case_id, [CaseRecord.closed_reason.set(f"echo of our reply: {echoed[:80]}")])
        hours = policy().business_hours
        clock["afterHoursNotice"] = bool(hours.after_hours_notice and not policy().calendar.is_open(at))
    clock["privateChannel"] = platforms.has_private_channel(case.platform or "")
    return clock


def await_action(case_id: str, step: str, task_token: str, rung: int, repo: CasesRepository | None = None) -> dict:
    """Park the case on a human (or the customer): store the task token the action will resume, tell the team."""
    repo = _repo(repo)
    waiting_for = lifecycle.AWAITED_ACTION[step]
    try:
        case = repo.update(case_id, [CaseRecord.task_token.set(task_token), CaseRecord.waiting_for.set(waiting_for),
                                     CaseRecord.rearming_step.remove()],
                           condition=(CaseRecord.status == lifecycle.OPEN) & (CaseRecord.step == step))
    except Exception as error:
        if condition_failed(error):
            raise InvalidCaseTransitionError(f"case {case_id} is not open in {step}") from error
        raise
    if case.held_action and _apply_held_action(case_id, repo):
        return {"caseId": case_id, "waitingFor": waiting_for, "heldActionApplied": True}
    if step == lifecycle.REQUEST_DM and case.dm_received:
        _resume_dm_wait(case, repo)  # the customer wrote while we were still asking
    team = lifecycle.NOTIFIED_TEAM[step]
    # told once per rung: the wait that resumes after a pre-breach warning (same rung) is not news
    if team and repo.get_event(case_id, f"notify:{step}:{rung}") is None:
        notify.notify_team(team, case_id, step, _briefing(case, team, f"waiting for {waiting_for}", repo))
        if step == lifecycle.ACKNOWLEDGE and rung == 0:  # a loud or severe case: a tier hears at once
            _tell_first_tier(case, case.priority or "normal", f"new {case.priority} priority case", repo)
        repo.add_event(case_id, f"notify:{step}:{rung}", "notified", {"team": team, "step": step})
    return {"caseId": case_id, "waitingFor": waiting_for}


def highest_level(case: CaseRecord) -> int:
    """The highest tier that may ever hear of the case: the ladder's top, or for a flagged author's case the care
    policy's cap (a flagged author never pages leadership)."""
    top = settings().clocks.max_escalation_level
    return min(top, policy().priority.flagged_max_escalation_level) if case.flagged_reason else top


def _tell_first_tier(case: CaseRecord, priority: str, reason: str, repo: CasesRepository) -> None:
    """The tier the policy names for this priority hears of the case at once (once per priority); a flagged author's
    case tells no tier above the policy's cap. A capped telling has its own key, so that the tier named hears of it
    if an agent clears the flag."""
    named = min(policy().priority.first_tier.get(priority, 0), settings().clocks.max_escalation_level)
    level = min(named, highest_level(case))
    capped = {"cappedFrom": named} if level < named else {}
    key = f"first-tier:{priority}" + (":capped" if capped else "")
    if level and repo.add_event(case.case_id, key, "first tier told", {"priority": priority, "level": level, **capped}):
        notify.notify_priority(case.case_id, case.step or "", level, priority,
                               _briefing(case, "escalations", reason))


def raise_priority(case_id: str, priority: str, why: str, repo: CasesRepository | None = None,
                   known: CaseRecord | None = None) -> bool:
    """Raise an open case's priority, never lower it (a customer who writes again, angrier; a complaint that turns
    out to be part of a pile-on). A higher tier than before hears of it at once. False: it was already that high.
    `known`: the case as just read; its priority already that high answers False without a write (a priority is
    never lowered, so the conditional write would fail)."""
    repo = _repo(repo)
    lower = lifecycle.PRIORITIES[lifecycle.PRIORITIES.index(priority) + 1:]
    if not lower or (known is not None and known.priority not in lower):
        return False
    try:
        case = repo.update(case_id, [CaseRecord.priority.set(priority)],
                           condition=(CaseRecord.status == lifecycle.OPEN) & CaseRecord.priority.is_in(*lower))
    except Exception as error:
        if condition_failed(error):
            return False
        raise
    repo.add_event(case_id, f"priority:{priority}", "priority raised", {"priority": priority, "why": why})
    if case.step != lifecycle.NEW:  # a case still opening tells its first tier when it first waits
        _tell_first_tier(case, priority, f"raised to {priority} priority: {why}", repo)
    return True


def lift_flag(case_id: str, agent: str, reason: str, cleared_at: str, repo: CasesRepository | None = None) -> bool:
    """An agent cleared the author's flag while this case of theirs is open: from now on it is answered and escalated
    like anyone's (automatic notices, the whole ladder), and the tier its priority names hears of it now if the cap
    kept it from hearing. False: the case was not flagged (or closed)."""
    repo = _repo(repo)
    flagged = load_case(case_id, repo).flagged_reason
    if not flagged:
        return False
    try:
        case = repo.update(case_id, [CaseRecord.flagged_reason.remove()],
                           condition=(CaseRecord.status == lifecycle.OPEN) & (CaseRecord.flagged_reason == flagged))
    except Exception as error:
        if condition_failed(error):
            return False
        raise
    repo.add_event(case_id, f"flag-cleared:{cleared_at}", "flag cleared", {"by": agent, "reason": reason,
                                                                           "flag": flagged}, at=cleared_at)
    if case.step != lifecycle.NEW:  # a case still opening tells its first tier when it first waits
        _tell_first_tier(case, case.priority or "normal", f"the author's flag was cleared: {reason}", repo)
    return True


def escalate(case_id: str, clock: dict, repo: CasesRepository | None = None) -> dict:
    """A deadline passed: climb one rung of the ladder and tell the next tier; past the top, the hard limit."""
    repo = _repo(repo)
    step, level, rung = clock["step"], int(clock["level"]), int(clock["rung"]) + 1
    if clock.get("phase") == clocks.WARNING:
        return _warn_before_breach(case_id, clock, repo)
    if clock.get("phase") in clocks.PROMISE_PHASES:
        return _keep_promise(case_id, clock, repo)
    cap = highest_level(load_case(case_id, repo))  # a flagged author's ladder ends at the policy's cap
    rise = lifecycle.escalate_or_remind(step, level, settings().clocks, cap)
    plan, at = _plan(step, rise.seconds)
    deadline = clocks.iso(plan.deadline)
    case = repo.update(case_id, [  # the timed-out task's token is dead: drop it until the wait starts again
        CaseRecord.escalation_level.set(rise.level), CaseRecord.hard_limit_reached.set(rise.hard_limit_reached),
        CaseRecord.deadline.set(deadline), CaseRecord.task_token.remove(), CaseRecord.waiting_for.remove(),
        CaseRecord.rearming_step.set(step),
    ])
    event = "hard-limit" if rise.hard_limit_reached else ("reminder-due" if step == lifecycle.REQUEST_DM else "escalated")
    repo.add_event(case_id, f"escalation:{step}:{rung}", event,
                   {"step": step, "level": rise.level, "deadline": deadline})
    if step != lifecycle.REQUEST_DM:  # the customer's turn does not count against the team
        reason = f"{step} missed its deadline"
        if rise.hard_limit_reached and cap < settings().clocks.max_escalation_level:
            reason += f" (a flagged author's case climbs no higher than level {cap})"
        briefing = _briefing(case, "escalations", reason)
        notify.notify_escalation(case_id, step, rise.level, rise.hard_limit_reached, briefing)
    if step != lifecycle.REQUEST_DM:
        facts.record(case_id, repo)  # a milestone: the highest level, the hard limit
    return _clock(step, rise.level, rung, _with_promise(plan, case, step, repo), at, rise.hard_limit_reached)


def _warn_before_breach(case_id: str, clock: dict, repo: CasesRepository) -> dict:
    """The warning time of a wait came: tell whoever must act that the deadline is close, and wait out the rest of
    it (same level, same rung: the ladder has not moved)."""
    step, level, rung = clock["step"], int(clock["level"]), int(clock["rung"])
    case = load_case(case_id, repo)
    if repo.add_event(case_id, f"warning:{step}:{rung}", "breach warning",
                      {"step": step, "level": level, "deadline": clock["deadline"]}):
        notify.notify_breach_warning(case_id, step, min(level, highest_level(case)), lifecycle.NOTIFIED_TEAM[step],
                                     _briefing(case, "escalations", f"{step} is due by {clock['deadline']}"))
    at = clocks.now()
    plan = _with_promise(clocks.ClockPlan(clocks.parse(clock["deadline"]), None), case, step, repo)
    return _clock(step, level, rung, plan, at, bool(clock.get("hardLimitReached")))


def _keep_promise(case_id: str, clock: dict, repo: CasesRepository) -> dict:
    """The wall-clock promise's warning or limit came during a team's wait. At the warning the top tier hears that
    the promise is at risk; at the limit the case is marked as having broken it, the top tier hears that, and the
    clock asks the state machine for the holding reply (Promise Broken?) when the policy wants one. The ladder does
    not move: the same wait goes on to its business warning or deadline."""
    step, level, rung = clock["step"], int(clock["level"]), int(clock["rung"])
    case = load_case(case_id, repo)
    since, top = case.promise_since, highest_level(case)  # a flagged author's case: the cap, not the top tier
    holding = False
    if since:
        response, _ = _promise_seconds()
        limit = clocks.iso(clocks.parse(since) + timedelta(seconds=response))
        hours = f"{policy().promise.response_hours:g}-hour"  # the promise as the customer knows it
        if clock["phase"] == clocks.PROMISE_WARNING:
            if repo.add_event(case_id, f"promise-warning:{since}", "promise at risk",
                              {"step": step, "since": since, "limit": limit}):
                notify.notify_promise(case_id, step, top, f"{hours} promise at risk: case {case_id}",
                                      _briefing(case, "escalations", f"no response since {since}; the "
                                                f"{hours} promise runs out at {limit}"))
        else:
            breached_at = now_iso()
            if repo.add_event(case_id, f"promise-broken:{since}", "promise broken",
                              {"step": step, "since": since, "limit": limit}, at=breached_at):
                case = repo.update(case_id, [CaseRecord.promise_breached_at.set(breached_at)])
                facts.record(case_id, repo)  # the 24-hour promise broke
                notify.notify_promise(case_id, step, top, f"{hours} promise broken: case {case_id}",
                                      _briefing(case, "escalations", f"no response since {since}; the "
                                                f"{hours} promise ran out at {limit}"), broken=True)
            holding = policy().promise.holding_reply
    at = clocks.now()
    warn_at = clock.get("warnAt")
    plan = clocks.ClockPlan(clocks.parse(clock["deadline"]), clocks.parse(warn_at) if warn_at else None)
    result = _clock(step, level, rung, _with_promise(plan, case, step, repo), at, bool(clock.get("hardLimitReached")))
    result["holdingReply"] = holding
    return result


def promise_response(case_id: str, repo: CasesRepository | None = None) -> bool:
    """The customer posted again on their open case: unless a promise to them runs already, a new one starts now
    (its events join the team's next wait). False: one runs already, or the case closed."""
    repo = _repo(repo)
    since = now_iso()
    try:
        repo.update(case_id, [CaseRecord.promise_since.set(since)],
                    condition=(CaseRecord.status == lifecycle.OPEN) & CaseRecord.promise_since.does_not_exist())
    except Exception as error:
        if condition_failed(error):
            return False
        raise
    repo.add_event(case_id, f"promise:{since}", "response promised", {"since": since})
    return True


def count_mention(case_id: str, repo: CasesRepository | None = None) -> CaseRecord:
    """The customer posted again on their case: one more mention counted and, as promise_response does, a promise
    started on an open case that has none running, in one write. The case as it stands after it."""
    repo = _repo(repo)
    since = now_iso()
    try:
        case = repo.update(case_id, [CaseRecord.mention_count.add(1),
                                     CaseRecord.promise_since.set(CaseRecord.promise_since | since)],
                           condition=CaseRecord.status == lifecycle.OPEN)
    except Exception as error:
        if not condition_failed(error):
            raise
        return repo.update(case_id, [CaseRecord.mention_count.add(1)])  # closed meanwhile: counted, no promise
    if case.promise_since == since:  # it started now (a promise of the same millisecond has this event's key)
        repo.add_event(case_id, f"promise:{since}", "response promised", {"since": since})
    return case


def _promise_kept(case: CaseRecord, kind: str, repo: CasesRepository) -> None:
    """Our public response went out: the promise to the customer is met (late, if it broke)."""
    since = case.promise_since
    if not since:
        return
    try:
        repo.update(case.case_id, [CaseRecord.promise_since.remove()], condition=CaseRecord.promise_since == since)
    except Exception as error:
        if condition_failed(error):
            return
        raise
    late = repo.get_event(case.case_id, f"promise-broken:{since}") is not None
    repo.add_event(case.case_id, f"promise-kept:{since}", "answered after the promise broke" if late
                   else "promise met", {"since": since, "response": kind})


def post_public(case_id: str, kind: str, text: str | None, repo: CasesRepository | None = None) -> dict:
    """Post a public reply on the case's thread, once, and record it with the platform's id."""
    repo = _repo(repo)
    case = load_case(case_id, repo)
    if kind == "dm-invitation" and not _withheld_reason(case, kind, text):
        invited = _invite_privately(case, repo) or _invited_in_acknowledgement(case, repo)
        if invited is not None:
            return invited
    return _record_response(case_id, kind, _respond(case, kind, text, repo, private=False), repo)


def send_private(case_id: str, kind: str, text: str | None = None, repo: CasesRepository | None = None) -> dict:
    """Send the customer a private message, once, and record it (never its text: the timeline is public): the
    hand-off confirmation after they wrote to us; on a private case, every response (the agent's acknowledgement,
    answer and follow-up, the after-hours notice, the holding reply)."""
    repo = _repo(repo)
    if kind == CSAT_QUESTION:
        return ask_how_we_did(case_id, repo)
    case = load_case(case_id, repo)
    if text is None and kind in AGENT_REPLIES:  # a private case's reply comes from the table, not the execution
        text = case.private_reply
        if not text:
            raise InvalidCaseTransitionError(f"case {case_id} has no {kind} to send")
    return _record_response(case_id, kind, _respond(case, kind, text, repo, private=True), repo)


def _record_response(case_id: str, kind: str, result: dict, repo: CasesRepository) -> dict:
    """Our response reached the customer (a milestone of the case's facts): the first one publishes its metrics."""
    if kind in PROMISE_KEPT_BY and not result.get("refused") and not result.get("withheld"):
        facts.record(case_id, repo, publish=True)
    return result


def _withheld_reason(case: CaseRecord, kind: str, text: str | None) -> str:
    """Why an automatic notice is not sent ("": it is): a flagged author gets no automatic answer (a human decides);
    a case opened before holding replies were drafted has none to send."""
    if text is None and case.flagged_reason and kind != HANDOFF_CONFIRMED:
        return case.flagged_reason
    if kind == HOLDING and not case.holding_reply:
        return "no holding reply drafted for this case"
    return ""


def respond_for_incident(case: CaseRecord, kind: str, text: str, repo: CasesRepository | None = None) -> dict:
    """Post an incident's words (its statement, or its follow-up) on the case's thread, once; on a private case send
    them by DM, as everything on it. A refusal is recorded on the case and answered to the lead who posted, who is
    there to see it (not escalated)."""
    repo = _repo(repo)
    result = _respond(case, kind, text, repo, private=_is_private(case), escalate_refusal=False)
    return _record_response(case.case_id, kind, result, repo)


def incident_follow_up_draft(case: CaseRecord, topic: str, outcome: str) -> tuple[str, list]:
    """The case's follow-up for a resolved incident, with the guardrails' rejections ([] when it may go): the most
    personal draft that passes, else the plainest one and why it may not."""
    rules = policy()
    telling = [*rules.pile_on.topics.get(topic, []), *rules.priority.complaint_words, *rules.priority.urgent_words]
    candidates = drafts.incident_follow_ups(case.author_name or "", topic, outcome, case.summary_text or "", telling)
    rejections: list = []
    for text in candidates:
        try:
            guarding.check_reply(case, text, automatic=True, private=_is_private(case))
        except ReplyRejectedError as rejected:
            rejections = list(rejected.rejections)
            continue
        return text, []
    return candidates[-1], rejections


def _respond(case: CaseRecord, kind: str, text: str | None, repo: CasesRepository, private: bool,
             escalate_refusal: bool = True) -> dict:
    """Send a response to the customer, in public or privately, once. Our response keeps the wall-clock promise."""
    withheld = _withheld_reason(case, kind, text)
    if withheld:
        repo.add_event(case.case_id, f"withheld:{kind}", "automatic notice withheld", {"kind": kind, "reason": withheld})
        return {"kind": kind, "withheld": True}
    body = text or _automatic_text(case, kind)
    event_key, event = (f"dm:{kind}", "sent privately") if private else (f"post:{kind}", "posted publicly")
    detail = {} if private else {"text": body}  # a private message's words stay out of the (public) timeline
    try:  # not for being canned: an agent's text was checked as they acted, and the same text may be retried
        guarding.check_reply(case, body, automatic=True, private=private)
    except ReplyRejectedError as rejected:  # recorded on the case and escalated like a platform's refusal
        return _post_once(case, event_key, kind, event, repo, _refuse(f"guardrails: {rejected}"),
                          escalate_refusal=escalate_refusal, **detail)
    if private:
        recipient = _recipient(case)
        human_agent = text is not None and _outside_messaging_window(case, repo)
        result = _post_once(case, event_key, kind, event, repo, lambda platform: platform.send_private(
            recipient, body, f"{case.case_id}:{kind}", human_agent=human_agent),
            escalate_refusal=escalate_refusal, **detail)
    else:
        result = _post_once(case, event_key, kind, event, repo, lambda platform: platform.post_reply(
            case.reply_to_id, body, f"{case.case_id}:{kind}", surface=case.surface or ""),
            escalate_refusal=escalate_refusal, **detail)
    if text and not result.get("refused") and kind not in ONE_TEXT_FOR_MANY:
        guarding.remember_reply(case, kind, body, private=private)
    if kind in PROMISE_KEPT_BY and not result.get("refused"):
        _promise_kept(case, kind, repo)
    return result


def ask_how_we_did(case_id: str, repo: CasesRepository | None = None) -> dict:
    """After the follow-up, ask the customer once, privately, how we did, in the policy's words; or record why not
    (praise, a flagged author, no private messages, no conversation to ask in, the policy off). Their answer comes
    later as a DM (ingest: record_score). A refusal by the platform is recorded, never escalated: it is a courtesy."""
    repo = _repo(repo)
    case = load_case(case_id, repo)
    if case.csat_asked_at:  # a retried step: asked already
        return {"kind": CSAT_QUESTION, "asked": True}
    reason = csat.not_asked_reason(_ask_facts(case, repo), policy().csat)
    if reason:
        repo.add_event(case_id, f"{CSAT_QUESTION}:not-asked", "not asked how we did", {"reason": reason})
        return {"kind": CSAT_QUESTION, "asked": False, "reason": reason}
    result = _respond(case, CSAT_QUESTION, None, repo, private=True, escalate_refusal=False)
    if result.get("refused"):
        return {"kind": CSAT_QUESTION, "asked": False, "reason": "the platform refused the message"}
    asked_at = now_iso()
    repo.mark_asked(f"{case.platform}#{_recipient(case)}", case_id, asked_at)  # where their answer will come from
    repo.update(case_id, [CaseRecord.csat_asked_at.set(asked_at)])
    facts.record(case_id, repo)  # asked: the report counts it
    return {**result, "asked": True}


def _ask_facts(case: CaseRecord, repo: CasesRepository) -> csat.AskFacts:
    meta_window = case.platform != "meta" or not _outside_messaging_window(case, repo)
    return csat.AskFacts(intent=case.intent or "other", flagged=bool(case.flagged_reason),
                         private_channel=platforms.has_private_channel(case.platform or ""),
                         wrote_privately=bool(case.dm_received), messaging_window_open=meta_window)


def _recipient(case: CaseRecord) -> str:
    return case.dm_sender_id or case.author_key.split("#", 1)[1]  # a Meta commenter writes under a PSID


def record_score(case_id: str, score: int, mention_key: str, repo: CasesRepository | None = None) -> bool:
    """The customer answered how we did: the case's score, once (a second answer changes nothing: False). A low
    score tells the team lead (escalation level 1), with the case, once."""
    repo = _repo(repo)
    try:
        case = repo.update(case_id, [CaseRecord.csat_score.set(score)],
                           condition=CaseRecord.csat_score.does_not_exist())
    except Exception as error:
        if not condition_failed(error):
            raise
        if repo.get_event(case_id, f"csat:{mention_key}") is None:  # scored by another answer
            return False
        case = load_case(case_id, repo)  # this very answer, redelivered after a crash: finish its work
    if repo.add_event(case_id, f"csat:{mention_key}", f"customer rated us {score}/5", {"score": score}):
        observability.record_csat_metric(score, case.platform, case.team)
    facts.record(case_id, repo)  # the score joins the case's facts
    if csat.is_low(score, policy().csat) and repo.get_event(case_id, "notify:csat-low") is None:
        level = min(1, settings().clocks.max_escalation_level)
        notify.notify_low_score(case_id, score, level,
                                _briefing(load_case(case_id, repo), "escalations", f"the customer rated us {score}/5"))
        repo.add_event(case_id, "notify:csat-low", "team lead told of a low score", {"score": score, "level": level})
    return True


def _automatic_text(case: CaseRecord, kind: str) -> str:
    if kind == CSAT_QUESTION:
        return policy().csat.question
    if kind == "after-hours":
        return _after_hours_notice(case)
    if kind == HOLDING:
        return case.holding_reply or ""
    return AUTOMATIC_TEXTS[kind]


def _outside_messaging_window(case: CaseRecord, repo: CasesRepository) -> bool:
    """The customer's last message is older than the platform's standard window for answers (Meta: 24 hours): a
    person's reply then goes as a human agent's (Meta's HUMAN_AGENT tag, up to 7 days)."""
    received = repo.private_message_times(case.case_id)
    return bool(received) and clocks.now() - clocks.parse(received[-1]) >= MESSAGING_WINDOW


def _invited_in_acknowledgement(case: CaseRecord, repo: CasesRepository) -> dict | None:
    """The agent's acknowledgement already asked the customer to DM us: a second public post asking the same is
    noise on their thread. None: it did not, so invite."""
    acknowledgement = repo.get_event(case.case_id, "post:acknowledgement")
    text = (acknowledgement.detail.as_dict().get("text") or "") if acknowledgement and acknowledgement.detail else ""
    if not invites_private_message(text):
        return None
    repo.add_event(case.case_id, "post:dm-invitation", "dm invitation not posted",
                   {"kind": "dm-invitation", "reason": "the acknowledgement already invited a DM"})
    return {"kind": "dm-invitation", "inAcknowledgement": True}


def _after_hours_notice(case: CaseRecord) -> str:
    """The policy's notice, with the hours and when the acknowledgement is due, in the company's timezone."""
    calendar = policy().calendar
    due = clocks.parse(case.deadline).astimezone(calendar.timezone)
    return policy().business_hours.after_hours_text.format(hours=calendar.describe(),
                                                           reply_by=f"{due:%A %H:%M} ({calendar.timezone.key})")


def _refuse(reason: str):
    def refuse(platform):
        raise ChannelRejectedError(reason)
    return refuse


def _invite_privately(case: CaseRecord, repo: CasesRepository) -> dict | None:
    """Where the platform can answer a public comment privately (Meta's private replies), the DM invitation goes
    there: it opens the conversation, and the id Meta gives the customer in it (not their comment's author id)
    becomes an alias of the case's author, so their answer joins this case. None: invite publicly instead (the
    platform cannot, or refused: one private reply per comment, within 7 days)."""
    platform = platforms.outbound(case.platform)
    if (case.surface or "") not in platform.private_reply_surfaces:
        return None
    result = _post_once(case, "dm:dm-invitation", "dm-invitation", "invited privately", repo,
                        lambda p: p.private_reply(case.reply_to_id, DM_INVITATION, f"{case.case_id}:dm-invitation"),
                        escalate_refusal=False)
    if result.get("refused"):
        return None
    if result.get("recipientId"):
        alias = f"{case.platform}#{result['recipientId']}"
        if alias != case.author_key and not repo.add_author_alias(case.case_id, alias):
            logger.warning("private reply recipient has another open case", extra={"caseId": case.case_id})
    return result


def _post_once(case: CaseRecord, event_key: str, kind: str, event: str, repo: CasesRepository, post,
               escalate_refusal: bool = True, **detail) -> dict:
    """A retried step finds its post (or the platform's refusal) already recorded on the case and does not post again.
    (Handlers also keep their result in the idempotency table, for the retry that follows a lost response.)
    A permanent refusal is recorded on the case and escalated; the case goes on (someone may post by hand)."""
    recorded = repo.get_event(case.case_id, event_key) or repo.get_event(case.case_id, f"refused-{event_key}")
    if recorded is not None:
        return {"kind": kind, **{k: v for k, v in recorded.detail.as_dict().items() if k in _RESULT_FIELDS}}
    try:
        receipt = post(platforms.outbound(case.platform))
    except ChannelRejectedError as refusal:
        reason = str(refusal)
        repo.add_event(case.case_id, f"refused-{event_key}", "post refused",
                       {"kind": kind, **detail, "refused": True, "reason": reason})
        if escalate_refusal:
            notify.notify_refused_post(case.case_id, case.step, kind, reason, _briefing(case, "escalations", reason),
                                       level=min(1, highest_level(case)))
        return {"kind": kind, "refused": True, "reason": reason}
    result = {"platformPostId": receipt.platform_post_id,
              **({"recipientId": receipt.recipient_id} if receipt.recipient_id else {})}
    repo.add_event(case.case_id, event_key, event, {"kind": kind, **detail, **result})
    return {"kind": kind, **result}


_RESULT_FIELDS = ("platformPostId", "recipientId", "refused", "reason")


def close(case_id: str, outcome: str, error: dict | None = None, repo: CasesRepository | None = None) -> dict:
    """Close the case (resolved, dismissed or failed) and free its author for a new case."""
    repo = _repo(repo)
    case = load_case(case_id, repo)
    if case.status != lifecycle.OPEN:  # a retried close: done already (and the author may have a new case by now)
        facts.record(case_id, repo)  # in case the facts were what failed
        return {"caseId": case_id, "status": case.status, "reason": case.closed_reason}
    closed_at = now_iso()
    status = {"resolved": lifecycle.CLOSED, "answered": lifecycle.CLOSED, "dismissed": lifecycle.DISMISSED,
              "failed": lifecycle.CLOSED}[outcome]
    answered = lifecycle.ANSWERED_PRIVATELY if _is_private(case) else lifecycle.ANSWERED_IN_PUBLIC
    reason = case.closed_reason or ("failed: " + str((error or {}).get("Error", "unknown")) if outcome == "failed"
                                    else answered if outcome == "answered" else outcome)
    repo.close(case_id, case.author_key, aliases=frozenset(case.author_aliases or ()), actions=[
        CaseRecord.status.set(status), CaseRecord.step.set("CLOSED"), CaseRecord.closed_at.set(closed_at),
        CaseRecord.deadline.set(closed_at), CaseRecord.closed_reason.set(reason),
        CaseRecord.waiting_for.remove(), CaseRecord.task_token.remove(), *retention.marks_for_closing(case, closed_at),
    ])
    repo.add_event(case_id, "closed", "closed", {"outcome": outcome, "reason": reason}, at=closed_at)
    facts.record(case_id, repo)
    return {"caseId": case_id, "status": status, "reason": reason}


# -- the agents' actions -----------------------------------------------------------------------------------------
ACT_ATTEMPTS = 3


def act(case_id: str, action: str, fields: dict, agent: str, repo: CasesRepository | None = None) -> dict:
    """An agent acts on a case: check it waits for that, take its task token (once: a second agent gets 409), store
    what stays private, and resume the execution with what may be public. An action that comes while a clock that
    just ran out restarts the same wait (its warning, or an escalation rung) is held and applied to the new wait:
    an acknowledgement after the deadline is still the one the customer needs."""
    repo = _repo(repo)
    for _ in range(ACT_ATTEMPTS):
        case = load_case(case_id, repo)
        restarting = _restarting_for(case, action)
        if not restarting:
            lifecycle.check_action(case.step, case.waiting_for, action)
            if action != lifecycle.DISMISS and case.waiting_for == "customer-dm":
                raise InvalidCaseTransitionError("the case waits for the customer's DM")
        private_updates, output = _checked_effects(case, action, fields, agent)
        if restarting:
            return _hold(case, action, output, fields, agent, repo, private_updates)
        if _take_token(case, action, private_updates, repo):
            break
        # the token changed under us: either someone acted, or an escalation restarted the same wait; look again
    else:
        raise InvalidCaseTransitionError("the case keeps changing; reload it and try again")
    token = case.task_token
    event_key = f"action:{action}:{case.step}:{token[-12:]}"
    repo.add_event(case_id, event_key, action, {"by": agent, "step": case.step, **_public_fields(case, fields)})
    try:
        _deliver(token, action, output, fields)
    except WaitTimedOutError:
        repo.remove_event(case_id, event_key)
        if case.step == lifecycle.REQUEST_DM:  # the customer's turn ran out: the case moves on to the hand-off
            raise
        # the wait timed out as we took its token: its warning or escalation starts the same wait again, and the
        # action is applied to that one (the timeline keeps it once, as held)
        return _hold(case, action, output, fields, agent, repo)  # its private updates went with the token
    except InvalidCaseTransitionError:
        repo.remove_event(case_id, event_key)  # the timeline keeps no action that did not happen
        raise
    return {"caseId": case_id, "action": action, "step": case.step}


def _checked_effects(case: CaseRecord, action: str, fields: dict, agent: str) -> tuple[list, dict]:
    """The action's (table updates, execution output), once the text it sends the customer passed the guardrails
    (422 before anything changes; the case keeps waiting): a private case's, those of a private reply."""
    reply = _reply_text(action, _with_defaults(case, action, fields))
    if reply:
        guarding.check_reply(case, reply, private=_is_private(case))
    updates, output = _action_effects(case, action, _with_defaults(case, action, fields), agent)
    if _is_private(case):  # the texts for the customer stay in the table: the execution is read by many
        reply = output.pop("replyText", None)
        output.pop("publicNote", None)
        updates = [*updates, CaseRecord.private_reply.set(reply)] if reply else updates
    return updates, output


def _deliver(token: str, action: str, output: dict, fields: dict) -> None:
    if action == lifecycle.DISMISS:
        workflow.fail(token, "CaseDismissed", fields["reason"])
    else:
        workflow.resume(token, output)


def _restarting_for(case: CaseRecord, action: str) -> bool:
    """A clock of this step just ran out and its wait is about to start again (no token until it does)."""
    return (case.status == lifecycle.OPEN and not case.waiting_for and case.rearming_step == case.step
            and case.step != lifecycle.REQUEST_DM  # its clock may hand the case off instead of waiting again
            and lifecycle.ends_wait(action, lifecycle.AWAITED_ACTION.get(case.step)))


def _hold(case: CaseRecord, action: str, output: dict, fields: dict, agent: str, repo: CasesRepository,
          private_updates: list = ()) -> dict:
    """Keep the action on the case until its wait starts again, then apply it (here, if the wait is back already;
    else when it comes back: await_action). One action is held at a time: a second one is a 409."""
    held = json.dumps({"action": action, "step": case.step, "output": output, "agent": agent,
                       "reason": fields.get("reason")})
    updates = [CaseRecord.held_action.set(held), *private_updates]
    try:
        repo.update(case.case_id, updates, condition=(CaseRecord.status == lifecycle.OPEN)
                    & (CaseRecord.step == case.step) & CaseRecord.held_action.does_not_exist())
    except Exception as error:
        if condition_failed(error):
            raise InvalidCaseTransitionError("another action on this step is already being applied; reload the "
                                             "case") from error
        raise
    repo.add_event(case.case_id, f"action:{action}:{case.step}:held", action,
                   {"by": agent, "step": case.step, "held": True, **_public_fields(case, fields)})
    _apply_held_action(case.case_id, repo)
    return {"caseId": case.case_id, "action": action, "step": case.step, "held": True}


def _apply_held_action(case_id: str, repo: CasesRepository) -> bool:
    """Resume the wait with the held action if the wait is back. The agent's call and the wait's start can come in
    either order; each writes first and then looks for the other, and the conditional take lets exactly one apply
    it. A wait that times out again as it is applied keeps the action held for the next one."""
    case = load_case(case_id, repo)
    if not case.held_action or not case.task_token:
        return False
    held = json.loads(case.held_action)
    if held["step"] != case.step or not lifecycle.ends_wait(held["action"], case.waiting_for):
        return False
    try:
        repo.update(case_id, [CaseRecord.task_token.remove(), CaseRecord.waiting_for.remove(),
                              CaseRecord.held_action.remove()],
                    condition=(CaseRecord.task_token == case.task_token) & CaseRecord.held_action.exists())
    except Exception as error:
        if condition_failed(error):
            return False
        raise
    try:
        _deliver(case.task_token, held["action"], held["output"], held)
    except WaitTimedOutError:
        repo.update(case_id, [CaseRecord.held_action.set(case.held_action)])
        return False
    return True


def _reply_text(action: str, fields: dict) -> str:
    """The text of an action that the customer will be sent (a resolution's public note is the follow-up's
    default): posted in public, or on a private case sent privately."""
    return {"acknowledge": fields.get("replyText"), "answer": fields.get("replyText"),
            "follow-up": fields.get("replyText"), "resolve": fields.get("publicNote")}.get(action) or ""


def _take_token(case: CaseRecord, action: str, private_updates: list, repo: CasesRepository) -> bool:
    """Remove the case's task token if it is still the one we read: exactly one action gets it."""
    condition = CaseRecord.task_token == case.task_token
    if action != lifecycle.DISMISS:
        condition &= CaseRecord.waiting_for == lifecycle.ALSO_ENDS_WAIT.get(action, action)
    try:
        repo.update(case.case_id, [CaseRecord.task_token.remove(), CaseRecord.waiting_for.remove(), *private_updates],
                    condition=condition)
    except Exception as error:
        if condition_failed(error):
            return False
        raise
    return True


def _with_defaults(case: CaseRecord, action: str, fields: dict) -> dict:
    if action == "follow-up" and not fields.get("replyText"):
        return {**fields, "replyText": case.public_note or ""}
    return fields


def _action_effects(case: CaseRecord, action: str, fields: dict, agent: str) -> tuple[list, dict]:
    """(table updates, execution output) of an action. The output never carries internal notes. An answer, or an
    acknowledgement of praise (never invited to a DM), is posted and the case closes, answered in public."""
    if action in ("acknowledge", lifecycle.ANSWER):
        answered = action == lifecycle.ANSWER or case.intent == "praise"
        return [], {"replyText": fields["replyText"], "agent": agent, "answered": answered,
                    "kind": "answer" if answered else "acknowledgement"}
    if action == "claim":
        return [CaseRecord.owner.set(fields.get("owner") or agent)], {"owner": fields.get("owner") or agent}
    if action == "resolve":
        return ([CaseRecord.resolution_summary.set(fields["summary"]), CaseRecord.public_note.set(fields["publicNote"])],
                {"publicNote": fields["publicNote"], "resolvedBy": agent})
    if action == "follow-up":
        return [], {"replyText": fields["replyText"], "agent": agent}
    return [CaseRecord.closed_reason.set(fields["reason"])], {}


def _public_fields(case: CaseRecord, fields: dict) -> dict:
    """What the timeline shows of an action: never the internal summary; on a private case, none of the texts sent
    to the customer (they are their private conversation)."""
    hidden = {"summary", "replyText", "publicNote"} if _is_private(case) else {"summary"}
    return {key: value for key, value in fields.items() if key not in hidden}


def receive_private_message(case_id: str, mention_key: str, text: str, received_at: str, repo: CasesRepository,
                            sender_id: str = "") -> bool:
    """The customer's DM arrived: keep it in the table only, as the next message of the case's private thread (with
    who sent it: our private answers go to that id), tell the owner's team when triage has the case already, and
    resume the DM wait if the case is in it. The case is marked first, while it is open, so that the case that
    closes holding a DM is always put on the erasure index."""
    updates = [CaseRecord.dm_received.set(True)]
    if sender_id:
        updates.append(CaseRecord.dm_sender_id.set(sender_id))
    try:
        case = repo.update(case_id, updates, condition=CaseRecord.status == lifecycle.OPEN)
    except Exception as error:
        if condition_failed(error):
            raise InvalidCaseTransitionError(f"case {case_id} is closed") from error
        raise
    repo.add_private_message(case_id, received_at, mention_key, text)
    repo.add_event(case_id, f"mention:{mention_key}", "customer DM received", {"private": True})
    if _is_private(case):  # their conversation is the thread: a message without our response, like a post
        promise_response(case_id, repo)
    if case.step in lifecycle.HANDED_OFF_STEPS:
        _tell_owner_of_dm(case, mention_key, {"at": received_at, "text": text}, repo)
    return _resume_dm_wait(case, repo)


def _tell_owner_of_dm(case: CaseRecord, mention_key: str, message: dict, repo: CasesRepository) -> None:
    """Triage has the case: its team (and owner, once claimed) hear the new DM on their private channel, once."""
    event_key = f"notify:dm:{mention_key}"
    if repo.get_event(case.case_id, event_key) is not None:  # a redelivery: told already
        return
    briefing = _briefing(case, "owner", "the customer sent a new private message")
    notify.notify_private_message(case.case_id, case.step, {**briefing, "owner": case.owner, "privateMessage": message})
    repo.add_event(case.case_id, event_key, "owner told of a new DM",
                   {"team": case.team, "owner": case.owner, "step": case.step})


def _resume_dm_wait(case: CaseRecord, repo: CasesRepository) -> bool:
    """Resume the DM wait with what may be public (that a DM came, not what it says). The DM and the wait can
    arrive in either order; each side writes first and then looks for the other, so one of them resumes it."""
    if case.waiting_for != "customer-dm" or not case.task_token:
        return False
    try:
        workflow.resume(case.task_token, {"dmReceived": True})
    except InvalidCaseTransitionError:
        return False  # the wait ended already: an earlier delivery of the DM resumed it
    try:
        repo.update(case.case_id, [CaseRecord.task_token.remove(), CaseRecord.waiting_for.remove()],
                    condition=CaseRecord.task_token == case.task_token)
    except Exception as error:
        if not condition_failed(error):
            raise
    return True


# -- reading ------------------------------------------------------------------------------------------------------
def view(case_id: str, repo: CasesRepository | None = None) -> dict:
    # Only the agent API shows a case, and its app.py imports these at its cold start; imported here, they stay out of
    # the steps, which import this module and never read an author's history or an incident.
    from socialcare.cases import history
    repo = _repo(repo)
    case = load_case(case_id, repo)
    result = summary(case)
    result["authorId"] = case.author_key.split("#", 1)[1] if case.author_key else None  # the /authors/... routes'
    result["owner"] = case.owner
    result["closedReason"] = case.closed_reason
    result["publicNote"] = None if _is_private(case) else case.public_note  # a private case's note went by DM
    result["dmReceived"] = bool(case.dm_received)
    result["promiseSince"] = case.promise_since if case.status == lifecycle.OPEN else None  # no response from us yet
    result["promiseBreachedAt"] = case.promise_breached_at
    result["csatAskedAt"] = case.csat_asked_at  # asked how we did, after the follow-up
    result["csatScore"] = int(case.csat_score) if case.csat_score is not None else None
    if case.review_rating_before is not None:  # a Google review: its stars when the case opened, and after our reply
        result["reviewRating"] = {"before": int(case.review_rating_before),
                                  "after": int(case.review_rating_after) if case.review_rating_after else None}
    received = repo.private_message_times(case_id)  # how many and when, never what they say
    result["privateMessages"] = len(received)
    result["lastPrivateMessageAt"] = received[-1] if received else None
    if _draft_to_show(case) and not _is_private(case):  # a private case's draft quotes the customer's DM
        result["draftReply"] = case.draft_reply  # a starting point for the agent; never posted by itself
    follow_up = _incident_follow_up(case, repo)
    if follow_up:
        result["followUpDraft"] = follow_up
    result["timeline"] = [{"at": e.at, "event": e.event, **(e.detail.as_dict() if e.detail else {})}
                          for e in repo.timeline(case_id)]
    result["earlierCases"] = history.earlier_cases(case, repo)
    if case.flagged_reason:  # why, so the agent can judge the author (and clear the flag: flags.clear_flag)
        result["flag"] = history.flag_of(case, repo)
    return result


def _incident_follow_up(case: CaseRecord, repo: CasesRepository) -> str:
    """An open case of a resolved incident shows its follow-up draft ("" for any other), until one was posted."""
    if case.status != lifecycle.OPEN or not case.incident_id:
        return ""
    from socialcare.storage.incidents import RESOLVED, IncidentsRepository  # the agent API's, as in view()
    incident = IncidentsRepository().get(case.incident_id)
    if incident is None or incident.status != RESOLVED or repo.get_event(case.case_id, f"post:{INCIDENT_FOLLOW_UP}") \
            or repo.get_event(case.case_id, f"dm:{INCIDENT_FOLLOW_UP}"):
        return ""
    return incident_follow_up_draft(case, incident.topic, incident.outcome)[0]


# What summary() reads of a case, and nothing else: list_cases asks for only these.
SUMMARY_ATTRIBUTES = ("case_id", "platform", "author_handle", "status", "step", "waiting_for", "escalation_level",
                      "hard_limit_reached", "deadline", "opened_at", "closed_at", "mention_count", "visibility",
                      "summary_text", "priority", "intent", "reopens_case_id", "team", "flagged_reason", "incident_id")


def summary(case: CaseRecord | CaseRead) -> dict:
    return {
        "caseId": case.case_id,
        "platform": case.platform,
        "author": case.author_handle,
        "status": case.status,
        "step": case.step,
        "waitingFor": case.waiting_for,
        "escalationLevel": int(case.escalation_level or 0),
        "hardLimitReached": bool(case.hard_limit_reached),
        "deadline": case.deadline if case.status == lifecycle.OPEN else None,
        "openedAt": case.opened_at,
        "closedAt": case.closed_at,
        "mentions": int(case.mention_count or 0),
        "visibility": case.visibility or lifecycle.PUBLIC,
        "text": case.summary_text,
        "priority": case.priority or "normal",
        "intent": case.intent or "other",
        "reopensCase": case.reopens_case_id,
        "team": case.team,
        "flagged": case.flagged_reason,
        "incident": case.incident_id,
    }


def private_view(case_id: str, repo: CasesRepository | None = None) -> dict:
    """What only the care team reads (its own route, granted apart): the customer's private messages, oldest first,
    and on a private case waiting for its acknowledgement, the draft, which quotes them."""
    repo = _repo(repo)
    case = load_case(case_id, repo)
    result = {"caseId": case_id, "visibility": case.visibility or lifecycle.PUBLIC,
              "privateMessages": private_thread(case, repo)}
    if _draft_to_show(case) and _is_private(case):
        result["draftReply"] = case.draft_reply
    return result


def _draft_to_show(case: CaseRecord) -> bool:
    return case.status == lifecycle.OPEN and case.step == lifecycle.ACKNOWLEDGE and bool(case.draft_reply)


def _is_private(case: CaseRecord) -> bool:
    return case.visibility == lifecycle.PRIVATE


def is_private(case: CaseRecord) -> bool:
    """A private case: the customer wrote to us privately first, so everything we send them goes by DM."""
    return _is_private(case)


def list_cases(status: str, limit: int, repo: CasesRepository | None = None) -> list[dict]:
    """The queue (or history) as summaries: only the attributes a summary shows are read, not the drafts, tokens and
    private fields each case also holds (a 500-case page is about half the attributes, a third of the bytes), and
    decoded without building a CaseRecord each (a summary reads a CaseRead as it reads a CaseRecord)."""
    newest_first = status != lifecycle.OPEN  # the queue by nearest deadline; history by latest close
    cases = _repo(repo).list_read_by_status(status, SUMMARY_ATTRIBUTES, limit, newest_first)
    return [summary(case) for case in cases]


def _briefing(case: CaseRecord, audience: str, reason: str, repo: CasesRepository | None = None) -> dict:
    """What a team is told. Only the triage team (a private channel) hears the customer's private messages: the
    whole thread, oldest first, and the latest as `privateContact`."""
    message = {"caseId": case.case_id, "reason": reason, "platform": case.platform, "author": case.author_handle,
               "step": case.step, "level": int(case.escalation_level or 0), "deadline": case.deadline,
               "text": case.summary_text, "priority": case.priority or "normal", "team": case.team}
    if case.flagged_reason:
        message["flagged"] = f"check before answering: {case.flagged_reason}"
    if _is_private(case):  # the customer wrote to us privately: the care team reads it on its private route
        message["visibility"] = lifecycle.PRIVATE
        message["privateMessagesAt"] = f"GET /cases/{case.case_id}/private-messages"
    elif audience == "agents" and case.step == lifecycle.ACKNOWLEDGE and case.draft_reply:
        message["draftReply"] = case.draft_reply  # a starting point to edit; never posted by itself
    if audience == "triage":
        thread = private_thread(case, _repo(repo))
        message["privateMessages"] = thread
        message["privateContact"] = thread[-1]["text"] if thread else None
    return message


def private_thread(case: CaseRecord, repo: CasesRepository) -> list[dict]:
    """The customer's DMs, oldest first. A case from before the thread kept only its latest DM, on the case."""
    thread = [{"at": message.at, "text": message.private_contact} for message in repo.private_messages(case.case_id)]
    if not thread and case.private_contact:
        return [{"at": None, "text": case.private_contact}]
    return thread

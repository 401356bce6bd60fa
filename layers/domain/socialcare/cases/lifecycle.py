"""Pure rules of the case lifecycle: steps, what each step waits for, clocks and the escalation ladder."""
from __future__ import annotations

from dataclasses import dataclass

from socialcare.config import Clocks
from socialcare.errors import InvalidCaseTransitionError, UnknownActionError

NEW = "NEW"  # opened; its execution has not entered the first step yet
ACKNOWLEDGE = "ACKNOWLEDGE"
REQUEST_DM = "REQUEST_DM"
HAND_OFF = "HAND_OFF"
RESOLVE = "RESOLVE"
FOLLOW_UP = "FOLLOW_UP"
STEPS = (ACKNOWLEDGE, REQUEST_DM, HAND_OFF, RESOLVE, FOLLOW_UP)

PRIORITIES = ("urgent", "high", "normal", "low")  # a case's, highest first (care/assessment.py decides it)

OPEN = "OPEN"
CLOSED = "CLOSED"
DISMISSED = "DISMISSED"

# The action that ends each human wait. A dismissal ends any of them.
AWAITED_ACTION = {
    ACKNOWLEDGE: "acknowledge",
    REQUEST_DM: "customer-dm",
    HAND_OFF: "claim",
    RESOLVE: "resolve",
    FOLLOW_UP: "follow-up",
}
AGENT_ACTIONS = ("acknowledge", "answer", "claim", "resolve", "follow-up", "dismiss")
# Besides its own action, a wait takes these: a praise or a question answered in public ends the case there.
ALSO_ENDS_WAIT = {"answer": "acknowledge"}
ANSWER = "answer"
ANSWERED_IN_PUBLIC = "answered in public"  # the closed reason of a case answered in public
ANSWERED_PRIVATELY = "answered privately"  # ...and of a private case answered in one message
ANSWERED = (ANSWERED_IN_PUBLIC, ANSWERED_PRIVATELY)
# Where a case is answered: on the customer's public thread, or (a customer who wrote to us privately first) only
# in their private conversation: a private case has no public step at all.
PUBLIC = "public"
PRIVATE = "private"
# Why a case may be dismissed: a fixed list, so an author's record (policy flag_reasons) can be counted.
DISMISS_REASONS = ("spam", "abusive", "baseless", "troll", "solved-elsewhere", "post-deleted", "duplicate", "not-for-us")
DISMISS = "dismiss"

# Who hears that a step is waiting: agents write public replies, the triage team claims hand-offs.
NOTIFIED_TEAM = {ACKNOWLEDGE: "agents", REQUEST_DM: None, HAND_OFF: "triage", RESOLVE: "triage", FOLLOW_UP: "agents"}
# From the hand-off on, the case belongs to its triage team and owner: the customer's later DMs go to them.
HANDED_OFF_STEPS = (HAND_OFF, RESOLVE, FOLLOW_UP)


def first_window(step: str, clocks: Clocks) -> int:
    """Seconds a step may wait before its first escalation."""
    return {
        ACKNOWLEDGE: clocks.ack_sla,
        REQUEST_DM: clocks.dm_wait,
        HAND_OFF: clocks.triage_claim,
        RESOLVE: clocks.resolve,
        FOLLOW_UP: clocks.follow_up,
    }[_known(step)]


def escalation_window(step: str, clocks: Clocks) -> int:
    """Seconds between two rungs of the ladder. The acknowledgement ladder spreads its levels evenly between the
    SLA and the hard limit; every other step gives each level one more window of its own clock."""
    if step == ACKNOWLEDGE:
        return max(1, (clocks.ack_hard_limit - clocks.ack_sla) // clocks.max_escalation_level)
    return first_window(step, clocks)


# Past the hard limit the top tier is told again at most once a day: a Standard execution keeps at most 25,000 history
# events (about ten per rung), so a short window repeated for weeks would end the execution on its own.
HARD_LIMIT_REALERT_SECONDS = 86400


@dataclass(frozen=True)
class Escalation:
    level: int
    seconds: int  # the next window
    hard_limit_reached: bool


def escalate_or_remind(step: str, level: int, clocks: Clocks, cap: int | None = None) -> Escalation:
    """The rung after a missed deadline at `level`. Past the last rung the hard limit is reached: the level stays at
    the maximum and the top tier is told again (once a day, or every window if that is longer) until someone acts,
    so no case is ever dropped. A `cap` (a flagged author's case) ends the ladder lower: its hard limit is at the cap.
    The DM wait is the customer's turn: one reminder (level 1), then its limit (hand off without private contact)."""
    if step == REQUEST_DM:
        return Escalation(level=1, seconds=clocks.dm_wait, hard_limit_reached=level >= 1)
    window = escalation_window(step, clocks)  # the rungs keep their spacing: a capped ladder only ends sooner
    top = clocks.max_escalation_level if cap is None else min(cap, clocks.max_escalation_level)
    if level < top:
        return Escalation(level=level + 1, seconds=window, hard_limit_reached=False)
    return Escalation(level=top, seconds=max(window, HARD_LIMIT_REALERT_SECONDS), hard_limit_reached=True)


def check_action(step: str | None, waiting_for: str | None, action: str) -> None:
    """Raise unless the case is waiting for `action` right now."""
    if action not in AGENT_ACTIONS:
        raise UnknownActionError(f"unknown action {action!r}; one of {', '.join(AGENT_ACTIONS)}")
    if not waiting_for:
        raise InvalidCaseTransitionError(f"the case is not waiting for anyone (step {step or 'none'})")
    if not ends_wait(action, waiting_for):
        raise InvalidCaseTransitionError(f"the case is in {step} and waits for {waiting_for!r}, not {action!r}")


def ends_wait(action: str, waiting_for: str | None) -> bool:
    """The action ends a wait for `waiting_for`: its own action, a dismissal, or an answer instead of an
    acknowledgement."""
    return action == DISMISS or action == waiting_for or ALSO_ENDS_WAIT.get(action) == waiting_for


def _known(step: str) -> str:
    if step not in STEPS:
        raise InvalidCaseTransitionError(f"unknown step {step!r}")
    return step

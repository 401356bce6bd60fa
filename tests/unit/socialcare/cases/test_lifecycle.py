"""Mirrors layers/domain/socialcare/cases/lifecycle.py: clocks, the escalation ladder and which action a wait accepts."""
import dataclasses

import pytest

from socialcare.cases import lifecycle
from socialcare.cases.lifecycle import (
    ACKNOWLEDGE,
    FOLLOW_UP,
    HAND_OFF,
    REQUEST_DM,
    RESOLVE,
    check_action,
    escalate_or_remind,
    escalation_window,
    first_window,
)
from socialcare.config import Clocks
from socialcare.errors import InvalidCaseTransitionError, UnknownActionError

# Every clock a different length, so a step reading another step's clock shows up.
CLOCKS = Clocks(ack_sla=600, ack_hard_limit=4200, dm_wait=7200, triage_claim=1800, resolve=172800, follow_up=3600,
                max_escalation_level=3)
AGENT_WAITS = {step: action for step, action in lifecycle.AWAITED_ACTION.items() if step != REQUEST_DM}


# -- first_window ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("step", "seconds"), [
    (ACKNOWLEDGE, 600), (REQUEST_DM, 7200), (HAND_OFF, 1800), (RESOLVE, 172800), (FOLLOW_UP, 3600)])
def test_each_step_waits_its_own_clock_before_its_first_escalation(step, seconds):
    # Given clocks of different lengths / When a step starts / Then its first deadline is its own clock
    assert first_window(step, CLOCKS) == seconds


def test_a_step_the_lifecycle_does_not_know_has_no_clock():
    with pytest.raises(InvalidCaseTransitionError, match="unknown step 'TRIAGE'"):
        first_window("TRIAGE", CLOCKS)


# -- escalation_window -------------------------------------------------------------------------------------------
def test_acknowledgement_ladder_spreads_its_levels_evenly_between_the_sla_and_the_hard_limit():
    # Given an SLA of 10 min, a hard limit of 70 min and three levels
    window = escalation_window(ACKNOWLEDGE, CLOCKS)
    # Then each level gets a third of the hour between them, and the last one ends on the hard limit
    assert window == 1200
    assert CLOCKS.ack_sla + CLOCKS.max_escalation_level * window == CLOCKS.ack_hard_limit


def test_acknowledgement_ladder_with_more_levels_has_shorter_rungs():
    clocks = dataclasses.replace(CLOCKS, max_escalation_level=6)
    assert escalation_window(ACKNOWLEDGE, clocks) == 600


def test_acknowledgement_rung_is_never_shorter_than_one_second():
    # Given a hard limit only two seconds past the SLA, but three levels to climb
    clocks = dataclasses.replace(CLOCKS, ack_sla=10, ack_hard_limit=12)
    # Then each rung still waits a whole second (a zero timeout is not a wait)
    assert escalation_window(ACKNOWLEDGE, clocks) == 1


@pytest.mark.parametrize(("step", "seconds"), [(REQUEST_DM, 7200), (HAND_OFF, 1800), (RESOLVE, 172800),
                                               (FOLLOW_UP, 3600)])
def test_other_steps_give_each_level_one_more_window_of_their_own_clock(step, seconds):
    assert escalation_window(step, CLOCKS) == seconds


# -- escalate_or_remind ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("step", [ACKNOWLEDGE, HAND_OFF, RESOLVE, FOLLOW_UP])
def test_each_missed_deadline_climbs_one_level_until_the_top(step):
    # Given a case that has not escalated yet / When it misses deadline after deadline
    levels, level = [], 0
    for _ in range(CLOCKS.max_escalation_level):
        rise = escalate_or_remind(step, level, CLOCKS)
        assert not rise.hard_limit_reached
        assert rise.seconds == escalation_window(step, CLOCKS)
        levels.append(rise.level)
        level = rise.level
    # Then it climbs 1, 2, 3 without reaching the hard limit
    assert levels == [1, 2, 3]


@pytest.mark.parametrize("step", [ACKNOWLEDGE, HAND_OFF, RESOLVE, FOLLOW_UP])
def test_past_the_top_level_the_hard_limit_is_reached_and_the_case_keeps_being_escalated(step):
    # Given a case already at the top level / When it misses its deadline, and then again
    first = escalate_or_remind(step, CLOCKS.max_escalation_level, CLOCKS)
    again = escalate_or_remind(step, first.level, CLOCKS)
    # Then the hard limit is reached, the level stays at the top and a new window starts each time (never dropped),
    # at most once a day so that the execution's history lasts
    for rise in (first, again):
        assert rise.hard_limit_reached
        assert rise.level == CLOCKS.max_escalation_level
        assert rise.seconds == max(escalation_window(step, CLOCKS), 86400)


def test_acknowledgement_hard_limit_is_declared_when_the_hard_limit_has_passed():
    # Given a case that nobody acknowledges / When every deadline is missed in turn
    elapsed, level = first_window(ACKNOWLEDGE, CLOCKS), 0
    while True:
        rise = escalate_or_remind(ACKNOWLEDGE, level, CLOCKS)
        if rise.hard_limit_reached:
            break
        elapsed, level = elapsed + rise.seconds, rise.level
    # Then the hard limit is declared exactly when ACK_HARD_LIMIT has run out, at the top level
    assert elapsed == CLOCKS.ack_hard_limit
    assert level == CLOCKS.max_escalation_level


def test_a_single_level_ladder_reaches_the_hard_limit_on_the_second_miss():
    clocks = dataclasses.replace(CLOCKS, max_escalation_level=1)
    assert escalate_or_remind(HAND_OFF, 0, clocks).hard_limit_reached is False
    assert escalate_or_remind(HAND_OFF, 1, clocks).hard_limit_reached is True


@pytest.mark.parametrize("step", [ACKNOWLEDGE, HAND_OFF, RESOLVE, FOLLOW_UP])
def test_a_capped_ladder_reaches_its_hard_limit_at_the_cap_and_stays_there(step):
    # Given a flagged author's case, capped at level 1 on a three-level ladder
    first = escalate_or_remind(step, 0, CLOCKS, cap=1)
    assert (first.level, first.seconds, first.hard_limit_reached) == (1, escalation_window(step, CLOCKS), False)
    # When it misses its deadline at the cap, and again: the hard limit at the cap, told again at most once a day
    for rise in (escalate_or_remind(step, 1, CLOCKS, cap=1), escalate_or_remind(step, 1, CLOCKS, cap=1)):
        assert (rise.level, rise.hard_limit_reached) == (1, True)
        assert rise.seconds == max(escalation_window(step, CLOCKS), 86400)


def test_a_cap_of_zero_is_the_hard_limit_at_the_first_miss_and_a_cap_above_the_ladder_changes_nothing():
    assert escalate_or_remind(HAND_OFF, 0, CLOCKS, cap=0) == lifecycle.Escalation(0, 86400, True)
    for level in range(CLOCKS.max_escalation_level + 1):
        assert escalate_or_remind(HAND_OFF, level, CLOCKS, cap=5) == escalate_or_remind(HAND_OFF, level, CLOCKS)


def test_the_cap_leaves_the_customers_dm_wait_alone():
    assert escalate_or_remind(REQUEST_DM, 0, CLOCKS, cap=0) == escalate_or_remind(REQUEST_DM, 0, CLOCKS)


def test_first_missed_dm_wait_is_a_reminder_at_level_one():
    rise = escalate_or_remind(REQUEST_DM, 0, CLOCKS)
    assert (rise.level, rise.seconds, rise.hard_limit_reached) == (1, CLOCKS.dm_wait, False)


def test_second_missed_dm_wait_is_its_hard_limit():
    rise = escalate_or_remind(REQUEST_DM, 1, CLOCKS)
    assert (rise.level, rise.seconds, rise.hard_limit_reached) == (1, CLOCKS.dm_wait, True)


# -- check_action ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("step", "action"), AGENT_WAITS.items())
def test_the_action_a_step_waits_for_is_accepted(step, action):
    check_action(step, action, action)  # no InvalidCaseTransitionError


@pytest.mark.parametrize(("step", "waiting_for"), lifecycle.AWAITED_ACTION.items())
def test_dismiss_is_accepted_in_any_wait(step, waiting_for):
    check_action(step, waiting_for, "dismiss")  # no InvalidCaseTransitionError


@pytest.mark.parametrize(("step", "waiting_for", "action"), [
    (ACKNOWLEDGE, "acknowledge", "claim"),
    (HAND_OFF, "claim", "resolve"),
    (RESOLVE, "resolve", "follow-up"),
    (FOLLOW_UP, "follow-up", "acknowledge"),
    (REQUEST_DM, "customer-dm", "acknowledge"),
])
def test_an_action_the_case_is_not_waiting_for_is_refused(step, waiting_for, action):
    with pytest.raises(InvalidCaseTransitionError) as refused:
        check_action(step, waiting_for, action)
    # the agent is told what the case waits for instead
    assert step in str(refused.value) and repr(waiting_for) in str(refused.value)


@pytest.mark.parametrize("action", ["acknowledge", "dismiss"])
@pytest.mark.parametrize(("step", "waiting_for"), [(ACKNOWLEDGE, None), (ACKNOWLEDGE, ""), (None, None),
                                                   ("CLOSED", None)])
def test_no_action_is_accepted_while_the_case_waits_for_nobody(step, waiting_for, action):
    with pytest.raises(InvalidCaseTransitionError, match="not waiting for anyone"):
        check_action(step, waiting_for, action)


@pytest.mark.parametrize("action", ["escalate", "customer-dm", "ACKNOWLEDGE", ""])
def test_an_unknown_action_is_refused_even_while_the_case_waits(action):
    with pytest.raises(UnknownActionError, match="unknown action"):
        check_action(ACKNOWLEDGE, "acknowledge", action)

"""Mirrors layers/domain/socialcare/cases/clocks.py: deadlines in business time, warnings before them."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

from socialcare.care.business_time import BusinessCalendar, Interval
from socialcare.cases import clocks, lifecycle

LONDON = ZoneInfo("Europe/London")
OFFICE = BusinessCalendar(LONDON, ((Interval(time(8), time(18)),),) * 5 + ((), ()))
FRIDAY_1750 = datetime(2026, 11, 27, 17, 50, tzinfo=LONDON)


def test_the_acknowledgement_sla_counts_business_time_and_warns_ten_business_minutes_before():
    plan = clocks.plan(lifecycle.ACKNOWLEDGE, 3600, FRIDAY_1750, OFFICE, warning_seconds=600)
    assert plan.deadline == datetime(2026, 11, 30, 8, 50, tzinfo=LONDON)
    assert plan.warn_at == datetime(2026, 11, 30, 8, 40, tzinfo=LONDON)
    assert plan.phase() == clocks.WARNING
    assert plan.seconds_from(FRIDAY_1750) == (2 * 24 + 14) * 3600 + 50 * 60  # Friday 17:50 to Monday 08:40


def test_the_customers_turn_runs_on_the_wall_clock_without_a_warning():
    plan = clocks.plan(lifecycle.REQUEST_DM, 24 * 3600, FRIDAY_1750, OFFICE, warning_seconds=600)
    assert plan.deadline == datetime(2026, 11, 28, 17, 50, tzinfo=LONDON) and plan.warn_at is None
    assert plan.phase() == clocks.BREACH


def test_no_warning_when_it_is_off_or_the_window_is_shorter():
    assert clocks.plan(lifecycle.HAND_OFF, 1800, FRIDAY_1750, OFFICE, warning_seconds=0).warn_at is None
    assert clocks.plan(lifecycle.HAND_OFF, 300, FRIDAY_1750, OFFICE, warning_seconds=600).warn_at is None


def test_seconds_are_positive_and_rounded_up():
    plan = clocks.plan(lifecycle.RESOLVE, 10, FRIDAY_1750, BusinessCalendar(), warning_seconds=0)
    assert plan.seconds_from(FRIDAY_1750) == 10 and plan.seconds_from(plan.deadline) == 1


def test_iso_and_parse_round_trip():
    assert clocks.iso(FRIDAY_1750) == "2026-11-27T17:50:00.000Z"
    assert clocks.parse("2026-11-27T17:50:00.000Z") == FRIDAY_1750


# -- the wall-clock promise ---------------------------------------------------------------------------------------
def test_a_friday_evening_post_is_promised_by_saturday_evening_whatever_the_business_hours():
    # Given a post on Friday 17:50 with Mon-Fri 08:00-18:00 hours, a 60-minute SLA and a 24 h promise warned 4 h before
    business = clocks.plan(lifecycle.ACKNOWLEDGE, 3600, FRIDAY_1750, OFFICE, warning_seconds=600)
    events = clocks.promise_events(FRIDAY_1750, 24 * 3600, 4 * 3600)
    plan = business.with_promise(events)
    # Then the business deadline is Monday, but the promise's warning is Saturday 13:50 and its limit Saturday 17:50
    assert plan.deadline == datetime(2026, 11, 30, 8, 50, tzinfo=LONDON)
    assert events == ((datetime(2026, 11, 28, 13, 50, tzinfo=LONDON), clocks.PROMISE_WARNING),
                      (datetime(2026, 11, 28, 17, 50, tzinfo=LONDON), clocks.PROMISE_LIMIT))
    # And the wait ends first at the promise's warning, in wall-clock seconds
    assert plan.phase() == clocks.PROMISE_WARNING and plan.seconds_from(FRIDAY_1750) == 20 * 3600


def test_after_the_promise_warning_the_wait_ends_at_its_limit_then_at_the_business_warning():
    business = clocks.plan(lifecycle.ACKNOWLEDGE, 3600, FRIDAY_1750, OFFICE, warning_seconds=600)
    saturday_1350 = datetime(2026, 11, 28, 13, 50, tzinfo=LONDON)
    warned = business.with_promise(clocks.promise_events(FRIDAY_1750, 24 * 3600, 4 * 3600, warned=True))
    assert warned.phase() == clocks.PROMISE_LIMIT and warned.seconds_from(saturday_1350) == 4 * 3600
    broken = business.with_promise(clocks.promise_events(FRIDAY_1750, 24 * 3600, 4 * 3600, broken=True))
    assert broken.next_event() == (datetime(2026, 11, 30, 8, 40, tzinfo=LONDON), clocks.WARNING)


def test_a_business_deadline_before_the_promise_comes_first():
    monday_0900 = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    plan = clocks.plan(lifecycle.ACKNOWLEDGE, 3600, monday_0900, OFFICE, warning_seconds=0).with_promise(
        clocks.promise_events(monday_0900, 24 * 3600, 4 * 3600))
    assert plan.phase() == clocks.BREACH and plan.seconds_from(monday_0900) == 3600


def test_no_promise_warning_when_it_is_off_or_not_shorter_than_the_promise():
    assert [phase for _, phase in clocks.promise_events(FRIDAY_1750, 3600, 0)] == [clocks.PROMISE_LIMIT]
    assert [phase for _, phase in clocks.promise_events(FRIDAY_1750, 3600, 3600)] == [clocks.PROMISE_LIMIT]


def test_a_promise_event_already_past_ends_the_wait_at_once():
    plan = clocks.plan(lifecycle.HAND_OFF, 1800, FRIDAY_1750, BusinessCalendar(), warning_seconds=0).with_promise(
        clocks.promise_events(datetime(2026, 11, 26, 17, 50, tzinfo=LONDON), 24 * 3600, 4 * 3600))
    assert plan.phase() == clocks.PROMISE_WARNING and plan.seconds_from(FRIDAY_1750) == 1

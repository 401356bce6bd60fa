"""Mirrors layers/domain/socialcare/cases/clocks.py: deadlines in business time, warnings before them."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

from socialcare.business_time import BusinessCalendar, Interval
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

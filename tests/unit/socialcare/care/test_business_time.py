"""Mirrors layers/domain/socialcare/care/business_time.py: clocks that run only while the team is on duty."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialcare.care.business_time import BusinessCalendar, Interval

LONDON = ZoneInfo("Europe/London")
DAY = (Interval(time(8), time(18)),)
OFFICE = BusinessCalendar(LONDON, (DAY,) * 5 + ((), ()), frozenset({date(2026, 12, 25), date(2026, 12, 28)}))
SPLIT = BusinessCalendar(LONDON, ((Interval(time(8), time(12)), Interval(time(13), time(17))),) * 7)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(("start", "minutes", "deadline"), [
    (at(2026, 11, 27, 17, 50), 60, at(2026, 11, 30, 8, 50)),   # the example: Friday 17:50 + 60 = Monday 08:50
    (at(2026, 11, 23, 9, 0), 60, at(2026, 11, 23, 10, 0)),     # inside the day
    (at(2026, 11, 23, 6, 0), 30, at(2026, 11, 23, 8, 30)),     # before opening: counts from 08:00
    (at(2026, 11, 28, 12, 0), 30, at(2026, 11, 30, 8, 30)),    # on a Saturday
    (at(2026, 11, 23, 17, 0), 24 * 60, at(2026, 11, 26, 11, 0)),  # 24 business hours: 1 + 10 + 10 + 3
    (at(2026, 12, 24, 17, 30), 60, at(2026, 12, 29, 8, 30)),   # holidays on Friday 25th and Monday 28th
])
def test_a_clock_runs_only_in_business_hours(start, minutes, deadline):
    assert OFFICE.add(start, minutes * 60) == deadline
    assert OFFICE.business_seconds_between(start, deadline) == minutes * 60


def test_a_split_shift_pauses_over_lunch():
    assert SPLIT.add(at(2026, 11, 23, 11, 30), 60 * 60) == at(2026, 11, 23, 13, 30)
    assert not SPLIT.is_open(at(2026, 11, 23, 12, 15)) and SPLIT.is_open(at(2026, 11, 23, 13, 0))


def test_a_daylight_saving_night_counts_its_real_hours():
    night = BusinessCalendar(LONDON, ((Interval(time(0), time(0)),),) * 7)  # around the clock, in London time
    # 29 March 2026: the clocks go forward at 01:00, so 00:00-24:00 lasts 23 hours
    assert night.add(at(2026, 3, 29, 0, 0), 23 * 3600) == at(2026, 3, 30, 0, 0)


def test_without_weekly_hours_the_clock_is_the_wall_clock():
    always = BusinessCalendar()
    start = datetime(2026, 11, 27, 17, 50, tzinfo=ZoneInfo("UTC"))
    assert always.add(start, 3600) == start + timedelta(hours=1) and always.is_open(start)
    assert always.describe() == "around the clock"


def test_next_open_and_describe():
    assert OFFICE.next_open(at(2026, 11, 27, 19, 0)) == at(2026, 11, 30, 8, 0)
    assert OFFICE.next_open(at(2026, 11, 27, 9, 0)) == at(2026, 11, 27, 9, 0)
    assert OFFICE.describe() == "Mon-Fri 08:00-18:00 (Europe/London)"
    assert SPLIT.describe() == "Mon-Sun 08:00-12:00 and 13:00-17:00 (Europe/London)"


def test_a_calendar_that_never_opens_says_so():
    closed = BusinessCalendar(LONDON, (DAY,) + ((),) * 6,
                              frozenset(date(2026, 11, 23) + timedelta(weeks=w) for w in range(60)))
    with pytest.raises(ValueError, match="no opening within 366 days"):
        closed.add(at(2026, 11, 23, 9, 0), 60)

"""Business time: the team's clocks run only while the team is on duty.

A calendar is a timezone, weekly hours (several intervals a day for split shifts) and holidays. `add` moves a
moment forward by a number of business seconds: with Mon-Fri 08:00-18:00, 60 minutes from Friday 17:50 is Monday
08:50. Wall-clock arithmetic happens in UTC, so a daylight-saving change inside an interval counts as the hour it
really is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no opening in this many days (every day a holiday, say) is a configuration error, not a wait.
MAX_SEARCH_DAYS = 366


@dataclass(frozen=True)
class Interval:
    start: time
    end: time  # time(0, 0) as an end means midnight, the end of the day


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    weekly: tuple[tuple[Interval, ...], ...] = ()  # index 0 = Monday; empty = always open
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.weekly

    def is_open(self, moment: datetime) -> bool:
        if self.always_open:
            return True
        return any(start <= moment < end for start, end in self._openings_on(moment.astimezone(self.timezone).date()))

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment when `seconds` of business time have passed since `start` (an aware datetime)."""
        if self.always_open:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        for opens, closes in self._openings_from(start):
            opens = max(opens, start)
            if opens + left <= closes:
                return opens + left
            left -= closes - opens
        raise AssertionError("unreachable: _openings_from raises first")

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """How much business time lies between two moments (0 when end is not after start)."""
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = timedelta()
        for opens, closes in self._openings_from(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total.total_seconds()

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when the team is on duty, else when it next is."""
        if self.always_open:
            return moment
        opens, _closes = next(self._openings_from(moment))
        return max(opens, moment)

    def describe(self) -> str:
        """The hours as a customer reads them: "Mon-Fri 08:00-18:00, Sat 10:00-14:00 (Europe/London)"."""
        if self.always_open:
            return "around the clock"
        groups: list[tuple[list[str], str]] = []
        for day, intervals in zip(WEEKDAYS, self.weekly):
            if not intervals:
                continue
            hours = " and ".join(f"{i.start:%H:%M}-{'24:00' if i.end == time(0) else format(i.end, '%H:%M')}"
                                 for i in intervals)
            if groups and groups[-1][1] == hours and WEEKDAYS.index(groups[-1][0][-1]) + 1 == WEEKDAYS.index(day):
                groups[-1][0].append(day)
            else:
                groups.append(([day], hours))
        days = [(d[0].title() if len(d) == 1 else f"{d[0].title()}-{d[-1].title()}", h) for d, h in groups]
        return ", ".join(f"{d} {h}" for d, h in days) + f" ({self.timezone.key})"

    # -- the openings, as aware UTC intervals ------------------------------------------------------------------------
    def _openings_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        openings = []
        for interval in self.weekly[day.weekday()]:
            opens = datetime.combine(day, interval.start, self.timezone).astimezone(UTC)
            end_day = day + timedelta(days=1) if interval.end == time(0) else day
            closes = datetime.combine(end_day, interval.end, self.timezone).astimezone(UTC)
            openings.append((opens, closes))
        return openings

    def _openings_from(self, start: datetime):
        """Every opening that ends after `start`, in order; ValueError when there is none within a year."""
        day = start.astimezone(self.timezone).date() - timedelta(days=1)  # yesterday's may run past midnight
        found_any = False
        for offset in range(MAX_SEARCH_DAYS + 2):
            for opens, closes in self._openings_on(day + timedelta(days=offset)):
                if closes > start:
                    found_any = True
                    yield opens, closes
            if not found_any and offset > MAX_SEARCH_DAYS:
                break
        raise ValueError(f"the business calendar has no opening within {MAX_SEARCH_DAYS} days of {start:%Y-%m-%d}")

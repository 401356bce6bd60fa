"""When a wait ends: the deadline of a window in business time, and the pre-breach warning before it.

The team's steps count business time (policy business_hours): a 60-minute SLA that starts Friday 17:50 with
Mon-Fri 08:00-18:00 hours ends Monday 08:50. The customer's turn (the DM wait) runs on the wall clock and never
counts against the team. Step Functions waits in wall-clock seconds, so each clock also says how many real seconds
lie before its next event: the warning when one is due, else the deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from socialcare.business_time import BusinessCalendar
from socialcare.cases import lifecycle

WARNING = "warning"  # the wait ends at the warning; the deadline is still ahead
BREACH = "breach"  # the wait ends at the deadline


@dataclass(frozen=True)
class ClockPlan:
    deadline: datetime
    warn_at: datetime | None  # None: no warning before this deadline

    def phase(self) -> str:
        return WARNING if self.warn_at is not None else BREACH

    def seconds_from(self, now: datetime) -> int:
        """Wall-clock seconds until the next event (at least 1: Step Functions needs a positive timeout)."""
        until = self.warn_at or self.deadline
        return max(1, int((until - now).total_seconds() + 0.999))


def plan(step: str, window_seconds: int, now: datetime, calendar: BusinessCalendar,
         warning_seconds: int) -> ClockPlan:
    """The deadline `window_seconds` of the step's time after `now`, and a warning `warning_seconds` of it before
    the deadline when the window is longer than the warning."""
    if step == lifecycle.REQUEST_DM:  # the customer's turn: wall clock, nothing to warn the team about
        return ClockPlan(now + timedelta(seconds=window_seconds), None)
    deadline = calendar.add(now, window_seconds)
    if not warning_seconds or window_seconds <= warning_seconds:
        return ClockPlan(deadline, None)
    return ClockPlan(deadline, calendar.add(now, window_seconds - warning_seconds))


def now() -> datetime:
    """The current moment (one place to read the clock, so a test can set it)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

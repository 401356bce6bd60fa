"""When a wait ends: the deadline of a window in business time, and the pre-breach warning before it.

The team's steps count business time (policy business_hours): a 60-minute SLA that starts Friday 17:50 with
Mon-Fri 08:00-18:00 hours ends Monday 08:50. The customer's turn (the DM wait) runs on the wall clock and never
counts against the team. Step Functions waits in wall-clock seconds, so each clock also says how many real seconds
lie before its next event: the warning when one is due, else the deadline.

Besides them, the customer is promised on the wall clock that no post of theirs waits longer than the policy's
`promise.response_hours` for our public response: a post on Friday 17:50 is due by Saturday 17:50 whatever the
business hours, and the top tier hears of it `warn_hours_before` that. The next event of a wait is the earliest of
the business warning or deadline and the promise's warning or limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from socialcare.care.business_time import BusinessCalendar
from socialcare.cases import lifecycle

WARNING = "warning"  # the wait ends at the warning; the deadline is still ahead
BREACH = "breach"  # the wait ends at the deadline
PROMISE_WARNING = "promise-warning"  # the wait ends when the wall-clock promise is at risk; the deadline is ahead
PROMISE_LIMIT = "promise-limit"  # the wait ends when the wall-clock promise runs out; the deadline is ahead
PROMISE_PHASES = (PROMISE_WARNING, PROMISE_LIMIT)


@dataclass(frozen=True)
class ClockPlan:
    deadline: datetime
    warn_at: datetime | None  # None: no warning before this deadline
    promise_events: tuple[tuple[datetime, str], ...] = ()  # (when, phase) of the promise's events still to come

    def next_event(self) -> tuple[datetime, str]:
        """The earliest of the business warning (else the deadline) and the promise's events still to come."""
        business = (self.warn_at, WARNING) if self.warn_at is not None else (self.deadline, BREACH)
        return min([business, *self.promise_events], key=lambda event: event[0])

    def phase(self) -> str:
        return self.next_event()[1]

    def seconds_from(self, now: datetime) -> int:
        """Wall-clock seconds until the next event (at least 1: Step Functions needs a positive timeout)."""
        until = self.next_event()[0]
        return max(1, int((until - now).total_seconds() + 0.999))

    def with_promise(self, events: tuple[tuple[datetime, str], ...]) -> "ClockPlan":
        return ClockPlan(self.deadline, self.warn_at, tuple(events))


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


def promise_events(since: datetime, response_seconds: int, warning_seconds: int, warned: bool = False,
                   broken: bool = False) -> tuple[tuple[datetime, str], ...]:
    """The wall-clock promise to a customer whose first unanswered post came at `since`: its warning (unless given
    already, off, or not shorter than the promise) and its limit (unless it broke already). A moment already past
    still counts: the wait that starts then ends at once and the event happens late rather than never."""
    limit = since + timedelta(seconds=response_seconds)
    events = []
    if not warned and not broken and warning_seconds and warning_seconds < response_seconds:
        events.append((limit - timedelta(seconds=warning_seconds), PROMISE_WARNING))
    if not broken:
        events.append((limit, PROMISE_LIMIT))
    return tuple(events)


def now() -> datetime:
    """The current moment (one place to read the clock, so a test can set it)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

"""SLA clocks in business time. Pure functions: no database, no clock of their own.

A :class:`Calendar` says when the support desk works (intervals per weekday, holidays, a time
zone). Every function takes and returns aware datetimes and counts only the time inside the
calendar's working intervals:

* :func:`business_time` — working time between two instants;
* :func:`add_business_time` — the instant a given amount of working time after another;
* :func:`clock_deadline` — the resolution deadline of a ticket from its status spans: the clock
  runs only in "Abierto" and "En progreso", so "En espera" (and a resolved ticket, until it is
  reopened) adds nothing to it;
* :func:`sla_view` — how a ticket stands against one target right now (derived at read time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tickets.choices import CLOCK_RUNNING, SlaState

ZERO = timedelta(0)
# How far ahead a deadline is looked for before the calendar is declared unusable.
MAX_SEARCH_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar has no working time in which a deadline could fall."""


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "America/Costa_Rica"
    # weekday (Monday = 0) → working intervals of that day, as (start, end) local times
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    # Each day's windows, and running totals of working time per day, worked out once: a list of
    # tickets asks about the same days again and again.
    _days: dict = field(default_factory=dict, compare=False, repr=False)
    _running: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "America/Costa_Rica") -> Calendar:
        return cls(time_zone=time_zone, always_open=True)

    @property
    def tz(self) -> ZoneInfo:
        zone = self._days.get("tz")
        if zone is None:
            zone = self._days["tz"] = ZoneInfo(self.time_zone)
        return zone

    def between(self, first: date, last: date) -> timedelta:
        """All the working time of the days after ``first`` and before ``last``."""
        if last <= first + timedelta(days=1):
            return ZERO
        return self._before(last) - self._before(first + timedelta(days=1))

    def _before(self, day: date) -> timedelta:
        """Working time of the days from an origin up to ``day`` (excluded), from running totals
        kept in steps of single days around the days asked about."""
        running = self._running
        if not running:
            running[day] = ZERO
            running["low"] = running["high"] = day
            return ZERO
        while day > running["high"]:
            high = running["high"]
            running[high + timedelta(days=1)] = running[high] + self.day_total(high)
            running["high"] = high + timedelta(days=1)
        while day < running["low"]:
            low = running["low"] - timedelta(days=1)
            running[low] = running[running["low"]] - self.day_total(low)
            running["low"] = low
        return running[day]

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of local ``day`` as UTC instants, in order."""
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = self._windows(day)
        return cached[0]

    def day_total(self, day: date) -> timedelta:
        """All the working time of local ``day``."""
        self.windows(day)
        return self._days[day][1]

    def _windows(self, day: date) -> tuple[list[tuple[datetime, datetime]], timedelta]:
        tz = self.tz
        if self.always_open:
            intervals = [(time(0), None)]
        elif day in self.holidays:
            intervals = []
        else:
            intervals = sorted(self.hours.get(day.weekday(), ()))
        windows = []
        for start, end in intervals:
            window_start = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
            window_end = datetime.combine(day + timedelta(days=1) if end is None else day, end or time(0), tzinfo=tz)
            windows.append((window_start, window_end.astimezone(UTC)))
        return windows, sum((end - start for start, end in windows), ZERO)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None:
            raise ValueError("SLA clocks need aware datetimes.")


def business_time(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time between ``start`` and ``end`` (zero when ``end`` is not after ``start``)."""
    _require_aware(start, end)
    if end <= start:
        return ZERO
    first, last = calendar.local_date(start), calendar.local_date(end)
    total = ZERO
    for day in (first, last) if first != last else (first,):
        for window_start, window_end in calendar.windows(day):
            overlap = min(window_end, end) - max(window_start, start)
            if overlap > ZERO:
                total += overlap
    return total + calendar.between(first, last)  # the days in between count whole


def business_minutes(start: datetime, end: datetime, calendar: Calendar) -> int:
    """:func:`business_time` in whole minutes (rounded down)."""
    return int(business_time(start, end, calendar).total_seconds() // 60)


def add_business_time(start: datetime, amount: timedelta, calendar: Calendar) -> datetime:
    """The instant ``amount`` of working time after ``start``. Created after hours, the clock
    starts with the next working interval; a deadline that uses a day's last minute is that
    interval's end (17:00, not 08:00 of the next working day)."""
    _require_aware(start)
    if amount <= ZERO:
        return start
    remaining = amount
    day = calendar.local_date(start)
    for _ in range(MAX_SEARCH_DAYS):
        for window_start, window_end in calendar.windows(day):
            window_start = max(window_start, start)
            if window_end <= window_start:
                continue
            available = window_end - window_start
            if remaining <= available:
                return window_start + remaining
            remaining -= available
        day += timedelta(days=1)
    raise CalendarError("El calendario laboral no tiene horario en el que pueda vencer el SLA.")


def add_business_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    return add_business_time(start, timedelta(minutes=minutes), calendar)


@dataclass(frozen=True)
class Span:
    """A stretch of time in one status; ``end`` is None for the current one."""

    status: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Clock:
    """The resolution clock after the given spans, at ``now``."""

    due: datetime  # the deadline (projected from the stop while the clock is stopped)
    elapsed: timedelta  # working time counted so far
    remaining: timedelta  # target − elapsed (negative once breached)
    running: bool


def clock_deadline(spans: Sequence[Span], target: timedelta, calendar: Calendar, now: datetime) -> Clock:
    """Count working time only in spans whose status runs the clock; the deadline is where the
    count reaches ``target`` (in the past when that already happened).

    While the clock is stopped ("En espera", resolved, closed) the deadline is projected from the
    moment it stopped — where it would fall had the clock kept running — so the time left while
    paused is the working time from the stop to that deadline, a resolved ticket met its target
    exactly when it was resolved before the deadline, and stopping again (resolved, then closed)
    does not move it."""
    counted = ZERO
    due = None
    running = bool(spans) and spans[-1].end is None and spans[-1].status in CLOCK_RUNNING
    for span in spans:
        if span.status not in CLOCK_RUNNING:
            continue
        end = span.end or now
        length = business_time(span.start, end, calendar)
        if due is None and (span.end is None or counted + length >= target):
            due = add_business_time(span.start, target - counted, calendar)
        counted += length
    if due is None:
        # Stopped before reaching the target: project from the moment the clock last ran.
        ran = [span.end for span in spans if span.status in CLOCK_RUNNING and span.end is not None]
        stopped_at = ran[-1] if ran else (spans[0].start if spans else now)
        due = add_business_time(stopped_at, target - counted, calendar)
    return Clock(due=due, elapsed=counted, remaining=target - counted, running=running)


@dataclass(frozen=True)
class SlaView:
    state: str
    remaining: timedelta | None = None  # working time left (negative: overdue by that much)

    @property
    def label(self) -> str:
        return SlaState(self.state).label

    @property
    def colour(self) -> str:
        return {
            SlaState.OK: "success",
            SlaState.MET: "success",
            SlaState.WARNING: "warning",
            SlaState.BREACHED: "danger",
            SlaState.MISSED: "danger",
            SlaState.PAUSED: "secondary",
        }.get(self.state, "light")


def sla_view(
    *,
    due: datetime | None,
    target_minutes: int | None,
    done_at: datetime | None,
    running: bool,
    stopped_at: datetime | None,
    now: datetime,
    calendar: Calendar,
    warning_percent: int,
) -> SlaView:
    """Where a ticket stands against one target.

    ``due`` is the deadline as of the last time the clock ran; ``done_at`` when the target was
    reached (first response, resolution); ``stopped_at`` when a stopped clock stopped."""
    if due is None or not target_minutes:
        return SlaView(SlaState.NONE)
    if done_at is not None:
        return SlaView(SlaState.MET if done_at <= due else SlaState.MISSED)
    if not running:
        stopped_at = stopped_at or now
        if due <= stopped_at:
            return SlaView(SlaState.BREACHED, -business_time(due, stopped_at, calendar))
        return SlaView(SlaState.PAUSED, business_time(stopped_at, due, calendar))
    if now >= due:
        return SlaView(SlaState.BREACHED, -business_time(due, now, calendar))
    remaining = business_time(now, due, calendar)
    if remaining <= timedelta(minutes=target_minutes) * warning_percent / 100:
        return SlaView(SlaState.WARNING, remaining)
    return SlaView(SlaState.OK, remaining)


def warning_time(
    start: datetime, remaining: timedelta, target_minutes: int, warning_percent: int, calendar: Calendar
) -> datetime:
    """When an "about to breach" warning is due for a clock that runs from ``start`` with
    ``remaining`` working time left: once only ``warning_percent`` of the target is left (at
    ``start`` itself when that is already the case)."""
    before_warning = remaining - timedelta(minutes=target_minutes) * warning_percent / 100
    return add_business_time(start, before_warning, calendar)


def spans_of(rows: Iterable) -> list[Span]:
    """:class:`Span` values from ``TicketStatusSpan`` rows (or anything with the same fields)."""
    return [Span(row.status, row.started_at, row.ended_at) for row in rows]

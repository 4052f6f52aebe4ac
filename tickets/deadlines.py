"""SLA deadlines of a ticket: picks its policy and calendar from the database and asks the pure
clock (tickets/sla.py) where the deadlines fall. Called by the services whenever the clock
starts or stops, the priority or the aplicativo changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from tickets.models import BusinessCalendar, SLAPolicy, Ticket
from tickets.sla import (
    Calendar,
    SlaView,
    Span,
    add_business_minutes,
    business_minutes,
    clock_deadline,
    sla_view,
    spans_of,
)


def calendar_of(row: BusinessCalendar) -> Calendar:
    """A calendar row (hours and holidays prefetched) as the clock's value; one without any
    working hours counts as always open rather than never."""
    hours: dict[int, list] = {}
    for interval in row.hours.all():
        hours.setdefault(interval.weekday, []).append((interval.start, interval.end))
    if not hours:
        return Calendar.twenty_four_seven(row.time_zone)
    return Calendar(
        time_zone=row.time_zone,
        hours={day: tuple(sorted(intervals)) for day, intervals in hours.items()},
        holidays=frozenset(holiday.date for holiday in row.holidays.all()),
    )


@dataclass
class Calendars:
    by_id: dict[int, Calendar] = field(default_factory=dict)
    default: Calendar = field(default_factory=lambda: Calendar.twenty_four_seven(settings.TIME_ZONE))

    def for_policy(self, policy: SLAPolicy | None) -> Calendar:
        if policy is not None and policy.calendar_id in self.by_id:
            return self.by_id[policy.calendar_id]
        return self.default


def load_calendars() -> Calendars:
    """Every business calendar (three queries); the default one, or 24×7 when none is marked."""
    rows = list(BusinessCalendar.objects.prefetch_related("hours", "holidays"))
    calendars = Calendars(by_id={row.pk: calendar_of(row) for row in rows})
    default = next((row for row in rows if row.is_default), None)
    if default is not None:
        calendars.default = calendars.by_id[default.pk]
    return calendars


def policy_for(*, priority: str, aplicativo: str) -> SLAPolicy | None:
    """The active policy of the priority for this aplicativo, else the one for any aplicativo."""
    return (
        SLAPolicy.objects.filter(active=True, priority=priority, aplicativo__in=[aplicativo, ""])
        .order_by("-aplicativo")
        .first()
    )


def set_deadlines(
    ticket: Ticket, *, now: datetime, calendars: Calendars | None = None, spans: list[Span] | None = None
) -> None:
    """Fill ``first_response_due_at`` and ``resolution_due_at`` from the ticket's policy and its
    status spans (the saved ones unless ``spans`` is given)."""
    policy = ticket.sla_policy
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        return
    calendar = (calendars or load_calendars()).for_policy(policy)
    ticket.first_response_due_at = add_business_minutes(ticket.created_at, policy.first_response_minutes, calendar)
    if spans is None:
        spans = spans_of(ticket.status_spans.order_by("started_at", "pk"))
    target = timedelta(minutes=policy.resolution_minutes)
    ticket.resolution_due_at = clock_deadline(spans, target, calendar, now).due


def resolution_minutes(ticket: Ticket, *, now: datetime, calendars: Calendars | None = None) -> int:
    """Working minutes the resolution clock has counted (pauses left out)."""
    policy = ticket.sla_policy
    calendar = (calendars or load_calendars()).for_policy(policy)
    spans = spans_of(ticket.status_spans.order_by("started_at", "pk"))
    return int(clock_deadline(spans, timedelta(0), calendar, now).elapsed.total_seconds() // 60)


def first_response_minutes(ticket: Ticket, *, at: datetime, calendars: Calendars | None = None) -> int:
    calendar = (calendars or load_calendars()).for_policy(ticket.sla_policy)
    return business_minutes(ticket.created_at, at, calendar)


@dataclass(frozen=True)
class TicketSla:
    first_response: SlaView
    resolution: SlaView

    @property
    def worst(self) -> SlaView:
        """What the list shows: the resolution unless the first response is the pressing one."""
        order = ["breached", "missed", "warning", "ok", "paused", "met", "none"]
        return min((self.first_response, self.resolution), key=lambda view: order.index(view.state))


def ticket_sla(ticket: Ticket, *, now: datetime, calendars: Calendars) -> TicketSla:
    """How ``ticket`` stands against its SLA right now (read time; ``sla_policy`` loaded)."""
    from tickets.choices import CLOCK_RUNNING

    policy = ticket.sla_policy
    calendar = calendars.for_policy(policy)
    warning = settings.TICKETS_SLA_WARNING_PERCENT
    first_done = ticket.first_response_at or ticket.resolved_at or ticket.closed_at
    first = sla_view(
        due=ticket.first_response_due_at,
        target_minutes=policy.first_response_minutes if policy else None,
        done_at=first_done,
        running=True,
        stopped_at=None,
        now=now,
        calendar=calendar,
        warning_percent=warning,
    )
    resolution = sla_view(
        due=ticket.resolution_due_at,
        target_minutes=policy.resolution_minutes if policy else None,
        done_at=ticket.resolved_at or ticket.closed_at,
        running=ticket.status in CLOCK_RUNNING,
        stopped_at=ticket.status_changed_at,
        now=now,
        calendar=calendar,
        warning_percent=warning,
    )
    return TicketSla(first, resolution)

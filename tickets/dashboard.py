"""Figures of the support dashboard, over the tickets the viewer's lists show (supervisors and
admins: "Todos"; support: "Mi cola"):

* now (whatever the dates): open tickets by status and priority, and how old they are;
* in the period (calendar days in the CRM time zone): tickets created and resolved per day;
  first-response and resolution times (business minutes, stored when they happen); SLA met %
  of the tickets resolved in the period; the same by aplicativo and by assignee.

Seven grouped queries, whatever the range or the number of tickets.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from tickets.choices import OPEN_STATUSES, Aplicativo, Priority, Status
from tickets.models import Ticket

MAX_RANGE_DAYS = 366
AGE_BUCKETS = [("< 1 día", 0, 1), ("1–3 días", 1, 3), ("3–7 días", 3, 7), ("7–30 días", 7, 30), ("> 30 días", 30, None)]


def percentage(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hours(minutes: int | None, count: int) -> Decimal | None:
    """Average of ``minutes`` over ``count`` tickets, in hours with one decimal."""
    if not count or minutes is None:
        return None
    return (Decimal(minutes) / Decimal(count) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def _period_figures(start: datetime, end: datetime) -> dict[str, Any]:
    created = Q(created_at__gte=start, created_at__lt=end)
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    answered = Q(first_response_at__gte=start, first_response_at__lt=end)
    with_sla = resolved & Q(resolution_due_at__isnull=False)
    return {
        "created": Count("pk", filter=created),
        "resolved": Count("pk", filter=resolved),
        "resolution_sum": Sum("resolution_minutes", filter=resolved),
        "answered": Count("pk", filter=answered & Q(first_response_minutes__isnull=False)),
        "first_response_sum": Sum("first_response_minutes", filter=answered),
        "sla_total": Count("pk", filter=with_sla),
        "sla_met": Count("pk", filter=with_sla & Q(resolved_at__lte=F("resolution_due_at"))),
        "first_sla_total": Count("pk", filter=resolved & Q(first_response_due_at__isnull=False)),
        "first_sla_met": Count(
            "pk",
            filter=resolved & Q(first_response_at__isnull=False, first_response_at__lte=F("first_response_due_at")),
        ),
    }


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["avg_resolution_hours"] = hours(row["resolution_sum"], row["resolved"])
    row["avg_first_response_hours"] = hours(row["first_response_sum"], row["answered"])
    row["sla_met_pct"] = percentage(row["sla_met"], row["sla_total"])
    row["first_sla_met_pct"] = percentage(row["first_sla_met"], row["first_sla_total"])
    return row


def _add(total: dict[str, Any], row: dict[str, Any]) -> None:
    for key in ("created", "resolved", "answered", "sla_total", "sla_met", "first_sla_total", "first_sla_met"):
        total[key] = total.get(key, 0) + (row[key] or 0)
    for key in ("resolution_sum", "first_response_sum"):
        total[key] = (total.get(key) or 0) + (row[key] or 0)


def dashboard_data(*, tickets: QuerySet[Ticket], date_from: date, date_to: date, now: datetime | None = None) -> dict:
    """Every figure of the dashboard for ``tickets`` (already scoped and filtered)."""
    now = now or timezone.now()
    start, end = _bounds(date_from, date_to)
    open_tickets = tickets.filter(status__in=OPEN_STATUSES).order_by()

    status_priority = {(s, p): 0 for s in OPEN_STATUSES for p in Priority.values}
    for row in open_tickets.values("status", "priority").annotate(n=Count("pk")):
        status_priority[(row["status"], row["priority"])] = row["n"]
    by_status = {s: sum(n for (st, _), n in status_priority.items() if st == s) for s in OPEN_STATUSES}
    by_priority = {p: sum(n for (_, pr), n in status_priority.items() if pr == p) for p in Priority.values}

    ageing_figures = {}
    for index, (_, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - timedelta(days=high))
        ageing_figures[f"age_{index}"] = Count("pk", filter=condition)
    ageing = open_tickets.aggregate(**ageing_figures)

    in_period = tickets.filter(
        Q(created_at__gte=start, created_at__lt=end)
        | Q(resolved_at__gte=start, resolved_at__lt=end)
        | Q(first_response_at__gte=start, first_response_at__lt=end)
    ).order_by()
    figures = _period_figures(start, end)
    by_aplicativo = []
    totals: dict[str, Any] = {}
    for row in in_period.values("aplicativo").annotate(**figures).order_by("aplicativo"):
        _add(totals, row)
        row["label"] = Aplicativo(row["aplicativo"]).label
        by_aplicativo.append(_finish(row))
    if not totals:
        _add(totals, dict.fromkeys(figures, 0))
    totals = _finish(totals)

    person = ("assignee", "assignee__first_name", "assignee__last_name", "assignee__username")

    def name_of(row) -> str:
        full = f"{row['assignee__first_name'] or ''} {row['assignee__last_name'] or ''}".strip()
        return full or row["assignee__username"] or "Sin asignar"

    by_assignee = []
    for row in in_period.values(*person).annotate(**figures).order_by("assignee__first_name", "assignee__username"):
        row["label"] = name_of(row)
        by_assignee.append(_finish(row))
    open_rows = {row["assignee"]: row for row in open_tickets.values(*person).annotate(n=Count("pk"))}
    for row in by_assignee:
        row["open"] = open_rows.pop(row["assignee"], {"n": 0})["n"]
    for row in open_rows.values():  # open tickets but nothing in the period
        by_assignee.append(
            {**_finish(dict.fromkeys(figures, 0)), "assignee": row["assignee"], "label": name_of(row), "open": row["n"]}
        )
    by_assignee.sort(key=lambda row: (row["assignee"] is None, row["label"].lower()))

    days = [date_from + timedelta(days=offset) for offset in range((date_to - date_from).days + 1)]
    created_days = dict(
        tickets.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    )
    resolved_days = dict(
        tickets.filter(resolved_at__gte=start, resolved_at__lt=end)
        .annotate(day=TruncDate("resolved_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    )
    return {
        "date_from": date_from,
        "date_to": date_to,
        "open_total": sum(by_status.values()),
        "by_status": [(Status(s).label, s, by_status[s]) for s in Status.values if s in OPEN_STATUSES],
        "by_priority": [(Priority(p).label, p, by_priority[p]) for p in Priority.values],
        "ageing": [(label, ageing[f"age_{index}"]) for index, (label, _, _) in enumerate(AGE_BUCKETS)],
        "totals": totals,
        "by_aplicativo": by_aplicativo,
        "by_assignee": by_assignee,
        "days": [(day, created_days.get(day, 0), resolved_days.get(day, 0)) for day in days],
    }


def chart_data(data: dict) -> dict:
    """What the page's script draws (JSON-safe)."""

    def number(value):
        return float(value) if value is not None else None

    return {
        "status": {
            "labels": [label for label, _, _ in data["by_status"]],
            "values": [n for _, _, n in data["by_status"]],
        },
        "priority": {
            "labels": [label for label, _, _ in data["by_priority"]],
            "values": [n for _, _, n in data["by_priority"]],
        },
        "ageing": {"labels": [label for label, _ in data["ageing"]], "values": [n for _, n in data["ageing"]]},
        "days": {
            "labels": [day.strftime("%d/%m") for day, _, _ in data["days"]],
            "created": [created for _, created, _ in data["days"]],
            "resolved": [resolved for _, _, resolved in data["days"]],
        },
        "aplicativo": {
            "labels": [row["label"] for row in data["by_aplicativo"]],
            "first_response": [number(row["avg_first_response_hours"]) for row in data["by_aplicativo"]],
            "resolution": [number(row["avg_resolution_hours"]) for row in data["by_aplicativo"]],
            "sla": [number(row["sla_met_pct"]) for row in data["by_aplicativo"]],
        },
    }

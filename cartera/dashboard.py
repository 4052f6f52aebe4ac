"""Figures of the collections dashboard (cartera): gestiones, contactability, promises,
agreements and recovered amount over a date range, in total, by day and by agent.

Everything is read through the scoped querysets (``visible_to``), so the dashboard shows
exactly what the lists show the same user. Dates are calendar days in the CRM time zone
(``settings.TIME_ZONE``, the active one): ``created_at__date`` for gestiones and agreements,
``paid_on`` for payments. Six grouped queries, whatever the length of the range or the
number of agents.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from cartera.models import Gestion, Payment, PaymentAgreement
from core.models import Campaign, User

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_RANGE_DAYS = 366

COUNTS = ("gestiones", "contacts", "promises", "agreements")
AMOUNTS = ("promised", "negotiated", "recovered")

GESTION_FIGURES = {
    "gestiones": Count("pk"),
    "contacts": Count("pk", filter=Q(outcome__is_contact=True)),
    "promises": Count("pk", filter=Q(outcome__is_promise=True)),
    "promised": Sum("promised_amount", filter=Q(outcome__is_promise=True)),
}
AGREEMENT_FIGURES = {"agreements": Count("pk"), "negotiated": Sum("negotiated_amount")}
PAYMENT_FIGURES = {"recovered": Sum("amount")}


def percentage(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage with one decimal; ``None`` when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _blank() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(AMOUNTS, ZERO)}


def _add(target: dict[str, Any], row: dict[str, Any]) -> None:
    for key in COUNTS:
        if key in row:
            target[key] += row[key] or 0
    for key in AMOUNTS:
        if key in row:
            target[key] = (target[key] + (row[key] or ZERO)).quantize(CENT)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["contactability"] = percentage(row["contacts"], row["gestiones"])
    return row


def _person_name(first: str, last: str, username: str) -> str:
    """What ``str(user)`` shows (full name, else username), without loading the user."""
    return f"{first or ''} {last or ''}".strip() or username


def scoped_querysets(
    *, user: User, date_from: date, date_to: date, campaign: Campaign | None = None
) -> tuple[QuerySet[Gestion], QuerySet[PaymentAgreement], QuerySet[Payment]]:
    """The gestiones, agreements and payments the dashboard counts: what ``user`` sees in the
    lists, within the range (inclusive) and, optionally, one campaign."""
    gestiones = Gestion.objects.visible_to(user).filter(created_at__date__range=(date_from, date_to))
    deals = PaymentAgreement.objects.visible_to(user).filter(created_at__date__range=(date_from, date_to))
    payments = Payment.objects.visible_to(user).filter(paid_on__range=(date_from, date_to))
    if campaign is not None:
        gestiones = gestiones.filter(debtor__campaign=campaign)
        deals = deals.filter(debtor__campaign=campaign)
        payments = payments.filter(agreement__debtor__campaign=campaign)
    # Meta.ordering would otherwise join the GROUP BY of every aggregate below.
    return gestiones.order_by(), deals.order_by(), payments.order_by()


def dashboard_data(*, user: User, date_from: date, date_to: date, campaign: Campaign | None = None) -> dict[str, Any]:
    """Totals, one row per day of the range (zeros included) and one row per agent.

    Every row has ``gestiones``, ``contacts``, ``contactability`` (% or ``None``), ``promises``,
    ``promised``, ``agreements``, ``negotiated`` and ``recovered`` (amounts are ``Decimal``).
    Agreements and payments are attributed to the agent who negotiated the agreement.
    """
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    gestiones, deals, payments = scoped_querysets(user=user, date_from=date_from, date_to=date_to, campaign=campaign)

    days: dict[date, dict[str, Any]] = {}
    day = date_from
    while day <= date_to:
        days[day] = {"day": day, **_blank()}
        day += timedelta(days=1)

    by_day_sources = (
        gestiones.annotate(day=TruncDate("created_at")).values("day").annotate(**GESTION_FIGURES),
        deals.annotate(day=TruncDate("created_at")).values("day").annotate(**AGREEMENT_FIGURES),
        payments.values("paid_on").annotate(**PAYMENT_FIGURES),
    )
    for source in by_day_sources:
        for row in source:
            key = row.get("day") or row.get("paid_on")
            if key in days:
                _add(days[key], row)

    agents: dict[int, dict[str, Any]] = {}
    by_agent_sources = (
        ("agent", gestiones, GESTION_FIGURES),
        ("created_by", deals, AGREEMENT_FIGURES),
        ("agreement__created_by", payments, PAYMENT_FIGURES),
    )
    for path, queryset, figures in by_agent_sources:
        names = (f"{path}__first_name", f"{path}__last_name", f"{path}__username")
        for row in queryset.values(path, *names).annotate(**figures):
            agent_id = row[path]
            if agent_id not in agents:
                agents[agent_id] = {"agent_id": agent_id, "name": _person_name(*(row[n] for n in names)), **_blank()}
            _add(agents[agent_id], row)

    by_day = [_finish(row) for row in days.values()]
    by_agent = sorted((_finish(row) for row in agents.values()), key=lambda r: (r["name"].casefold(), r["agent_id"]))
    totals = _blank()
    for row in by_day:
        _add(totals, row)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "campaign": campaign,
        "totals": _finish(totals),
        "by_day": by_day,
        "by_agent": by_agent,
    }


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What the page's charts draw (``json_script``): plain numbers, amounts as floats."""
    return {
        "days": {
            "labels": [row["day"].strftime("%d/%m") for row in data["by_day"]],
            "dates": [row["day"].isoformat() for row in data["by_day"]],
            "gestiones": [row["gestiones"] for row in data["by_day"]],
            "contacts": [row["contacts"] for row in data["by_day"]],
            "recovered": [float(row["recovered"]) for row in data["by_day"]],
        },
        "agents": {
            "labels": [row["name"] for row in data["by_agent"]],
            "gestiones": [row["gestiones"] for row in data["by_agent"]],
            "contacts": [row["contacts"] for row in data["by_agent"]],
            "promises": [row["promises"] for row in data["by_agent"]],
            "recovered": [float(row["recovered"]) for row in data["by_agent"]],
        },
    }

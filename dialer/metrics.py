"""Figures of the dialer's metrics pages: per agent, per team (team = supervisor), per campaign
and per day, over a date range of the CRM time zone.

Every figure is read through ``CallLog.objects.visible_to(user)``, so a page never counts a
call its viewer could not find in the call log. Each table is one grouped aggregate (plus, for
the team table, one query for the team's members), whatever the number of rows. The figures
themselves (answered, AHT, success rate…) are defined once, in ``selectors.CALL_FIGURES`` and
``selectors.derived_figures``, the same ones the machine API answers at each call's end.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, F, Q, QuerySet, When
from django.db.models.functions import TruncDate

from core.models import User
from core.roles import Role
from dialer.models import CallLog
from dialer.selectors import CALL_FIGURES, FIGURE_NAMES, call_log, day_bounds, derived_figures

MAX_RANGE_DAYS = 366
# A single day's chart would be one bar: the page draws the days up to it instead.
TREND_DAYS = 14
RECENT_CALLS = 10


def person_name(first: str | None, last: str | None, username: str) -> str:
    """What ``str(user)`` shows (full name, else username), without loading the user."""
    return f"{first or ''} {last or ''}".strip() or username


def _blank() -> dict[str, int]:
    return dict.fromkeys(FIGURE_NAMES, 0)


def _add(target: dict[str, int], row: dict[str, Any]) -> None:
    for name in FIGURE_NAMES:
        target[name] += row.get(name) or 0


def totals_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of all ``rows`` together (the AHT is recomputed, not averaged)."""
    total = _blank()
    for row in rows:
        _add(total, row)
    return derived_figures(total)


def period_calls(*, user: User, date_from: date, date_to: date) -> QuerySet[CallLog]:
    """The ended calls ``user`` may see that started within the range (both days included)."""
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    start, end = day_bounds(date_from)[0], day_bounds(date_to)[1]
    # No ordering: Meta.ordering would join the GROUP BY of every aggregate below.
    return CallLog.objects.visible_to(user).ended().filter(started_at__gte=start, started_at__lt=end).order_by()


def chart_range(date_from: date, date_to: date) -> tuple[date, date]:
    """The days a chart draws: the range, or the TREND_DAYS up to a single-day range."""
    if date_from == date_to:
        return date_to - timedelta(days=TREND_DAYS - 1), date_to
    return date_from, date_to


def daily_metrics(calls: QuerySet[CallLog], date_from: date, date_to: date) -> list[dict[str, Any]]:
    """One row per day of the range, days without calls included (zeros). ``calls`` must
    already be limited to the range; one grouped query."""
    days: dict[date, dict[str, int]] = {}
    day = date_from
    while day <= date_to:
        days[day] = _blank()
        day += timedelta(days=1)
    grouped = calls.annotate(day=TruncDate("started_at")).values("day").annotate(**CALL_FIGURES)
    for row in grouped:
        if row["day"] in days:
            _add(days[row["day"]], row)
    return [{"day": day, **derived_figures(figures)} for day, figures in days.items()]


def agent_metrics(*, user: User, agent: User, date_from: date, date_to: date) -> dict[str, Any]:
    """One agent's figures over the range, their days for the chart and their latest calls.
    ``agent`` must be visible to ``user`` (the view looks them up with ``visible_to``)."""
    calls = period_calls(user=user, date_from=date_from, date_to=date_to).filter(user=agent)
    chart_from, chart_to = chart_range(date_from, date_to)
    chart_calls = period_calls(user=user, date_from=chart_from, date_to=chart_to).filter(user=agent)
    recent = call_log(user=user, agent_id=agent.pk, date_from=date_from, date_to=date_to)
    return {
        "totals": derived_figures(calls.aggregate(**CALL_FIGURES)),
        "by_day": daily_metrics(chart_calls, chart_from, chart_to),
        "recent_calls": list(recent.select_related("campaign")[:RECENT_CALLS]),
    }


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["id"] or 0))


def team_metrics(*, user: User, supervisor: User, date_from: date, date_to: date) -> dict[str, Any]:
    """One row per member of ``supervisor``'s team (active agents, with zeros when they made
    no call, and anyone else of the team, the supervisor included, who made calls in the
    range), ordered by name, and the team's totals. Two queries."""
    calls = period_calls(user=user, date_from=date_from, date_to=date_to).filter(
        Q(user__supervisor=supervisor) | Q(user=supervisor)
    )
    names = ("user__first_name", "user__last_name", "user__username")
    rows: dict[int, dict[str, Any]] = {}
    for row in calls.values("user_id", *names).annotate(**CALL_FIGURES):
        rows[row["user_id"]] = {
            "id": row["user_id"],
            "name": person_name(*(row[name] for name in names)),
            **derived_figures(row),
        }
    members = User.objects.visible_to(user).filter(supervisor=supervisor).agents().exclude(pk__in=list(rows))
    for member in members.only("pk", "first_name", "last_name", "username"):
        rows[member.pk] = {"id": member.pk, "name": str(member), **derived_figures(_blank())}
    table = _sorted(list(rows.values()))
    return {"rows": table, "totals": totals_of(table)}


def campaign_metrics(*, user: User, date_from: date, date_to: date) -> dict[str, Any]:
    """One row per campaign with calls in the range (calls placed outside any campaign, such as
    numbers dialled by hand, together in one row without ``id``), and the totals. One query."""
    calls = period_calls(user=user, date_from=date_from, date_to=date_to)
    table = [
        {"id": row["campaign_id"], "name": row["campaign__name"] or "Sin campaña", **derived_figures(row)}
        for row in calls.values("campaign_id", "campaign__name").annotate(**CALL_FIGURES)
    ]
    table = sorted(table, key=lambda row: (row["id"] is None, row["name"].casefold()))
    return {"rows": table, "totals": totals_of(table)}


def teams_metrics(*, user: User, date_from: date, date_to: date) -> dict[str, Any]:
    """One row per team with calls in the range: a supervisor's own calls count in their team;
    agents without a supervisor together in one row without ``id``. Two queries."""
    calls = period_calls(user=user, date_from=date_from, date_to=date_to).annotate(
        team_id=Case(When(user__role=Role.SUPERVISOR, then=F("user_id")), default=F("user__supervisor_id"))
    )
    grouped = list(calls.values("team_id").annotate(**CALL_FIGURES))
    leaders = {
        leader.pk: str(leader)
        for leader in User.objects.filter(pk__in=[row["team_id"] for row in grouped if row["team_id"]]).only(
            "pk", "first_name", "last_name", "username"
        )
    }
    table = [
        {"id": row["team_id"], "name": leaders.get(row["team_id"], "Sin equipo"), **derived_figures(row)}
        for row in grouped
    ]
    table = sorted(table, key=lambda row: (row["id"] is None, row["name"].casefold()))
    return {"rows": table, "totals": totals_of(table)}


def overview_metrics(*, user: User, date_from: date, date_to: date) -> dict[str, Any]:
    """The administrator's page: totals, days for the chart, by campaign and by team."""
    chart_from, chart_to = chart_range(date_from, date_to)
    by_campaign = campaign_metrics(user=user, date_from=date_from, date_to=date_to)
    return {
        "totals": by_campaign["totals"],
        "by_day": daily_metrics(period_calls(user=user, date_from=chart_from, date_to=chart_to), chart_from, chart_to),
        "by_campaign": by_campaign["rows"],
        "by_team": teams_metrics(user=user, date_from=date_from, date_to=date_to)["rows"],
    }


def chart_data(by_day: list[dict[str, Any]]) -> dict[str, Any]:
    """What a page's chart draws (``json_script``): calls and talk minutes per day."""
    return {
        "labels": [row["day"].strftime("%d/%m") for row in by_day],
        "dates": [row["day"].isoformat() for row in by_day],
        "calls": [row["calls_made"] for row in by_day],
        "answered": [row["answered"] for row in by_day],
        "talk_minutes": [round(row["total_talk_seconds"] / 60, 1) for row in by_day],
    }


def supervisors_for(user: User) -> QuerySet[User]:
    """The supervisors whose team tables ``user`` may open (admin: all active ones)."""
    return User.objects.visible_to(user).filter(role=Role.SUPERVISOR, is_active=True)

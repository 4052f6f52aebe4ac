"""The dialer's metrics pages and the call log in the browser.

Who sees what (docs/decisions.md, "Métricas del marcador"): an agent their own figures; a
supervisor their team's table and each member's detail; an administrator the totals by
campaign and by team and any team's table. Backoffice and quality get the call log of their
campaigns, not the productivity pages (403).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.access import get_object_for_user, has_role, is_admin, role_required
from core.lists import FilteredListView
from core.models import User
from core.periods import PeriodForm
from core.roles import Role
from dialer.filters import CallLogFilter
from dialer.metrics import (
    MAX_RANGE_DAYS,
    agent_metrics,
    chart_data,
    overview_metrics,
    supervisors_for,
    team_metrics,
)
from dialer.models import CallLog
from dialer.selectors import call_log

METRICS_ROLES = (Role.AGENTE, Role.SUPERVISOR)  # and administrators (role_required adds them)


class MetricsPeriodForm(PeriodForm):
    """The metrics pages' date range: today when nothing (or nothing valid) is asked for;
    "desde" alone runs to today, "hasta" alone is that day."""

    default_days = 1
    max_range_days = MAX_RANGE_DAYS

    def fill(self, start, end, today):
        if end is None:
            return start, max(start, today)
        return end, end


def _period_query(date_from: date, date_to: date) -> str:
    return f"from={date_from:%Y-%m-%d}&to={date_to:%Y-%m-%d}"


def _period_context(request) -> dict:
    params = request.GET.copy()
    params.pop("export", None)
    today = timezone.localdate()
    form = MetricsPeriodForm(
        {k: params[k] for k in ("from", "to") if k in params} or None, initial={"from": today, "to": today}
    )
    date_from, date_to = form.period()
    return {
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "today": today,
        # Only today's figures move: a page showing another range is left alone by live events.
        "live": date_from == date_to == today,
        "period_query": _period_query(date_from, date_to),
        "quick_ranges": [
            {"label": label, "query": _period_query(start, today), "active": (start, today) == (date_from, date_to)}
            for label, start in (
                ("Hoy", today),
                ("Últimos 7 días", today - timedelta(days=6)),
                ("Este mes", today.replace(day=1)),
            )
        ],
    }


def _agent_page(request, agent: User):
    context = _period_context(request)
    data = agent_metrics(user=request.user, agent=agent, date_from=context["date_from"], date_to=context["date_to"])
    context.update(
        agent=agent,
        own=agent.pk == request.user.pk,
        data=data,
        totals=data["totals"],
        chart=chart_data(data["by_day"]),
        single_day=context["date_from"] == context["date_to"],
    )
    return render(request, "dialer/metrics_agent.html", context)


def _team_page(request, supervisor: User):
    context = _period_context(request)
    data = team_metrics(
        user=request.user, supervisor=supervisor, date_from=context["date_from"], date_to=context["date_to"]
    )
    context.update(supervisor=supervisor, own=supervisor.pk == request.user.pk, data=data, totals=data["totals"])
    if getattr(request, "htmx", False):
        return render(request, "dialer/metrics_team_table.html", context)
    return render(request, "dialer/metrics_team.html", context)


def _overview_page(request):
    context = _period_context(request)
    data = overview_metrics(user=request.user, date_from=context["date_from"], date_to=context["date_to"])
    context.update(
        data=data,
        totals=data["totals"],
        chart=chart_data(data["by_day"]),
        single_day=context["date_from"] == context["date_to"],
        supervisors=supervisors_for(request.user),
    )
    return render(request, "dialer/metrics_overview.html", context)


@role_required(*METRICS_ROLES)
def metrics(request):
    """The "Métricas" entry of the menu: each role's own view of the figures."""
    if is_admin(request.user):
        if request.GET.get("supervisor"):  # the overview's "Tabla de un equipo" picker
            target = get_object_for_user(supervisors_for(request.user), request.user, pk=request.GET["supervisor"])
            context = _period_context(request)
            return redirect(f"{reverse('dialer:team', args=[target.pk])}?{context['period_query']}")
        return _overview_page(request)
    if request.user.role == Role.SUPERVISOR:
        return _team_page(request, request.user)
    return _agent_page(request, request.user)


@role_required(Role.SUPERVISOR)
def team(request, supervisor_id: int):
    """A team's table: a supervisor reaches only their own, an administrator any."""
    supervisor = get_object_for_user(User.objects.filter(role=Role.SUPERVISOR), request.user, pk=supervisor_id)
    if not is_admin(request.user) and supervisor.pk != request.user.pk:
        raise Http404("No encontrado.")
    return _team_page(request, supervisor)


@role_required(*METRICS_ROLES)
def agent(request, user_id: int):
    """One person's figures: an agent only their own, a supervisor their team's, an
    administrator anyone's; everyone else answers 404."""
    return _agent_page(request, get_object_for_user(User, request.user, pk=user_id))


def _status_label(call: CallLog) -> str:
    return call.get_status_display() if call.status else "En curso"


class CallLogListView(FilteredListView):
    """Every call the user may see (own, team's, campaigns', all), filtered and exportable."""

    template_name = "dialer/call_log.html"
    partial_template_name = "dialer/call_log_table.html"
    filterset_class = CallLogFilter
    export_name = "llamadas"
    export_columns = [
        ("Fecha", lambda call: timezone.localdate(call.started_at)),
        ("Agente", lambda call: str(call.user)),
        ("Teléfono", "phone"),
        ("Campaña", lambda call: call.campaign.name if call.campaign else ""),
        ("Proveedor", "get_provider_display"),
        ("Estado", _status_label),
        ("Inicio", "started_at"),
        ("Fin", "ended_at"),
        ("Duración (s)", "duration_seconds"),
        ("Notas", "notes"),
    ]

    def get_queryset(self):
        return call_log(user=self.request.user).select_related("campaign")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(**kwargs, can_see_metrics=is_admin(user) or has_role(user, *METRICS_ROLES))

"""The support dashboard: figures and charts for a date range, optionally one aplicativo or
group; its Excel button exports the list of those tickets (the list's own export)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from core.periods import PeriodForm
from core.roles import Role
from tickets import selectors
from tickets.access import is_support
from tickets.catalogue import catalogue
from tickets.choices import Aplicativo
from tickets.dashboard import MAX_RANGE_DAYS, chart_data, dashboard_data
from tickets.middleware import remember_support


class DashboardForm(PeriodForm):
    """The last 30 days by default, at most MAX_RANGE_DAYS; an aplicativo and a group."""

    max_range_days = MAX_RANGE_DAYS
    aplicativo = forms.ChoiceField(label="Aplicativo", choices=[("", "Todos"), *Aplicativo.choices], required=False)
    group = forms.TypedChoiceField(label="Grupo", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Todos"), *catalogue().groups]

    def choice(self, name: str):
        if not self.is_bound or name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


def dashboard(request):
    remember_support(request)
    user = request.user
    leads = user.role == Role.SUPERVISOR or user.is_admin_role
    if not (leads or is_support(user)):
        raise PermissionDenied("El dashboard de soporte es para supervisores y el equipo de soporte.")
    form = DashboardForm(request.GET or None)
    start, end = form.default_range()
    form.initial = {"from": start, "to": end}
    date_from, date_to = form.period()
    tickets = selectors.all_tickets(user=user) if leads else selectors.my_queue(user=user)
    aplicativo, group = form.choice("aplicativo"), form.choice("group")
    if aplicativo:
        tickets = tickets.filter(aplicativo=aplicativo)
    if group:
        tickets = tickets.filter(group_id=group)
    data = dashboard_data(tickets=tickets, date_from=date_from, date_to=date_to)
    list_query = {"created_from": date_from.isoformat(), "created_to": date_to.isoformat(), "status": ""}
    if aplicativo:
        list_query["aplicativo"] = aplicativo
    if group:
        list_query["group"] = group
    list_url = reverse("tickets:all" if leads else "tickets:queue") + "?" + urlencode(list_query)
    return render(
        request,
        "tickets/dashboard.html",
        {
            "form": form,
            "data": data,
            "totals": data["totals"],
            "charts": chart_data(data),
            "list_url": list_url,
            "export_url": f"{list_url}&export=xlsx",
        },
    )

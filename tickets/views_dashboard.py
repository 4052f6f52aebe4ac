"""The support dashboard: figures and charts for a date range, optionally one aplicativo or
group; its Excel button exports the list of those tickets (the list's own export)."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from tickets import selectors
from tickets.access import is_support
from tickets.catalogue import catalogue
from tickets.choices import Aplicativo
from tickets.dashboard import MAX_RANGE_DAYS, chart_data, dashboard_data
from tickets.middleware import remember_support

DEFAULT_DAYS = 30
ISO_DATE = ["%Y-%m-%d"]


def default_range(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class DashboardForm(forms.Form):
    aplicativo = forms.ChoiceField(label="Aplicativo", choices=[("", "Todos"), *Aplicativo.choices], required=False)
    group = forms.TypedChoiceField(label="Grupo", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        errors = {"invalid": "Fecha no válida: usa el formato AAAA-MM-DD."}
        for name, label in (("from", "Desde"), ("to", "Hasta")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=ISO_DATE,
                error_messages=errors,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        self.fields["group"].choices = [("", "Todos"), *catalogue().groups]
        self.order_fields(["from", "to", "aplicativo", "group"])

    def clean(self):
        cleaned = super().clean()
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        start, end = cleaned.get("from"), cleaned.get("to")
        if start is None and end is None:
            start, end = default_range()
        elif end is None:
            end = timezone.localdate()
        elif start is None:
            start = end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("La fecha «Desde» no puede ser posterior a «Hasta».")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise forms.ValidationError(f"El rango máximo es de {MAX_RANGE_DAYS} días.")
        cleaned["from"], cleaned["to"] = start, end
        return cleaned

    def period(self) -> tuple[date, date]:
        if not self.is_bound or any(name in self.errors for name in ("from", "to", NON_FIELD_ERRORS)):
            return default_range()
        return self.cleaned_data["from"], self.cleaned_data["to"]

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
    start, end = default_range()
    form = DashboardForm(request.GET or None, initial={"from": start, "to": end})
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

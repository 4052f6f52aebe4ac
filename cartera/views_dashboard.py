"""The collections dashboard: KPIs, charts by day and by agent, and the by-agent table (also
as Excel), for a date range and optionally one campaign."""

from __future__ import annotations

from django import forms
from django.shortcuts import render

from cartera.dashboard import MAX_RANGE_DAYS, chart_data, dashboard_data
from core.access import role_required
from core.choices import Module
from core.exports import xlsx_response
from core.models import Campaign
from core.periods import PeriodForm
from core.roles import Role


class DashboardFilterForm(PeriodForm):
    """The last 30 days by default, at most MAX_RANGE_DAYS, and one of the user's campaigns."""

    max_range_days = MAX_RANGE_DAYS
    campaign = forms.ModelChoiceField(
        label="Campaña",
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="Todas mis campañas",
        error_messages={"invalid_choice": "Elige una de tus campañas de cartera."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (
            Campaign.objects.visible_to(user).filter(module=Module.CARTERA).order_by("name")
        )

    def selected_campaign(self) -> Campaign | None:
        if not self.is_bound or "campaign" in self.errors:
            return None
        return self.cleaned_data.get("campaign")


EXPORT_COLUMNS = [
    ("Agente", "name"),
    ("Gestiones", "gestiones"),
    ("Contactos", "contacts"),
    ("Contactabilidad %", "contactability"),
    ("Promesas", "promises"),
    ("Monto prometido", "promised"),
    ("Acuerdos", "agreements"),
    ("Monto negociado", "negotiated"),
    ("Recuperado", "recovered"),
]


@role_required(Role.SUPERVISOR, Role.BACKOFFICE)
def dashboard(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    start, end = form.default_range()
    form.initial = {"from": start, "to": end}
    date_from, date_to = form.period()
    campaign = form.selected_campaign()
    data = dashboard_data(user=request.user, date_from=date_from, date_to=date_to, campaign=campaign)
    if request.GET.get("export") == "xlsx":
        total = {"name": "Total", **data["totals"]}
        return xlsx_response(
            filename=f"dashboard-cartera-{date_from:%Y%m%d}-{date_to:%Y%m%d}",
            title="Dashboard por agente",
            columns=[(header, lambda row, key=key: row[key]) for header, key in EXPORT_COLUMNS],
            rows=[*data["by_agent"], total],
        )
    query = request.GET.copy()
    query.pop("export", None)
    currencies = sorted({c.currency for c in form.fields["campaign"].queryset}) if campaign is None else []
    return render(
        request,
        "cartera/dashboard.html",
        {
            "form": form,
            "data": data,
            "totals": data["totals"],
            "charts": chart_data(data),
            "querystring": query.urlencode(),
            "mixed_currencies": currencies if len(currencies) > 1 else [],
            "currency": campaign.currency if campaign else (currencies[0] if len(currencies) == 1 else ""),
        },
    )

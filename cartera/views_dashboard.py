"""The collections dashboard: KPIs, charts by day and by agent, and the by-agent table (also
as Excel), for a date range and optionally one campaign."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import render
from django.utils import timezone

from cartera.dashboard import MAX_RANGE_DAYS, chart_data, dashboard_data
from core.access import role_required
from core.choices import Module
from core.exports import xlsx_response
from core.models import Campaign
from core.roles import Role

DEFAULT_DAYS = 30
ISO_DATE = ["%Y-%m-%d"]


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class DashboardFilterForm(forms.Form):
    """``from`` and ``to`` are Python keywords, so those two fields are added by name."""

    campaign = forms.ModelChoiceField(
        label="Campaña",
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="Todas mis campañas",
        error_messages={"invalid_choice": "Elige una de tus campañas de cartera."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        date_errors = {"invalid": "Fecha no válida: usa el formato AAAA-MM-DD."}
        for name, label in (("from", "Desde"), ("to", "Hasta")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=ISO_DATE,
                error_messages=date_errors,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        self.order_fields(["from", "to", "campaign"])
        self.fields["campaign"].queryset = (
            Campaign.objects.visible_to(user).filter(module=Module.CARTERA).order_by("name")
        )

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
            raise forms.ValidationError(
                f"El rango máximo es de {MAX_RANGE_DAYS} días; elegiste {(end - start).days + 1}."
            )
        cleaned["from"], cleaned["to"] = start, end
        return cleaned

    def period(self) -> tuple[date, date]:
        """The range to show: the one asked for, or the default when it was not valid."""
        if not self.is_bound or any(name in self.errors for name in ("from", "to", NON_FIELD_ERRORS)):
            return default_range()
        return self.cleaned_data["from"], self.cleaned_data["to"]

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
    start, end = default_range()
    form = DashboardFilterForm(request.GET or None, user=request.user, initial={"from": start, "to": end})
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

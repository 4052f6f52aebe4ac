import re

import django_filters
from django import forms

from core.models import Campaign, User
from core.roles import Role
from dialer.choices import CallStatus, Provider
from dialer.models import CallLog
from dialer.selectors import IN_PROGRESS, day_bounds

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Fecha no válida: usa el formato AAAA-MM-DD."}


class CallLogFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError("La fecha «Hasta» no puede ser anterior a «Desde».")
        return cleaned


class CallLogFilter(django_filters.FilterSet):
    """The call log's filters. Days are the CRM time zone's, matched as ranges of ``started_at``
    (so the (user, started_at) and (started_at) indexes serve them)."""

    date_from = django_filters.DateFilter(label="Desde", method="filter_from", widget=DATE, error_messages=DATE_ERRORS)
    date_to = django_filters.DateFilter(label="Hasta", method="filter_to", widget=DATE, error_messages=DATE_ERRORS)
    agent = django_filters.ModelChoiceFilter(
        label="Agente", field_name="user", queryset=User.objects.none(), empty_label="Todos"
    )
    status = django_filters.ChoiceFilter(
        label="Estado",
        choices=[*CallStatus.choices, (IN_PROGRESS, "En curso")],
        method="filter_status",
        empty_label="Todos",
    )
    campaign = django_filters.ModelChoiceFilter(label="Campaña", queryset=Campaign.objects.none(), empty_label="Todas")
    provider = django_filters.ChoiceFilter(label="Origen", choices=Provider.choices, empty_label="Todos")
    phone = django_filters.CharFilter(label="Teléfono", method="filter_phone")

    class Meta:
        model = CallLog
        fields = ["date_from", "date_to", "agent", "status", "campaign", "provider", "phone"]
        form = CallLogFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["agent"].queryset = User.objects.visible_to(user).filter(role__in=[Role.AGENTE, Role.SUPERVISOR])
        self.filters["campaign"].queryset = Campaign.objects.visible_to(user).order_by("name")

    def filter_from(self, queryset, name, value):
        return queryset.filter(started_at__gte=day_bounds(value)[0])

    def filter_to(self, queryset, name, value):
        return queryset.filter(started_at__lt=day_bounds(value)[1])

    def filter_phone(self, queryset, name, value):
        # Numbers are stored as E.164 ("+50688881234"): match the digits, however they were typed.
        digits = re.sub(r"\D", "", value)
        return queryset.filter(phone__contains=digits) if digits else queryset

    def filter_status(self, queryset, name, value):
        if value == IN_PROGRESS:
            return queryset.in_progress()
        return queryset.filter(status=value)

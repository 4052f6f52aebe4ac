"""The date range of the dashboards and metrics pages (cartera, tickets, dialer): two optional
ISO dates ``from`` and ``to``, a default range, a maximum length, and a clear message for a bad
date or a range backwards. A page shows its default range when the asked one is not valid."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

ISO_DATE = ["%Y-%m-%d"]
DATE_ERRORS = {"invalid": "Fecha no válida: usa el formato AAAA-MM-DD."}


def midnight(day: date) -> datetime:
    """The start of ``day`` in the CRM time zone (what "a day" means on every page and figure)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def range_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """From the start of ``date_from`` to the start of the day after ``date_to`` (exclusive)."""
    return midnight(date_from), midnight(date_to + timedelta(days=1))


class PeriodForm(forms.Form):
    """``from`` and ``to`` are Python keywords, so the two fields are added by name, first.
    Subclasses set ``max_range_days`` and may change how a missing end is filled."""

    default_days = 30
    max_range_days = 366

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("from", "Desde"), ("to", "Hasta")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=ISO_DATE,
                error_messages=DATE_ERRORS,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        self.order_fields(["from", "to", *(name for name in self.fields if name not in ("from", "to"))])

    def default_range(self, today: date | None = None) -> tuple[date, date]:
        today = today or timezone.localdate()
        return today - timedelta(days=self.default_days - 1), today

    def fill(self, start: date | None, end: date | None, today: date) -> tuple[date, date]:
        """The range when one end is missing: "desde" alone runs to today; "hasta" alone takes
        the default length before it."""
        if end is None:
            return start, today
        return end - timedelta(days=self.default_days - 1), end

    def clean(self):
        cleaned = super().clean()
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        start, end = cleaned.get("from"), cleaned.get("to")
        today = timezone.localdate()
        if start is None and end is None:
            start, end = self.default_range(today)
        elif start is None or end is None:
            start, end = self.fill(start, end, today)
        if start > end:
            raise forms.ValidationError("La fecha «Desde» no puede ser posterior a «Hasta».")
        days = (end - start).days + 1
        if days > self.max_range_days:
            raise forms.ValidationError(f"El rango máximo es de {self.max_range_days} días; elegiste {days}.")
        cleaned["from"], cleaned["to"] = start, end
        self._show(start, end)
        return cleaned

    def _show(self, start: date, end: date) -> None:
        """Put a filled-in end back into the form's data, so the fields show the range the page
        reports ("desde" alone shows today under "hasta"); what the user typed stays as typed."""
        missing = {name: day for name, day in (("from", start), ("to", end)) if not self.data.get(name)}
        if missing:
            self.data = self.data.copy()  # a request's QueryDict is immutable
            for name, day in missing.items():
                self.data[name] = day.isoformat()

    def period(self) -> tuple[date, date]:
        """The range to show: the one asked for, or the default when it was not valid."""
        if not self.is_bound or any(name in self.errors for name in ("from", "to", NON_FIELD_ERRORS)):
            return self.default_range()
        return self.cleaned_data["from"], self.cleaned_data["to"]

import re

from django import forms
from django.utils import timezone

from dialer.choices import CallStatus
from dialer.selectors import record_type_of

DATETIME_SECONDS = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
DURATION_RE = re.compile(r"^(?:(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,3}):)?(?P<s>\d{1,5})$")


class WorkstationTokenForm(forms.Form):
    name = forms.CharField(
        label="Nombre de la estación",
        max_length=64,
        help_text="Para reconocerla después, p. ej. «PC-07 piso 2».",
    )


class RecordForm(forms.Form):
    """The record being called, named generically: ``cartera.debtor`` and its id."""

    record_type = forms.CharField(max_length=64, widget=forms.HiddenInput)
    record_id = forms.CharField(max_length=64, widget=forms.HiddenInput)


class DialForm(RecordForm):
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)


class HangupForm(forms.Form):
    """ "Colgar": the call in progress, or the dial request while its call has not started."""

    call = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    dial_request = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and (cleaned.get("call") is None) == (cleaned.get("dial_request") is None):
            raise forms.ValidationError("Indica la llamada o la solicitud de marcación que quieres colgar.")
        return cleaned


class DurationField(forms.Field):
    """ "2:31", "1:02:31" or "151" (seconds) → seconds."""

    widget = forms.TextInput

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = DURATION_RE.match(value)
        if not match:
            raise forms.ValidationError("Escribe la duración como minutos:segundos, p. ej. 2:31.")
        hours, minutes, seconds = (int(match.group(g) or 0) for g in "hms")
        if (match.group("m") is not None and seconds >= 60) or (match.group("h") is not None and minutes >= 60):
            raise forms.ValidationError("Los segundos y los minutos van de 0 a 59, p. ej. 2:31.")
        return hours * 3600 + minutes * 60 + seconds


class ManualCallForm(RecordForm):
    """A call made without the workstation agent, logged by hand (the server computes its duration)."""

    phone = forms.CharField(label="Teléfono", max_length=32, widget=forms.Select)
    status = forms.ChoiceField(
        label="Resultado",
        choices=[("", "— elige —"), *CallStatus.choices],
        error_messages={"required": "Elige el resultado de la llamada."},
    )
    started_at = forms.DateTimeField(
        label="Inicio",
        widget=DATETIME_SECONDS,
        input_formats=DATETIME_FORMATS,
        error_messages={"required": "Indica cuándo empezó la llamada."},
    )
    ended_at = forms.DateTimeField(label="Fin", required=False, widget=DATETIME_SECONDS, input_formats=DATETIME_FORMATS)
    duration_seconds = DurationField(
        label="o duración",
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "mm:ss", "inputmode": "numeric", "autocomplete": "off", "maxlength": 10}
        ),
    )
    notes = forms.CharField(label="Notas", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, phones: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.choices = [(phone, phone) for phone in phones]

    def clean(self):
        cleaned = super().clean()
        has_end = cleaned.get("ended_at") is not None
        has_duration = cleaned.get("duration_seconds") is not None
        if not self.has_error("ended_at") and not self.has_error("duration_seconds") and has_end == has_duration:
            self.add_error("ended_at", "Indica la hora de fin o la duración (una de las dos).")
        return cleaned


def manual_call_form(record, phones: list[str], data=None) -> ManualCallForm:
    """The form to log a call to ``record`` by hand: starting now, on its first phone."""
    initial = {
        "record_type": record_type_of(record),
        "record_id": record.pk,
        "phone": phones[0] if phones else "",
        "started_at": timezone.localtime().replace(microsecond=0),
    }
    return ManualCallForm(data, initial=initial, phones=phones)

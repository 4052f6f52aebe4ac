from django import forms
from django.conf import settings

from cartera.choices import Channel, Frequency, PaymentMethod
from core.models import Campaign

MAX_UPLOAD_MB = getattr(settings, "IMPORT_MAX_MB", 20)


class ImportUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(label="Campaña", queryset=Campaign.objects.none())
    file = forms.FileField(
        label="Archivo",
        help_text=f"Excel (.xlsx) o CSV, hasta {MAX_UPLOAD_MB} MB. La primera hoja se importa.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).filter(module="cartera", active=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError("Solo se aceptan archivos Excel (.xlsx) o CSV (.csv).")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"El archivo supera el límite de {MAX_UPLOAD_MB} MB.")
        if upload.size == 0:
            raise forms.ValidationError("El archivo está vacío.")
        return upload


class MappingForm(forms.Form):
    """One select per column of the file: which field it fills (or none)."""

    def __init__(self, *args, headers: list[str], mapping: dict, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        options = [("", "— no importar / variable libre —"), *choices]
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=str(header), choices=options, required=False, initial=mapping.get(str(index)) or ""
            )

    def clean(self):
        cleaned = super().clean()
        chosen = [value for key, value in cleaned.items() if key.startswith("col_") and value]
        repeated = {value for value in chosen if chosen.count(value) > 1 and not value.startswith("phone")}
        if repeated:
            raise forms.ValidationError(f"Un campo no puede venir de dos columnas: {', '.join(sorted(repeated))}.")
        return cleaned

    def mapping(self) -> dict[str, str | None]:
        return {str(i): self.cleaned_data.get(f"col_{i}") or None for i in range(len(self.headers))}


class GestionForm(forms.Form):
    """The outcome comes from the button pressed (one per tipificación)."""

    outcome = forms.ModelChoiceField(
        queryset=None, label="Tipificación", error_messages={"required": "Elige una tipificación."}
    )
    channel = forms.ChoiceField(label="Canal", choices=Channel.choices, initial=Channel.CALL)
    phone = forms.ModelChoiceField(queryset=None, label="Teléfono", required=False)
    notes = forms.CharField(label="Notas", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_action_at = forms.DateTimeField(
        label="Próxima acción",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    promised_amount = forms.DecimalField(label="Monto prometido", required=False, min_value=0, decimal_places=2)
    promised_date = forms.DateField(
        label="Fecha prometida", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    # The call whose outcome this is: the card fills it in (see ``call`` below), the agent may drop it.
    call = forms.ModelChoiceField(
        queryset=None,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Esa llamada no existe o no es tuya."},
    )

    def __init__(self, *args, debtor, agent, phones=None, call=None, **kwargs):
        """``phones``: the debtor's phones when the page already has them (the card does), so the
        select is drawn without reading them again. ``call``: the call to attach on a new form."""
        super().__init__(*args, **kwargs)
        from dialer.models import CallLog

        self.fields["outcome"].queryset = debtor.campaign.outcomes.filter(active=True)
        self.fields["phone"].queryset = debtor.phones.filter(invalid=False)
        self.fields["call"].queryset = CallLog.objects.filter(user=agent)
        if phones is None:
            phones = list(debtor.phones.all())
        usable = [phone for phone in phones if not phone.invalid]
        self.fields["phone"].choices = [("", "---------"), *((phone.pk, str(phone)) for phone in usable)]
        chosen = next((p for p in usable if call is not None and p.e164 == call.phone), None)
        chosen = chosen or next((p for p in usable if p.is_primary), None)
        if chosen:
            self.fields["phone"].initial = chosen.pk
        if call is not None:
            self.fields["call"].initial = call.pk
        self._call = call

    @property
    def attached_call(self):
        """The call shown as attached: the one given to a new form, the one posted to a bound one."""
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("call")
        return self._call


class AgreementForm(forms.Form):
    discount_pct = forms.DecimalField(label="Descuento (%)", min_value=0, max_value=99.99, decimal_places=2, initial=0)
    down_payment = forms.DecimalField(label="Prima", min_value=0, decimal_places=2, initial=0)
    instalments_count = forms.IntegerField(label="Cuotas", min_value=1, max_value=60, initial=3)
    frequency = forms.ChoiceField(label="Frecuencia", choices=Frequency.choices, initial=Frequency.MONTHLY)
    first_due_date = forms.DateField(label="Primera cuota", widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label="Notas", max_length=500, required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="Monto", min_value=0.01, decimal_places=2)
    paid_on = forms.DateField(label="Fecha de pago", widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label="Medio", choices=PaymentMethod.choices)
    reference = forms.CharField(label="Referencia", max_length=80, required=False)


class AssignForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        label="Repartir entre",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Elige al menos un agente."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from core.models import User
        from core.roles import Role

        self.fields["agents"].queryset = User.objects.visible_to(user).filter(role=Role.AGENTE, is_active=True)
        self.fields["agents"].initial = list(self.fields["agents"].queryset.values_list("pk", flat=True))

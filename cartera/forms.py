from django import forms
from django.conf import settings

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

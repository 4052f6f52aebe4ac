from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import FollowUp, User
from core.roles import Role

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FollowUpForm(forms.ModelForm):
    """A supervisor may set a follow-up for someone on the team; everyone else for themselves."""

    due_at = forms.DateTimeField(label="Vence", widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"])

    class Meta:
        model = FollowUp
        fields = ["owner", "due_at", "note"]
        widgets = {"note": forms.TextInput(attrs={"maxlength": 500, "autocomplete": "off"})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.role == Role.SUPERVISOR or user.is_admin_role:
            self.fields["owner"].queryset = User.objects.visible_to(user).filter(is_active=True)
            self.fields["owner"].initial = user.pk
        else:
            del self.fields["owner"]
        if self.instance.pk:
            self.initial["due_at"] = timezone.localtime(self.instance.due_at).strftime("%Y-%m-%dT%H:%M")

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if not self.instance.pk and due_at < timezone.now() - timezone.timedelta(minutes=1):
            raise forms.ValidationError("La fecha del seguimiento ya pasó: elige una fecha futura.")
        return due_at


class NoticeForm(forms.Form):
    AUDIENCE = (("team", "Todo mi equipo"), ("person", "Una persona del equipo"))
    audience = forms.ChoiceField(label="Para", choices=AUDIENCE, initial="team")
    person = forms.ModelChoiceField(label="Persona", queryset=User.objects.none(), required=False)
    text = forms.CharField(label="Aviso", max_length=400, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person"].queryset = User.objects.visible_to(user).filter(is_active=True).exclude(pk=user.pk)
        if user.is_admin_role:
            self.fields["audience"].choices = (("team", "Todos los usuarios activos"), ("person", "Una persona"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == "person" and not cleaned.get("person"):
            self.add_error("person", "Elige a quién enviar el aviso.")
        return cleaned

    def recipients(self):
        if self.cleaned_data["audience"] == "person":
            return User.objects.filter(pk=self.cleaned_data["person"].pk)
        if self.user.is_admin_role:
            return User.objects.filter(is_active=True)
        return User.objects.filter(supervisor=self.user, is_active=True)


def add_service_errors(form: forms.Form, exc: ValidationError, *, default_field: str | None = None) -> None:
    """Show a service's ValidationError on ``form``: per field where the form has that field,
    otherwise on ``default_field`` (or as a form-wide error)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, problems in errors.items():
        form.add_error(field if field in form.fields else default_field, problems)

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from core.models import User
from tickets import attachments
from tickets.choices import Aplicativo, Priority, Status
from tickets.models import Category, SupportGroup, Ticket, pk_from_number


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked against the attachment rules here, so the
    form shows the problem next to the field before anything is written."""

    def __init__(self, *args, **kwargs):
        accept = ",".join(f".{ext}" for ext in settings.TICKETS_ATTACHMENT_TYPES)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            f"Hasta {settings.TICKETS_ATTACHMENTS_PER_UPLOAD} archivos de {settings.TICKETS_ATTACHMENT_MAX_MB:g} MB: "
            + ", ".join(settings.TICKETS_ATTACHMENT_TYPES)
            + ".",
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [single(item, initial) for item in data] if isinstance(data, (list, tuple)) else [single(data, initial)]
        files = [item for item in files if item]
        if files:
            attachments.check_uploads(files)
        return files


class TicketForm(forms.ModelForm):
    files = MultipleFileField(label="Adjuntos")
    watchers = forms.ModelMultipleChoiceField(
        label="Seguidores",
        queryset=User.objects.none(),
        required=False,
        help_text="Otras personas que recibirán los avisos del ticket (Ctrl+clic para varias).",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    class Meta:
        model = Ticket
        fields = ["title", "aplicativo", "category", "priority", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(active=True)
        self.fields["category"].label_from_instance = lambda c: str(c)
        self.fields["watchers"].queryset = User.objects.filter(is_active=True).exclude(pk=user.pk)
        self.order_fields(["title", "aplicativo", "category", "priority", "description", "files", "watchers"])

    def clean(self):
        cleaned = super().clean()
        category, aplicativo = cleaned.get("category"), cleaned.get("aplicativo")
        if category and aplicativo and not category.fits(aplicativo):
            self.add_error("category", f"La categoría «{category.name}» no es de {Aplicativo(aplicativo).label}.")
        return cleaned


class TicketEditForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["title", "aplicativo", "category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(active=True)


class CommentForm(forms.Form):
    body = forms.CharField(label="Mensaje", widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000)
    internal = forms.BooleanField(label="Nota interna (solo soporte)", required=False)
    files = MultipleFileField(label="Adjuntos")

    def __init__(self, *args, can_note: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_note:
            del self.fields["internal"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Estado", choices=Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label="Prioridad", choices=Priority.choices)


class AssignForm(forms.Form):
    group = forms.ModelChoiceField(label="Grupo", queryset=SupportGroup.objects.filter(active=True), required=False)
    assignee = forms.ModelChoiceField(
        label="Asignado a", queryset=User.objects.none(), required=False, empty_label="— En la cola del grupo —"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, support_memberships__active=True).distinct().order_by("first_name")
        )


class MergeForm(forms.Form):
    into = forms.CharField(label="Fusionar en el ticket", max_length=20, help_text="Número, p. ej. TCK-000123")

    def __init__(self, *args, tickets, **kwargs):
        super().__init__(*args, **kwargs)
        self.tickets = tickets

    def clean_into(self):
        pk = pk_from_number(self.cleaned_data["into"])
        target = self.tickets.filter(pk=pk).first() if pk else None
        if target is None:
            raise ValidationError("No encontramos ese ticket entre los que trabajas.")
        return target


class SavedFilterForm(forms.Form):
    name = forms.CharField(label="Nombre del filtro", max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)


class BulkForm(forms.Form):
    ACTIONS = [("assign", "Asignar"), ("status", "Cambiar estado"), ("priority", "Cambiar prioridad")]
    action = forms.ChoiceField(label="Acción", choices=ACTIONS)
    tickets = forms.ModelMultipleChoiceField(queryset=Ticket.objects.none(), required=True)
    status = forms.ChoiceField(label="Estado", choices=[("", "—"), *Status.choices], required=False)
    priority = forms.ChoiceField(label="Prioridad", choices=[("", "—"), *Priority.choices], required=False)
    group = forms.ModelChoiceField(label="Grupo", queryset=SupportGroup.objects.filter(active=True), required=False)
    assignee = forms.ModelChoiceField(label="Asignado a", queryset=User.objects.none(), required=False)

    def __init__(self, *args, tickets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = tickets
        self.fields["tickets"].error_messages["required"] = "Marca al menos un ticket."
        self.fields["tickets"].error_messages["invalid_choice"] = "Uno de los tickets marcados no está en tu cola."
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, support_memberships__active=True
        ).distinct()

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.choices import Country, Module, NotificationKind
from core.models import Campaign, FollowUp, Notification, User
from core.roles import Role

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
YES_NO = forms.Select(choices=[("", "Todos"), ("true", "Sí"), ("false", "No")])


class FollowUpFilter(django_filters.FilterSet):
    STATUS = (("open", "Pendientes"), ("overdue", "Vencidos"), ("done", "Hechos"))
    status = django_filters.ChoiceFilter(label="Estado", choices=STATUS, method="filter_status", empty_label="Todos")
    q = django_filters.CharFilter(label="Buscar", field_name="note", lookup_expr="icontains")
    due_from = django_filters.DateFilter(label="Desde", field_name="due_at", lookup_expr="date__gte", widget=DATE_INPUT)
    due_to = django_filters.DateFilter(label="Hasta", field_name="due_at", lookup_expr="date__lte", widget=DATE_INPUT)
    owner = django_filters.ModelChoiceFilter(label="Responsable", queryset=User.objects.none())

    class Meta:
        model = FollowUp
        fields = ["status", "q", "due_from", "due_to", "owner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["owner"].queryset = User.objects.visible_to(user).filter(is_active=True)

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(done_at__isnull=True)
        if value == "overdue":
            return queryset.filter(done_at__isnull=True, due_at__lt=timezone.now())
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


class NotificationFilter(django_filters.FilterSet):
    STATUS = (("unread", "No leídas"), ("read", "Leídas"))
    status = django_filters.ChoiceFilter(label="Estado", choices=STATUS, method="filter_status", empty_label="Todas")
    kind = django_filters.ChoiceFilter(label="Tipo", choices=NotificationKind.choices, empty_label="Todos")
    q = django_filters.CharFilter(label="Buscar", field_name="text", lookup_expr="icontains")

    class Meta:
        model = Notification
        fields = ["status", "kind", "q"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")


class CampaignFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Buscar", field_name="name", lookup_expr="icontains")
    module = django_filters.ChoiceFilter(label="Módulo", choices=Module.choices, empty_label="Todos")
    country = django_filters.ChoiceFilter(label="País", choices=Country.choices, empty_label="Todos")
    active = django_filters.BooleanFilter(label="Activa", widget=YES_NO)

    class Meta:
        model = Campaign
        fields = ["q", "module", "country", "active"]


class TeamFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Buscar", method="filter_q")

    class Meta:
        model = User
        fields = ["q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(extension__icontains=value)
        )


class UserFilter(TeamFilter):
    role = django_filters.ChoiceFilter(label="Rol", choices=Role.choices, empty_label="Todos")
    is_active = django_filters.BooleanFilter(label="Activo", widget=YES_NO)
    campaign = django_filters.ModelChoiceFilter(
        label="Campaña", field_name="memberships__campaign", queryset=Campaign.objects.all()
    )

    class Meta:
        model = User
        fields = ["q", "role", "is_active", "campaign"]


class ActivityFilter(django_filters.FilterSet):
    """The activity page's filters. Its tabs list different tables: axes' attempt logs (dated by
    ``attempt_time``) and the change history (``history_date``, by ``history_user``)."""

    q = django_filters.CharFilter(label="Usuario", method="filter_user")
    desde = django_filters.DateFilter(label="Desde", method="filter_from", widget=DATE_INPUT)
    hasta = django_filters.DateFilter(label="Hasta", method="filter_to", widget=DATE_INPUT)

    @staticmethod
    def _is_history(queryset) -> bool:
        return any(field.name == "history_date" for field in queryset.model._meta.fields)

    def filter_user(self, queryset, name, value):
        field = "history_user__username__icontains" if self._is_history(queryset) else "username__icontains"
        return queryset.filter(**{field: value.strip()}) if value.strip() else queryset

    def filter_from(self, queryset, name, value):
        field = "history_date" if self._is_history(queryset) else "attempt_time"
        return queryset.filter(**{f"{field}__date__gte": value})

    def filter_to(self, queryset, name, value):
        field = "history_date" if self._is_history(queryset) else "attempt_time"
        return queryset.filter(**{f"{field}__date__lte": value})

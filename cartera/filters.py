import django_filters
from django import forms

from cartera.choices import AgreementStatus, MoraBucket, PaymentMethod
from cartera.models import Debtor, Gestion, Payment, PaymentAgreement
from cartera.selectors import debtor_search
from core.choices import ImportStatus
from core.filters import YES_NO
from core.models import Campaign, ImportJob, User
from core.roles import Role


class DebtorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Buscar", method="filter_q", help_text="Nombre, documento o teléfono")
    campaign = django_filters.ModelChoiceFilter(label="Campaña", queryset=Campaign.objects.none())
    bucket = django_filters.ChoiceFilter(label="Mora", choices=MoraBucket.choices, method="filter_bucket")
    assigned_agent = django_filters.ModelChoiceFilter(label="Agente", queryset=User.objects.none())
    unassigned = django_filters.BooleanFilter(
        label="Sin asignar", field_name="assigned_agent", lookup_expr="isnull", widget=YES_NO
    )
    city = django_filters.CharFilter(label="Ciudad", lookup_expr="icontains")
    amount_min = django_filters.NumberFilter(label="Saldo desde", field_name="amount_due", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(label="Saldo hasta", field_name="amount_due", lookup_expr="lte")
    closed = django_filters.BooleanFilter(label="Cerrado", widget=YES_NO)

    class Meta:
        model = Debtor
        fields = ["q", "campaign", "bucket", "assigned_agent", "unassigned", "city", "amount_min", "amount_max"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["campaign"].queryset = Campaign.objects.visible_to(user).filter(module="cartera")
        self.filters["assigned_agent"].queryset = User.objects.visible_to(user).filter(role=Role.AGENTE)
        for name in ("amount_min", "amount_max"):
            self.filters[name].field.widget = forms.NumberInput(attrs={"step": "any", "style": "width: 8rem"})

    def filter_q(self, queryset, name, value):
        return debtor_search(queryset, value)

    def filter_bucket(self, queryset, name, value):
        return queryset.in_bucket(value)


class ImportJobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Estado", choices=ImportStatus.choices, empty_label="Todos")
    q = django_filters.CharFilter(label="Archivo", field_name="original_name", lookup_expr="icontains")

    class Meta:
        model = ImportJob
        fields = ["status", "q"]


class AgreementFilter(django_filters.FilterSet):
    STATES = [*AgreementStatus.choices, ("incumplido", "Incumplido")]
    state = django_filters.ChoiceFilter(label="Estado", choices=STATES, method="filter_state", empty_label="Todos")
    q = django_filters.CharFilter(label="Deudor", field_name="debtor__full_name", lookup_expr="icontains")
    created_from = django_filters.DateFilter(
        label="Desde", field_name="created_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = PaymentAgreement
        fields = ["state", "q", "created_from"]

    def filter_state(self, queryset, name, value):
        if value == "incumplido":
            return queryset.filter(is_broken=True)
        if value == AgreementStatus.ACTIVE:
            return queryset.filter(status=value, is_broken=False)
        return queryset.filter(status=value)


DATE = forms.DateInput(attrs={"type": "date"})


class GestionFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(label="Desde", field_name="created_at", lookup_expr="date__gte", widget=DATE)
    date_to = django_filters.DateFilter(label="Hasta", field_name="created_at", lookup_expr="date__lte", widget=DATE)
    agent = django_filters.ModelChoiceFilter(label="Agente", queryset=User.objects.none())
    outcome = django_filters.CharFilter(label="Tipificación", field_name="outcome__code", lookup_expr="iexact")
    q = django_filters.CharFilter(label="Deudor", field_name="debtor__full_name", lookup_expr="icontains")

    class Meta:
        model = Gestion
        fields = ["date_from", "date_to", "agent", "outcome", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["agent"].queryset = User.objects.visible_to(user).filter(role=Role.AGENTE)


class PaymentFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(label="Desde", field_name="paid_on", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label="Hasta", field_name="paid_on", lookup_expr="lte", widget=DATE)
    method = django_filters.ChoiceFilter(label="Medio", choices=PaymentMethod.choices, empty_label="Todos")
    q = django_filters.CharFilter(label="Deudor", field_name="agreement__debtor__full_name", lookup_expr="icontains")

    class Meta:
        model = Payment
        fields = ["date_from", "date_to", "method", "q"]

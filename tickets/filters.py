import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from core.filters import DATE_INPUT
from core.models import User
from tickets.catalogue import catalogue
from tickets.choices import CLOCK_RUNNING, OPEN_STATUSES, PRIORITY_RANK, Aplicativo, Priority, Status
from tickets.models import Ticket, pk_from_number

OPEN = "sin_resolver"
UNASSIGNED = "ninguno"
STATUS_CHOICES = [(OPEN, "Sin resolver"), *Status.choices]
SLA_CHOICES = [("vencido", "Vencido"), ("en_plazo", "En plazo")]
ORDER_CHOICES = [
    ("recientes", "Más recientes"),
    ("antiguos", "Más antiguos"),
    ("vencimiento", "Vence antes"),
    ("prioridad", "Prioridad"),
]


def support_people() -> list[tuple[int, str]]:
    """(pk, name) of the active members of support groups: who tickets can be assigned to."""
    people = User.objects.filter(is_active=True, support_memberships__active=True).distinct()
    return [(user.pk, str(user)) for user in people.order_by("first_name", "last_name", "username")]


def search(queryset, text: str):
    """A ticket number (TCK-000123, 123) finds that ticket; any other text is looked for in
    titles and descriptions (served on PostgreSQL by trigram indexes)."""
    text = (text or "").strip()
    if not text:
        return queryset
    pk = pk_from_number(text)
    if pk is not None:
        return queryset.filter(pk=pk)
    return queryset.filter(Q(title__icontains=text) | Q(description__icontains=text))


def breached(now) -> Q:
    """Past a deadline that still runs: no first response in time, or resolution overdue."""
    first = Q(first_response_at__isnull=True, first_response_due_at__lt=now, status__in=OPEN_STATUSES)
    resolution = Q(status__in=CLOCK_RUNNING, resolution_due_at__lt=now)
    return first | resolution


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Buscar", method="filter_q", help_text="Número, título o descripción")
    status = django_filters.ChoiceFilter(
        label="Estado", choices=STATUS_CHOICES, method="filter_status", empty_label="Todos"
    )
    priority = django_filters.ChoiceFilter(label="Prioridad", choices=Priority.choices, empty_label="Todas")
    aplicativo = django_filters.ChoiceFilter(label="Aplicativo", choices=Aplicativo.choices, empty_label="Todos")
    # Choices from the cached catalogue and one list of support people, shared with the bulk
    # actions' selects: the list page pays one query for all of them.
    category = django_filters.ChoiceFilter(label="Categoría", field_name="category_id", empty_label="Todas")
    group = django_filters.ChoiceFilter(label="Grupo", field_name="group_id", empty_label="Todos")
    assignee = django_filters.ChoiceFilter(label="Asignado a", method="filter_assignee", empty_label="Todos")
    sla = django_filters.ChoiceFilter(label="SLA", choices=SLA_CHOICES, method="filter_sla", empty_label="Todos")
    created_from = django_filters.DateFilter(
        label="Desde", field_name="created_at", lookup_expr="date__gte", widget=DATE_INPUT
    )
    created_to = django_filters.DateFilter(
        label="Hasta", field_name="created_at", lookup_expr="date__lte", widget=DATE_INPUT
    )
    orden = django_filters.ChoiceFilter(label="Orden", choices=ORDER_CHOICES, method="filter_order", empty_label=None)

    class Meta:
        model = Ticket
        fields = [
            "q",
            "status",
            "priority",
            "aplicativo",
            "category",
            "group",
            "assignee",
            "sla",
            "created_from",
            "created_to",
        ]

    def __init__(self, *args, default_order: str = "recientes", people: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_order = default_order
        known = catalogue()
        self.filters["category"].extra["choices"] = known.categories
        self.filters["group"].extra["choices"] = known.groups
        self.filters["assignee"].extra["choices"] = [(UNASSIGNED, "Sin asignar"), *(people or support_people())]
        self.form.fields["orden"].initial = default_order

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("orden"):
            queryset = self.filter_order(queryset, "orden", self.default_order)
        return queryset

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_assignee(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)

    def filter_sla(self, queryset, name, value):
        condition = breached(timezone.now())
        if value == "vencido":
            return queryset.filter(condition)
        return queryset.filter(status__in=OPEN_STATUSES).exclude(condition)

    def filter_order(self, queryset, name, value):
        if value == "antiguos":
            return queryset.order_by("created_at", "pk")
        if value == "vencimiento":
            return queryset.order_by(F("resolution_due_at").asc(nulls_last=True), "pk")
        if value == "prioridad":
            rank = Case(
                *[When(priority=priority, then=Value(rank)) for priority, rank in PRIORITY_RANK.items()],
                output_field=IntegerField(),
            )
            return queryset.order_by(rank, "-created_at", "-pk")
        return queryset.order_by("-created_at", "-pk")

"""The three ticket lists — "Mis tickets", "Mi cola" (support), "Todos" (supervisors: their
team's; admins: all) — with filters, search, saved filters, Excel export and bulk actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from core.access import RoleRequiredMixin, get_object_for_user
from core.lists import FilteredListView
from core.roles import Role
from core.views.utils import redirect_back
from tickets import desk, selectors
from tickets.access import is_support
from tickets.catalogue import catalogue
from tickets.choices import Priority, Status, TicketList
from tickets.deadlines import ticket_sla
from tickets.filters import OPEN, TicketFilter, support_people
from tickets.forms import BulkForm, SavedFilterForm
from tickets.middleware import remember_support
from tickets.models import SavedFilter, Ticket
from tickets.selectors import LIST_RELATED


def _sla_of(ticket):
    """The row's SLA standing (the list has it already; a background export derives it here,
    with the cached calendars)."""
    if getattr(ticket, "sla_now", None) is None:
        ticket.sla_now = ticket_sla(ticket, now=timezone.now(), calendars=catalogue().calendars)
    return ticket.sla_now


def _sla_label(which: str):
    return lambda ticket: getattr(_sla_of(ticket), which).label


EXPORT_COLUMNS = [
    ("Número", "number"),
    ("Título", "title"),
    ("Estado", "get_status_display"),
    ("Prioridad", "get_priority_display"),
    ("Aplicativo", "get_aplicativo_display"),
    ("Categoría", lambda t: t.category.name if t.category else ""),
    ("Solicitante", lambda t: str(t.requester)),
    ("Grupo", lambda t: str(t.group or "")),
    ("Asignado a", lambda t: str(t.assignee or "")),
    ("Creado", "created_at"),
    ("Primera respuesta", "first_response_at"),
    ("Resuelto", "resolved_at"),
    ("Cerrado", "closed_at"),
    ("Vence primera respuesta", "first_response_due_at"),
    ("Vence resolución", "resolution_due_at"),
    ("Minutos hábiles a 1.ª respuesta", "first_response_minutes"),
    ("Minutos hábiles a resolución", "resolution_minutes"),
    ("SLA primera respuesta", _sla_label("first_response")),
    ("SLA resolución", _sla_label("resolution")),
]


class IdsFirstPaginator(Paginator):
    """Reads a page's ids first (sorting only the ticket rows that match), then that page's
    rows with their people, groups and policies by id: joining every matching ticket before
    sorting cost three times as much on a 200,000-ticket queue (docs/benchmarks.md)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        pks = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {row.pk: row for row in self.object_list.model.objects.filter(pk__in=pks).select_related(*LIST_RELATED)}
        return self._get_page([rows[pk] for pk in pks if pk in rows], number, self)


class TicketListView(FilteredListView):
    template_name = "tickets/ticket_list.html"
    partial_template_name = "tickets/partials/ticket_table.html"
    filterset_class = TicketFilter
    export_columns = EXPORT_COLUMNS
    list_name = TicketList.MINE
    title = "Mis tickets"
    default_order = "recientes"
    default_open = False

    def dispatch(self, request, *args, **kwargs):
        remember_support(request)
        return super().dispatch(request, *args, **kwargs)

    def get_paginator(self, queryset, per_page: int) -> Paginator:
        return IdsFirstPaginator(queryset, per_page)

    @property
    def export_name(self) -> str:
        return f"tickets-{self.list_name}"

    def get_filterset(self):
        data = self.request.GET.copy()
        if self.default_open and "status" not in data:
            data["status"] = OPEN
        if data and "orden" not in data:
            data["orden"] = self.default_order  # a bound form shows data, not initial values
        return self.filterset_class(
            data or None,
            queryset=self.get_queryset(),
            request=self.request,
            default_order=self.default_order,
            people=self.people,
        )

    @cached_property
    def people(self) -> list[tuple[int, str]]:
        return support_people()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        known, now = catalogue(), timezone.now()
        rows = list(context["object_list"])
        for ticket in rows:
            ticket.sla_now = ticket_sla(ticket, now=now, calendars=known.calendars)
        user = self.request.user
        bulk = self.list_name != TicketList.MINE and is_support(user)
        context.update(
            {
                "rows": rows,
                "title": self.title,
                "list_name": self.list_name,
                "saved_filters": SavedFilter.objects.visible_to(user).filter(list_name=self.list_name),
                "save_form": SavedFilterForm(initial={"query": desk.clean_query(self.request.GET.urlencode())}),
                "bulk": bulk,
                "bulk_actions": BulkForm.ACTIONS,
                "statuses": Status.choices,
                "priorities": Priority.choices,
                "groups": known.active_groups,
                "people": self.people,
            }
        )
        return context


class MyTicketsView(TicketListView):
    def get_queryset(self):
        return selectors.my_tickets(user=self.request.user)


class QueueView(TicketListView):
    list_name = TicketList.QUEUE
    title = "Mi cola"
    default_order = "vencimiento"
    default_open = True

    def dispatch(self, request, *args, **kwargs):
        if not is_support(request.user):
            raise PermissionDenied("La cola es del equipo de soporte.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.my_queue(user=self.request.user)


class AllTicketsView(RoleRequiredMixin, TicketListView):
    allowed_roles = (Role.SUPERVISOR,)
    list_name = TicketList.ALL
    title = "Todos los tickets"

    def get_queryset(self):
        return selectors.all_tickets(user=self.request.user)


LIST_URLS = {TicketList.MINE: "tickets:mine", TicketList.QUEUE: "tickets:queue", TicketList.ALL: "tickets:all"}


@require_POST
def tickets_bulk(request):
    if not is_support(request.user):
        raise PermissionDenied("Las acciones en lote son del equipo de soporte.")
    form = BulkForm(request.POST, tickets=Ticket.objects.workable_by(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect_back(request, "tickets:queue")
    data = form.cleaned_data
    try:
        result = desk.tickets_bulk(
            by=request.user,
            tickets=list(data["tickets"]),
            action=data["action"],
            status=data["status"],
            priority=data["priority"],
            assignee=data["assignee"],
            group=data["group"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect_back(request, "tickets:queue")
    if result.done:
        messages.success(request, f"{len(result.done)} ticket(s) actualizados.")
    for ticket, reason in result.failed:
        messages.warning(request, f"{ticket.number}: {reason}")
    return redirect_back(request, "tickets:queue")


@require_POST
def saved_filter_create(request, list_name: str):
    if list_name not in LIST_URLS:
        raise PermissionDenied("Lista desconocida.")
    form = SavedFilterForm(request.POST)
    target = LIST_URLS[list_name]
    if not form.is_valid():
        messages.error(request, "Ponle un nombre al filtro.")
        return redirect(target)
    try:
        saved = desk.saved_filter_create(
            user=request.user, list_name=list_name, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect_back(request, target)
    messages.success(request, f"Filtro «{saved.name}» guardado.")
    return redirect(f"{redirect(target).url}?{saved.query}")


@require_POST
def saved_filter_delete(request, pk: int):
    saved = get_object_for_user(SavedFilter, request.user, pk=pk)
    desk.saved_filter_delete(saved=saved, user=request.user)
    messages.success(request, f"Filtro «{saved.name}» borrado.")
    return redirect(LIST_URLS[saved.list_name])

"""Support desk tools: bulk actions on a list, saved list filters, canned responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.models import User
from tickets import services
from tickets.choices import TicketList
from tickets.models import CannedResponse, SavedFilter, SupportGroup, Ticket

BULK_ACTIONS = {"assign": "Asignar", "status": "Cambiar estado", "priority": "Cambiar prioridad"}
BULK_MAX = 200


@dataclass
class BulkResult:
    done: list[Ticket] = field(default_factory=list)
    failed: list[tuple[Ticket, str]] = field(default_factory=list)


def tickets_bulk(
    *,
    by: User,
    tickets: list[Ticket],
    action: str,
    status: str = "",
    priority: str = "",
    assignee: User | None = None,
    group: SupportGroup | None = None,
) -> BulkResult:
    """Apply one action to each ticket through the same service a single change uses. Each
    ticket is its own transaction: one that cannot change (a closed ticket, another group's)
    is reported and the others go ahead."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": "Elige una acción."})
    if not tickets:
        raise ValidationError({"tickets": "Marca al menos un ticket."})
    if len(tickets) > BULK_MAX:
        raise ValidationError({"tickets": f"Como máximo {BULK_MAX} tickets a la vez."})
    if action == "status" and not status:
        raise ValidationError({"status": "Elige el estado."})
    if action == "priority" and not priority:
        raise ValidationError({"priority": "Elige la prioridad."})
    if action == "assign" and group is None and assignee is None:
        raise ValidationError({"assignee": "Elige a quién o a qué grupo asignar."})
    result = BulkResult()
    for ticket in tickets:
        try:
            with transaction.atomic():
                if action == "status":
                    services.ticket_transition(ticket=ticket, by=by, status=status)
                elif action == "priority":
                    services.ticket_set_priority(ticket=ticket, by=by, priority=priority)
                else:
                    services.ticket_assign(ticket=ticket, by=by, assignee=assignee, group=group)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            result.failed.append((ticket, " ".join(messages)))
        else:
            result.done.append(ticket)
    return result


# --- Saved filters --------------------------------------------------------------------------

NOT_SAVED = {"page", "export", "saved"}


def clean_query(query: str) -> str:
    """The filters of a list's query string, without paging or export parameters."""
    pairs = [(key, value) for key, value in parse_qsl(query or "", keep_blank_values=False) if key not in NOT_SAVED]
    return urlencode(pairs)


@transaction.atomic
def saved_filter_create(*, user: User, list_name: str, name: str, query: str) -> SavedFilter:
    name = (name or "").strip()
    if list_name not in TicketList.values:
        raise ValidationError({"list_name": "Lista desconocida."})
    if not name:
        raise ValidationError({"name": "Ponle un nombre al filtro."})
    query = clean_query(query)
    if not query:
        raise ValidationError({"name": "No hay filtros que guardar: filtra la lista primero."})
    if SavedFilter.objects.filter(user=user, list_name=list_name, name__iexact=name).exists():
        raise ValidationError({"name": f"Ya tienes un filtro llamado «{name}» en esta lista."})
    saved = SavedFilter(user=user, list_name=list_name, name=name, query=query)
    saved.full_clean()
    saved.save()
    return saved


@transaction.atomic
def saved_filter_delete(*, saved: SavedFilter, user: User) -> None:
    if saved.user_id != user.pk:
        raise PermissionDenied("Ese filtro no es tuyo.")
    saved.delete()


# --- Canned responses -----------------------------------------------------------------------


def canned_render(*, canned: CannedResponse, ticket: Ticket, user: User) -> str:
    """The response's text for this ticket, as ``user`` would send it."""
    return canned.render(
        {
            "requester_name": ticket.requester.get_full_name() or ticket.requester.username,
            "ticket_number": ticket.number,
            "ticket_title": ticket.title,
            "agent_name": user.get_full_name() or user.username,
        }
    )

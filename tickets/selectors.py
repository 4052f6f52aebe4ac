"""Reads of the tickets app, scoped through ``visible_to`` (ARCHITECTURE.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404

from core.access import get_object_for_user, is_admin
from core.models import User
from tickets.access import can_see_internal, support_group_ids
from tickets.choices import Aplicativo, Priority, Status
from tickets.models import (
    CannedResponse,
    Category,
    SupportGroup,
    Ticket,
    TicketAttachment,
    TicketComment,
    number_for,
)
from tickets.models.ticket import scope_ids

LIST_RELATED = ("requester", "assignee", "group", "category", "sla_policy")


def ticket_detail(*, user: User, pk: int) -> Ticket:
    return get_object_for_user(
        Ticket.objects.select_related(*LIST_RELATED, "merged_into", "requester__supervisor"), user, pk=pk
    )


def visible_comments(*, ticket: Ticket, user: User) -> QuerySet[TicketComment]:
    """What ``user`` may read of the conversation: internal notes only for support."""
    comments = ticket.comments.select_related("author").prefetch_related("attachments")
    return comments if can_see_internal(user, ticket) else comments.filter(internal=False)


def ticket_attachments(*, ticket: Ticket, user: User) -> QuerySet[TicketAttachment]:
    """Files added to the ticket itself (a comment's files show with the comment)."""
    return ticket.attachments.filter(comment__isnull=True).select_related("uploaded_by")


def attachment_for_user(*, user: User, pk: int) -> TicketAttachment:
    """404 unless ``user`` sees the ticket — and, for a file of an internal note, its notes."""
    attachment = (
        TicketAttachment.objects.select_related("comment", "ticket")
        .filter(pk=pk, ticket__in=Ticket.objects.visible_to(user))
        .first()
    )
    if attachment is None or (attachment.internal and not can_see_internal(user, attachment.ticket)):
        raise Http404("No encontrado.")
    return attachment


# --- Timeline -------------------------------------------------------------------------------

# Fields whose changes the timeline shows, with their labels; the rest (SLA bookkeeping) is noise.
TRACKED = {
    "status": "Estado",
    "priority": "Prioridad",
    "assignee": "Asignado a",
    "group": "Grupo",
    "title": "Título",
    "description": "Descripción",
    "aplicativo": "Aplicativo",
    "category": "Categoría",
    "merged_into": "Fusionado en",
}


@dataclass
class TimelineEntry:
    kind: str  # created, change, reply, note
    at: datetime
    user: User | None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""
    comment: TicketComment | None = None


def _labels(records) -> dict[str, dict]:
    users, groups, categories = set(), set(), set()
    for record in records:
        users.add(record.assignee_id)
        groups.add(record.group_id)
        categories.add(record.category_id)
    return {
        "assignee": {u.pk: str(u) for u in User.objects.filter(pk__in=users - {None})},
        "group": dict(SupportGroup.objects.filter(pk__in=groups - {None}).values_list("pk", "name")),
        "category": {c.pk: str(c) for c in Category.objects.filter(pk__in=categories - {None})},
    }


def _display(field_name: str, value, labels: dict) -> str:
    if value in (None, ""):
        return "—"
    if field_name == "status":
        return Status(value).label
    if field_name == "priority":
        return Priority(value).label
    if field_name == "aplicativo":
        return Aplicativo(value).label
    if field_name == "merged_into":
        return number_for(value)
    if field_name in labels:
        return labels[field_name].get(value, f"#{value}")
    if field_name == "description":
        return "(texto)"
    return str(value)


def _watchers_by_record(records) -> tuple[dict[int, set[int]], dict[int, str]]:
    """Who followed the ticket at each history record, and their names: two queries for the whole
    history (``diff_against`` would read the watchers of both records for every pair)."""
    by_record: dict[int, set[int]] = {record.history_id: set() for record in records}
    if by_record:
        rows = apps.get_model("tickets", "HistoricalTicket_watchers").objects.filter(history_id__in=by_record)
        for history_id, user_id in rows.values_list("history_id", "user"):
            by_record[history_id].add(user_id)
    people = set().union(*by_record.values())
    return by_record, {u.pk: str(u) for u in User.objects.filter(pk__in=people)} if people else {}


def _watcher_change(before: set[int], after: set[int], names: dict[int, str]) -> tuple[str, str, str] | None:
    if before == after:
        return None
    gone = ", ".join(sorted(names.get(pk, f"#{pk}") for pk in before - after))
    added = ", ".join(sorted(names.get(pk, f"#{pk}") for pk in after - before))
    return ("Seguidores", f"sin {gone}" if gone else "—", f"+ {added}" if added else "—")


def timeline(*, ticket: Ticket, user: User) -> list[TimelineEntry]:
    """The ticket's changes (from its history) and its conversation, oldest first."""
    records = list(ticket.history.select_related("history_user").order_by("history_date", "history_id"))
    labels = _labels(records)
    watchers, names = _watchers_by_record(records)
    entries: list[TimelineEntry] = []
    previous = None
    for record in records:
        if previous is None:
            entries.append(TimelineEntry("created", record.history_date, record.history_user, reason="Ticket creado"))
        else:
            changes = []
            for change in record.diff_against(previous, included_fields=list(TRACKED)).changes:
                changes.append(
                    (
                        TRACKED[change.field],
                        _display(change.field, change.old, labels),
                        _display(change.field, change.new, labels),
                    )
                )
            followed = _watcher_change(watchers[previous.history_id], watchers[record.history_id], names)
            if followed:
                changes.append(followed)
            if changes:
                entries.append(
                    TimelineEntry(
                        "change",
                        record.history_date,
                        record.history_user,
                        changes=changes,
                        reason=record.history_change_reason or "",
                    )
                )
        previous = record
    for comment in visible_comments(ticket=ticket, user=user):
        entries.append(
            TimelineEntry("note" if comment.internal else "reply", comment.created_at, comment.author, comment=comment)
        )
    entries.sort(key=lambda entry: (entry.at, entry.kind != "created"))
    return entries


# --- Lists ----------------------------------------------------------------------------------


def list_rows(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The lists' rows (and the export's): with their people and groups, without descriptions."""
    return queryset.select_related(*LIST_RELATED).defer("description")


def my_tickets(*, user: User) -> QuerySet[Ticket]:
    """What the user opened or follows."""
    watched, _ = scope_ids(user)
    return list_rows(Ticket.objects.filter(Q(requester=user) | Q(pk__in=watched)))


def my_queue(*, user: User) -> QuerySet[Ticket]:
    """Support's queue: the tickets of the user's groups and those assigned to them."""
    if is_admin(user) and not support_group_ids(user):
        return list_rows(Ticket.objects.all())
    return list_rows(Ticket.objects.workable_by(user))


def all_tickets(*, user: User) -> QuerySet[Ticket]:
    return list_rows(Ticket.objects.visible_to(user))


def canned_responses() -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(active=True)

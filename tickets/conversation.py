"""The conversation of a ticket: public replies and internal notes, attachments, and merging a
duplicate into another ticket (its conversation moves, it closes with a link)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.models import User
from tickets import attachments, notify
from tickets.access import can_see_internal, can_work
from tickets.choices import OPEN_STATUSES, Status
from tickets.deadlines import first_response_minutes, load_calendars
from tickets.models import Ticket, TicketAttachment, TicketComment
from tickets.services import _move, _save

EXCERPT = 140


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


@transaction.atomic
def comment_add(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
) -> TicketComment:
    """A public reply (anyone who sees the ticket) or an internal note (support only, never
    the requester). Support's first public reply is the ticket's first response; the
    requester's reply to a ticket "En espera" puts it back "En progreso"."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Escribe la respuesta." if not internal else "Escribe la nota interna."})
    if internal and not can_see_internal(author, ticket):
        raise PermissionDenied("Solo el equipo de soporte escribe notas internas.")
    if ticket.merged_into_id:
        raise ValidationError({"body": f"Este ticket se fusionó en {ticket.merged_into.number}: responde allí."})
    if files:
        attachments.check_uploads(files)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("sla_policy", "requester", "assignee")
        .get(pk=ticket.pk)
    )
    now = timezone.now()
    comment = TicketComment(ticket=ticket, author=author, body=body, internal=internal, created_at=now)
    comment.full_clean()
    comment.save()
    stored = attachments.store(ticket=ticket, uploads=files, user=author, comment=comment) if files else []
    try:
        changed = False
        support_reply = not internal and can_work(author, ticket) and author.pk != ticket.requester_id
        if support_reply and ticket.first_response_at is None:
            ticket.first_response_at = now
            ticket.first_response_minutes = first_response_minutes(ticket, at=now, calendars=load_calendars())
            changed = True
        if not internal and author.pk == ticket.requester_id and ticket.status == Status.EN_ESPERA:
            _move(ticket, status=Status.EN_PROGRESO, by=author, now=now)
            changed = True
        if changed:
            _save(ticket, by=author, reason="Respuesta" if support_reply else "Respuesta del solicitante")
        else:
            Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        if internal:
            notify.notify(
                ticket=ticket,
                recipients=[ticket.assignee, *ticket.watchers.all()],
                actor=author,
                text=f"Nota interna en {ticket.number} de {author}: {_excerpt(body)}",
                change="note",
                internal=True,
            )
        else:
            notify.notify(
                ticket=ticket,
                recipients=notify.involved(ticket),
                actor=author,
                text=f"Nueva respuesta en {ticket.number} de {author}: {_excerpt(body)}",
                change="reply",
            )
    except Exception:
        for attachment in stored:
            attachments.remove_file(attachment)
        raise
    return comment


@transaction.atomic
def attachment_add(*, ticket: Ticket, user: User, files: Sequence[UploadedFile]) -> list[TicketAttachment]:
    """Files added to the ticket itself (not to a comment): by its requester or its support."""
    if not files:
        raise ValidationError({"files": "Elige al menos un archivo."})
    if not (can_work(user, ticket) or user.pk == ticket.requester_id):
        raise PermissionDenied("Solo el solicitante o el equipo de soporte pueden adjuntar archivos al ticket.")
    stored = attachments.store(ticket=ticket, uploads=files, user=user)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return stored


@transaction.atomic
def ticket_merge(*, ticket: Ticket, into: Ticket, by: User) -> Ticket:
    """Merge the duplicate ``ticket`` into ``into``: its comments and attachments move, its
    requester and watchers follow ``into``, and it closes pointing there."""
    if ticket.pk == into.pk:
        raise ValidationError({"into": "Un ticket no se puede fusionar consigo mismo."})
    if not (can_work(by, ticket) and can_work(by, into)):
        raise PermissionDenied("Para fusionar debes trabajar ambos tickets.")
    first, second = sorted([ticket.pk, into.pk])  # lock in one order: two opposite merges cannot deadlock
    locked = {row.pk: row for row in Ticket.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    ticket, into = locked[ticket.pk], locked[into.pk]
    if ticket.merged_into_id or ticket.status == Status.CERRADO:
        raise ValidationError({"into": f"{ticket.number} ya está cerrado: no se puede fusionar."})
    if into.status not in OPEN_STATUSES:
        raise ValidationError({"into": f"{into.number} está «{into.get_status_display()}»: elige un ticket abierto."})
    now = timezone.now()
    TicketComment.objects.filter(ticket=ticket).update(ticket=into)
    TicketAttachment.objects.filter(ticket=ticket).update(ticket=into)
    followers = {ticket.requester_id, *ticket.watchers.values_list("pk", flat=True)} - {into.requester_id}
    into.watchers.add(*followers)
    TicketComment.objects.create(
        ticket=into,
        author=by,
        body=f"Se fusionó {ticket.number} («{ticket.title}») en este ticket; su conversación sigue aquí.",
        created_at=now,
    )
    TicketComment.objects.create(
        ticket=ticket,
        author=by,
        body=f"Cerrado por duplicado: la conversación continúa en {into.number}.",
        created_at=now,
    )
    ticket.merged_into = into
    _move(ticket, status=Status.CERRADO, by=by, now=now)
    _save(ticket, by=by, reason=f"Fusionado en {into.number}")
    Ticket.objects.filter(pk=into.pk).update(updated_at=now)
    notify.notify(
        ticket=ticket,
        recipients=notify.involved(ticket),
        actor=by,
        text=f"{ticket.number} se fusionó en {into.number}: la conversación continúa allí",
        change="merged",
    )
    return ticket

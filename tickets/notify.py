"""Who hears about a ticket's changes, and how: the bell and the live socket (through
core.services.notification_create), an email (a background task, through Django's email
backend), and a ``ticket.changed`` event that refreshes an open ticket page.

The actor never gets a notice of their own change. Texts and events carry only what every
recipient may see: an internal note is announced only to people who can read internal notes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from core.choices import NotificationKind
from core.models import User
from core.realtime import notify_on_commit, user_group
from core.services import notification_create
from tickets.access import can_see_internal
from tickets.models import Ticket

EVENT = "ticket.changed"


def involved(ticket: Ticket) -> list[User]:
    """Requester, assignee and watchers of ``ticket``."""
    people = [ticket.requester, ticket.assignee, *ticket.watchers.all()]
    return [person for person in people if person is not None]


def group_members(ticket: Ticket) -> list[User]:
    if ticket.group_id is None:
        return []
    return list(
        User.objects.filter(
            support_memberships__group_id=ticket.group_id, support_memberships__active=True, is_active=True
        )
    )


def notify(
    *,
    ticket: Ticket,
    recipients: Iterable[User | None],
    actor: User | None,
    text: str,
    change: str,
    internal: bool = False,
    kind: str = NotificationKind.INFO,
    email: bool = True,
) -> list[User]:
    """Tell each recipient (once, never the actor; only internal-note readers when ``internal``)."""
    sent: list[User] = []
    seen: set[int] = set()
    link = ticket.get_absolute_url()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if actor is not None and user.pk == actor.pk:
            continue
        if internal and not can_see_internal(user, ticket):
            continue
        notification_create(user=user, text=text, link=link, kind=kind)
        notify_on_commit(
            user_group(user.pk), EVENT, {"ticket_id": ticket.pk, "number": ticket.number, "change": change}
        )
        if email and user.email:
            _email_on_commit(
                user.email,
                subject=f"[{ticket.number}] {ticket.title}",
                body=f"{text}\n\n{settings.TICKETS_EMAIL_BASE_URL.rstrip('/')}{link}",
            )
        sent.append(user)
    return sent


def _email_on_commit(address: str, *, subject: str, body: str) -> None:
    from tickets.tasks import ticket_email_send

    transaction.on_commit(lambda: ticket_email_send.enqueue(to=address, subject=subject, body=body))

"""Who may do what with tickets (docs/decisions.md, "Tickets").

* Everyone opens tickets and sees their own and the ones they watch.
* Support: the active members of an active support group see that group's queue and work its
  tickets (reply, internal notes, status, priority, assignment, merge). An assignee works the
  ticket assigned to them even after leaving the group.
* Supervisors see (read-only) the tickets their team opened; admins see and work everything.
* Internal notes reach only those who work the ticket, and never its requester.
"""

from __future__ import annotations

from core.access import is_admin
from tickets.models.config import SupportGroupMember


def support_group_ids(user) -> list[int]:
    """Ids of the active groups ``user`` is an active member of (remembered on the user)."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    if not hasattr(user, "_ticket_group_ids"):
        user._ticket_group_ids = list(
            SupportGroupMember.objects.filter(user=user, active=True, group__active=True)
            .order_by("group_id")
            .values_list("group_id", flat=True)
        )
    return user._ticket_group_ids


def is_support(user) -> bool:
    """Works tickets: an admin or an active member of an active support group."""
    return is_admin(user) or bool(support_group_ids(user))


def can_work(user, ticket) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_admin(user):
        return True
    return ticket.assignee_id == user.pk or (ticket.group_id is not None and ticket.group_id in support_group_ids(user))


def can_see_internal(user, ticket) -> bool:
    return can_work(user, ticket) and ticket.requester_id != user.pk

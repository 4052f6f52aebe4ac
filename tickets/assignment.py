"""Automatic assignment: rules send a ticket to a support group, the group's strategy picks one
of its active members. Picking locks the group row, so two tickets created at the same moment
never both take the same turn (SQLite serialises writers on its own)."""

from __future__ import annotations

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from core.models import User
from tickets.choices import OPEN_STATUSES, AssignmentStrategy
from tickets.models import AssignmentRule, Category, SupportGroup, SupportGroupMember


def route(*, aplicativo: str, category: Category | None) -> SupportGroup | None:
    """The group of the most specific active rule (category before aplicativo only, then the
    rule's order), else the default group, else none (the ticket waits for an admin)."""
    matching = Q(category__isnull=True)
    if category is not None:
        matching |= Q(category=category)
    rule = (
        AssignmentRule.objects.filter(matching, active=True, group__active=True, aplicativo=aplicativo)
        .select_related("group")
        .order_by(F("category_id").asc(nulls_last=True), "order", "pk")
        .first()
    )
    if rule is not None:
        return rule.group
    return SupportGroup.objects.filter(is_default=True, active=True).first()


def active_members(group: SupportGroup):
    return SupportGroupMember.objects.filter(group=group, active=True, user__is_active=True)


def pick_assignee(group: SupportGroup) -> User | None:
    """Round-robin: the active member with the lowest turn, who then moves to the end of the
    line. Fewest open: the active member with the fewest open tickets assigned (in any group),
    ties in turn order. Must run inside the transaction that saves the ticket."""
    group = SupportGroup.objects.select_for_update().get(pk=group.pk)
    members = active_members(group).select_related("user")
    if group.strategy == AssignmentStrategy.FEWEST_OPEN:
        members = members.annotate(
            open_count=Count("user__tickets_assigned", filter=Q(user__tickets_assigned__status__in=OPEN_STATUSES))
        ).order_by("open_count", "turn", "pk")
    else:
        members = members.order_by("turn", "pk")
    member = members.first()
    if member is None:
        return None
    last_turn = SupportGroupMember.objects.filter(group=group).aggregate(last=Max("turn"))["last"] or 0
    # A queryset update: the turn is bookkeeping, not a change worth a history row.
    SupportGroupMember.objects.filter(pk=member.pk).update(turn=last_turn + 1, last_assigned_at=timezone.now())
    return member.user


def is_active_member(group: SupportGroup, user: User) -> bool:
    return active_members(group).filter(user=user).exists()

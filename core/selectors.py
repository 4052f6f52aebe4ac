"""Reads of the core app, always scoped to the user through ``visible_to``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.models import Campaign, FollowUp, Notification, User
from core.periods import range_bounds
from core.roles import Role


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.visible_to(user).unread().count()


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.visible_to(user)


def follow_up_list(*, user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.visible_to(user).select_related("owner", "content_type")


def follow_ups_between(*, user: User, start: datetime, end: datetime, owner_id: int | None = None) -> QuerySet:
    queryset = follow_up_list(user=user).filter(due_at__gte=start, due_at__lt=end)
    if owner_id:
        queryset = queryset.filter(owner_id=owner_id)
    return queryset


def today_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    today = timezone.localdate(now or timezone.now())
    return range_bounds(today, today)


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    return Campaign.objects.visible_to(user).annotate(member_count=Count("memberships", distinct=True)).order_by("name")


def user_list(*, user: User) -> QuerySet[User]:
    return User.objects.visible_to(user).select_related("supervisor")


def team_members(*, supervisor: User) -> QuerySet[User]:
    """The supervisor's team with their open and overdue follow-ups (one query)."""
    now = timezone.now()
    return (
        User.objects.visible_to(supervisor)
        .filter(supervisor=supervisor)
        .annotate(
            open_follow_ups=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=True)),
            overdue_follow_ups=Count(
                "follow_ups", filter=Q(follow_ups__done_at__isnull=True, follow_ups__due_at__lt=now)
            ),
        )
        .order_by("first_name", "last_name", "username")
    )


def home_context(*, user: User) -> dict:
    """What each role's home page shows — all real data, each block one query."""
    start, end = today_bounds()
    context: dict = {
        "today_follow_ups": list(
            follow_up_list(user=user).filter(owner=user, due_at__gte=start, due_at__lt=end).open()[:20]
        ),
        "overdue_follow_ups": follow_up_list(user=user).filter(owner=user, due_at__lt=start).open().count(),
        "unread": list(notification_list(user=user).unread()[:10]),
        "campaigns": list(campaign_list(user=user).filter(active=True)[:10]),
        "show_team": user.role == Role.SUPERVISOR,
        "now": timezone.now(),
    }
    if user.role == Role.SUPERVISOR:
        context["team"] = list(team_members(supervisor=user))
        context["team_follow_ups"] = list(
            follow_up_list(user=user).filter(owner__supervisor=user).open().order_by("due_at")[:15]
        )
    if user.is_admin_role:
        by_role = dict(
            User.objects.filter(is_active=True).values_list("role").annotate(n=Count("pk")).values_list("role", "n")
        )
        context["users_by_role"] = [(label, by_role.get(value, 0)) for value, label in Role.choices]
        context["campaigns"] = list(campaign_list(user=user).order_by("-active", "name")[:20])
    return context

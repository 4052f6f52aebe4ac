"""Every write of the core app: users, campaigns, follow-ups, notifications."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from core.choices import COUNTRY_DEFAULTS, NotificationKind
from core.models import Campaign, CampaignMembership, FollowUp, Notification, User
from core.realtime import notify_on_commit, user_group
from core.roles import Role

logger = logging.getLogger(__name__)


# --- Users and campaigns --------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    supervisor: User | None = None,
    extension: str = "",
    workstation: str = "",
    campaigns: Iterable[Campaign] = (),
) -> User:
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        supervisor=supervisor,
        extension=extension,
        workstation=workstation,
        is_staff=role == Role.ADMINISTRADOR,
        is_superuser=role == Role.ADMINISTRADOR,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    for campaign in campaigns:
        campaign_member_add(campaign=campaign, user=user)
    return user


@transaction.atomic
def campaign_create(
    *,
    name: str,
    module: str,
    country: str,
    time_zone: str | None = None,
    currency: str | None = None,
    active: bool = True,
) -> Campaign:
    defaults = COUNTRY_DEFAULTS.get(country, {})
    campaign = Campaign(
        name=name,
        module=module,
        country=country,
        time_zone=time_zone or defaults.get("time_zone", "America/Costa_Rica"),
        currency=currency or defaults.get("currency", "USD"),
        active=active,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_member_add(*, campaign: Campaign, user: User) -> CampaignMembership:
    membership, _ = CampaignMembership.objects.get_or_create(campaign=campaign, user=user)
    return membership


# --- Notifications --------------------------------------------------------------------------


def _push_unread_count(user: User, event: str, payload: dict) -> None:
    payload = {**payload, "unread": Notification.objects.filter(user=user).unread().count()}
    notify_on_commit(user_group(user.pk), event, payload)


@transaction.atomic
def notification_create(*, user: User, text: str, link: str = "", kind: str = NotificationKind.INFO) -> Notification:
    notification = Notification(user=user, text=text[:500], link=link, kind=kind)
    notification.full_clean()
    notification.save()
    _push_unread_count(
        user,
        "notification.created",
        {"id": notification.pk, "text": notification.text, "link": notification.link, "kind": kind},
    )
    return notification


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _push_unread_count(notification.user, "notification.read", {"id": notification.pk})
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    updated = Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
    if updated:
        _push_unread_count(user, "notification.read", {"id": None})
    return updated


@transaction.atomic
def notice_send(*, sender: User, recipients: models.QuerySet, text: str) -> int:
    """A supervisor's or admin's aviso to a set of people (e.g. the whole team)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Escribe el aviso."})
    count = 0
    for recipient in recipients.exclude(pk=sender.pk).filter(is_active=True):
        notification_create(user=recipient, text=f"Aviso de {sender}: {text}", kind=NotificationKind.NOTICE)
        count += 1
    if not count:
        raise ValidationError({"text": "No hay destinatarios activos para este aviso."})
    return count


# --- Follow-ups -----------------------------------------------------------------------------


def _schedule_reminder(follow_up: FollowUp) -> None:
    from django_tasks import default_task_backend

    from core.tasks import follow_up_remind

    if default_task_backend.supports_defer:
        task = follow_up_remind.using(run_after=follow_up.due_at)
    elif follow_up.due_at <= timezone.now():
        task = follow_up_remind
    else:
        # Only the immediate backend (development/tests) cannot defer; production uses the DB queue.
        logger.info("task backend cannot defer; reminder of follow-up %s not scheduled", follow_up.pk)
        return
    follow_up_id = follow_up.pk
    transaction.on_commit(lambda: task.enqueue(follow_up_id=follow_up_id))


def _validate_due(due_at: datetime | None) -> None:
    if due_at is None:
        raise ValidationError({"due_at": "Indica la fecha y hora del seguimiento."})


@transaction.atomic
def follow_up_create(
    *,
    owner: User,
    due_at: datetime,
    note: str,
    record: models.Model | None = None,
    created_by: User | None = None,
) -> FollowUp:
    _validate_due(due_at)
    follow_up = FollowUp(owner=owner, due_at=due_at, note=note, created_by=created_by or owner)
    if record is not None:
        follow_up.content_type = ContentType.objects.get_for_model(record)
        follow_up.object_id = str(record.pk)
    follow_up.full_clean()
    follow_up.save()
    _schedule_reminder(follow_up)
    return follow_up


@transaction.atomic
def follow_up_update(*, follow_up: FollowUp, due_at: datetime, note: str) -> FollowUp:
    _validate_due(due_at)
    rescheduled = due_at != follow_up.due_at
    follow_up.due_at = due_at
    follow_up.note = note
    if rescheduled:
        follow_up.notified_at = None
    follow_up.full_clean()
    follow_up.save()
    if rescheduled:
        _schedule_reminder(follow_up)
    return follow_up


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUp) -> FollowUp:
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done_at"])
    return follow_up


@transaction.atomic
def follow_up_reopen(*, follow_up: FollowUp) -> FollowUp:
    follow_up.done_at = None
    follow_up.save(update_fields=["done_at"])
    return follow_up


@transaction.atomic
def follow_up_remind(*, follow_up_id: int) -> Notification | None:
    """Tell the owner a follow-up is due. Runs at the due time; idempotent, and a no-op when the
    follow-up was done, deleted or moved later in the meantime (its new time has its own task)."""
    follow_up = FollowUp.objects.select_for_update().select_related("owner").filter(pk=follow_up_id).first()
    if follow_up is None or follow_up.done_at or follow_up.notified_at:
        return None
    now = timezone.now()
    if follow_up.due_at > now:
        return None
    follow_up.notified_at = now
    follow_up.save(update_fields=["notified_at"])
    from django.urls import reverse

    return notification_create(
        user=follow_up.owner,
        text=f"Seguimiento pendiente: {follow_up.note}",
        link=reverse("core:follow_up_list") + f"?highlight={follow_up.pk}",
        kind=NotificationKind.FOLLOW_UP,
    )

"""The agent's work queue: "Siguiente" claims the next debtor with a lease.

Order: effective priority (lower first; inactivity derived at read time), then the oldest last
contact (never contacted first). Skipped: closed debtors, debtors with a follow-up set in the
future, debtors another agent holds, and debtors contacted less than the campaign's
``retry_minutes`` ago (otherwise a "No contesta", priority 1, would come straight back).

The claim is a lease (holder, until) so two agents never
work the same debtor: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, whose writers
are serialised anyway, an atomic conditional UPDATE that only succeeds while the lease is free.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from cartera.models import CarteraSettings, Debtor
from core.models import Campaign, FollowUp, User

SQLITE_ATTEMPTS = 20


def _config(campaign: Campaign) -> CarteraSettings:
    return CarteraSettings.objects.filter(campaign=campaign).first() or CarteraSettings(campaign=campaign)


def free_lease(now) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lte=now)


def queue_candidates(*, agent: User, campaign: Campaign, now=None):
    """The debtors ``agent`` may take next in ``campaign``, best first (not yet claimed)."""
    now = now or timezone.now()
    config = _config(campaign)
    mine = Q(assigned_agent=agent)
    if config.unassigned_pool:
        mine |= Q(assigned_agent__isnull=True)
    future_follow_up = FollowUp.objects.filter(
        content_type=ContentType.objects.get_for_model(Debtor),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        done_at__isnull=True,
        due_at__gt=now,
    )
    return (
        Debtor.objects.filter(campaign=campaign, closed=False)
        .filter(mine)
        .filter(free_lease(now) | Q(lease_holder=agent))
        .exclude(last_contact_at__gt=now - timedelta(minutes=config.retry_minutes))
        .exclude(Exists(future_follow_up))
        .with_state(config, now=now)
        .order_by("effective_priority", F("last_contact_at").asc(nulls_first=True), "pk")
    )


def held_debtor(*, agent: User, campaign: Campaign, now=None) -> Debtor | None:
    """The debtor the agent already holds, if it still belongs in the queue (resume it)."""
    now = now or timezone.now()
    return (
        queue_candidates(agent=agent, campaign=campaign, now=now)
        .filter(lease_holder=agent, lease_until__gt=now)
        .first()
    )


def next_debtor(*, agent: User, campaign: Campaign) -> Debtor | None:
    """Claim (or resume) the agent's next debtor; ``None`` when the queue is empty."""
    now = timezone.now()
    held = held_debtor(agent=agent, campaign=campaign, now=now)
    if held is not None:
        return held
    until = now + timedelta(minutes=_config(campaign).lease_minutes)
    if connection.vendor == "postgresql":
        return _claim_skip_locked(agent, campaign, now, until)
    return _claim_conditional(agent, campaign, now, until)


def _claim_skip_locked(agent, campaign, now, until) -> Debtor | None:
    with transaction.atomic():
        candidates = queue_candidates(agent=agent, campaign=campaign, now=now)
        debtor = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if debtor is None:
            return None
        Debtor.objects.filter(pk=debtor.pk).update(lease_holder=agent, lease_until=until)
    debtor.lease_holder, debtor.lease_until = agent, until
    return debtor


def _claim_conditional(agent, campaign, now, until) -> Debtor | None:
    skipped: list[int] = []
    for _ in range(SQLITE_ATTEMPTS):
        debtor = queue_candidates(agent=agent, campaign=campaign, now=now).exclude(pk__in=skipped).first()
        if debtor is None:
            return None
        claimed = (
            Debtor.objects.filter(pk=debtor.pk)
            .filter(free_lease(now) | Q(lease_holder=agent))
            .update(lease_holder=agent, lease_until=until)
        )
        if claimed:
            debtor.lease_holder, debtor.lease_until = agent, until
            return debtor
        skipped.append(debtor.pk)  # another agent won it between our read and our write
    return None


def lease_heartbeat(*, debtor: Debtor, agent: User) -> bool:
    """Keep the lease alive while the card is open; False when someone else holds it now."""
    now = timezone.now()
    until = now + timedelta(minutes=_config(debtor.campaign).lease_minutes)
    extended = (
        Debtor.objects.filter(pk=debtor.pk)
        .filter(Q(lease_holder=agent) | free_lease(now))
        .update(lease_holder=agent, lease_until=until)
    )
    return bool(extended)


def lease_take(*, debtor: Debtor, agent: User) -> bool:
    """An agent opened this card: hold it, and let go of any other debtor they were holding."""
    taken = lease_heartbeat(debtor=debtor, agent=agent)
    if taken:
        Debtor.objects.filter(lease_holder=agent).exclude(pk=debtor.pk).update(lease_holder=None, lease_until=None)
    return taken


def lease_release(*, debtor: Debtor, agent: User) -> None:
    Debtor.objects.filter(pk=debtor.pk, lease_holder=agent).update(lease_holder=None, lease_until=None)


def lease_holder_other_than(*, debtor: Debtor, user: User) -> User | None:
    """Who else is working this debtor right now (for the read-only banner)."""
    if debtor.lease_holder_id and debtor.lease_holder_id != user.pk and debtor.lease_until > timezone.now():
        return debtor.lease_holder
    return None

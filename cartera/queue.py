"""The agent's work queue: "Siguiente" claims the next debtor with a lease.

Order: effective priority (lower first; inactivity derived at read time), then the oldest last
contact (never contacted first). Skipped: closed debtors, debtors with a follow-up set in the
future, debtors another agent holds, and debtors contacted less than the campaign's
``retry_minutes`` ago (otherwise a "No contesta", priority 1, would come straight back).

The claim is a lease (holder, until) so two agents never
work the same debtor: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, whose writers
are serialised anyway, an atomic conditional UPDATE that only succeeds while the lease is free.

``queue_candidates`` states the whole order in one query. With a million debtors sorting all of
an agent's candidates by a derived priority takes most of a second, so claiming reads the order
in pieces that indexes already hold in order instead (``_next_candidate``): for the agent's own
debtors and for the pool, the active ones by (priority, last contact) and each inactivity state
by last contact — the state's priority is the same for all its debtors. The best of those first
rows is the next debtor; a state is only looked at when its priority can still win. Each piece
is one hand-written statement (``cartera.queue_pieces``); on PostgreSQL the usual claim (an
active debtor ahead of every inactive one) is a single statement that locks the two heads and
leases the better one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from cartera.models import CarteraSettings, Debtor
from cartera.queue_pieces import claim_active_head, read_piece
from core.models import Campaign, FollowUp, User

SQLITE_ATTEMPTS = 20
NEVER = datetime.min.replace(tzinfo=UTC)  # sorts before any last contact


def _config(campaign: Campaign) -> CarteraSettings:
    """The campaign's settings (the defaults when none are saved). Free when the campaign was
    read with ``select_related("cartera_settings")``, as the "Siguiente" view does."""
    try:
        return campaign.cartera_settings
    except CarteraSettings.DoesNotExist:
        return CarteraSettings(campaign=campaign)


def free_lease(now) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lte=now)


def _workable(agent: User, campaign: Campaign, config: CarteraSettings, now) -> QuerySet[Debtor]:
    """Open debtors of the campaign the agent may work now, in any order and from any owner."""
    future_follow_up = FollowUp.objects.filter(
        content_type=ContentType.objects.get_for_model(Debtor),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        done_at__isnull=True,
        due_at__gt=now,
    )
    return (
        Debtor.objects.filter(campaign=campaign, closed=False)
        .filter(free_lease(now) | Q(lease_holder=agent))
        .exclude(last_contact_at__gt=now - timedelta(minutes=config.retry_minutes))
        .exclude(Exists(future_follow_up))
    )


def _owners(agent: User, config: CarteraSettings) -> list[Q]:
    owners = [Q(assigned_agent=agent)]
    if config.unassigned_pool:
        owners.append(Q(assigned_agent__isnull=True))
    return owners


def queue_candidates(*, agent: User, campaign: Campaign, now=None, config: CarteraSettings | None = None):
    """The debtors ``agent`` may take next in ``campaign``, best first (not yet claimed)."""
    now = now or timezone.now()
    config = config or _config(campaign)
    mine = Q()
    for owner in _owners(agent, config):
        mine |= owner
    return (
        _workable(agent, campaign, config, now)
        .filter(mine)
        .with_state(config, now=now)
        .order_by("effective_priority", F("last_contact_at").asc(nulls_first=True), "pk")
    )


def _rank(debtor: Debtor) -> tuple:
    """Where a debtor annotated by ``with_state`` stands in the queue order."""
    contact = debtor.last_contact_at
    return (debtor.effective_priority, contact is not None, contact or NEVER, debtor.pk)


def _better(best: Debtor | None, other: Debtor | None) -> Debtor | None:
    if other is None:
        return best
    return other if best is None or _rank(other) < _rank(best) else best


def _next_candidate(agent, campaign, config, now, *, exclude=()) -> Debtor | None:
    """The first debtor of ``queue_candidates``, read in pieces the queue indexes hold in order
    (see the module docstring). On PostgreSQL every row read is locked until the transaction
    ends, and rows that other claims hold are skipped."""
    # with_state gives a debtor the first rule whose cutoff its last_seen_at is older than; a
    # debtor seen since every cutoff is active.
    cutoffs = config.inactivity_cutoffs(now)
    states = [
        (priority, max((c for _s, c, _p in cutoffs[:index]), default=None), cutoff)
        for index, (_state, cutoff, priority) in enumerate(cutoffs)
    ]
    owners = [False, True] if config.unassigned_pool else [False]

    def first(pool: bool, seen_from, seen_before, by_priority: bool) -> Debtor | None:
        if seen_from is not None and seen_before is not None and seen_from >= seen_before:
            return None  # a state an earlier rule always takes first
        debtor = read_piece(
            agent=agent,
            campaign=campaign,
            config=config,
            now=now,
            pool=pool,
            seen_from=seen_from,
            seen_before=seen_before,
            by_priority=by_priority,
            exclude=exclude,
        )
        if debtor is not None:  # what with_state would annotate
            debtor.inactivity, debtor.effective_priority = config.inactivity_of(debtor, now)
        return debtor

    best = None
    active_since = max(cutoff for _state, cutoff, _priority in cutoffs)
    for pool in owners:
        best = _better(best, first(pool, active_since, None, by_priority=True))
    for priority, seen_from, seen_before in sorted(states, key=lambda state: state[0]):
        if best is not None and best.effective_priority < priority:
            break  # nobody in this state, or in the ones after it, comes first
        for pool in owners:
            best = _better(best, first(pool, seen_from, seen_before, by_priority=False))
    return best


def held_debtor(*, agent: User, campaign: Campaign, now=None, config: CarteraSettings | None = None) -> Debtor | None:
    """The debtor the agent already holds, if it still belongs in the queue (resume it)."""
    now = now or timezone.now()
    return (
        queue_candidates(agent=agent, campaign=campaign, now=now, config=config)
        .filter(lease_holder=agent, lease_until__gt=now)
        .first()
    )


def next_debtor(*, agent: User, campaign: Campaign) -> Debtor | None:
    """Claim (or resume) the agent's next debtor; ``None`` when the queue is empty."""
    now = timezone.now()
    config = _config(campaign)
    until = now + timedelta(minutes=config.lease_minutes)
    if connection.vendor == "postgresql":
        # The usual claim, in one statement: the agent holds nothing (saving a gestión let it
        # go) and an active debtor comes before every inactive one.
        cutoffs = config.inactivity_cutoffs(now)
        debtor = claim_active_head(
            agent=agent,
            campaign=campaign,
            config=config,
            now=now,
            until=until,
            pools=[False, True] if config.unassigned_pool else [False],
            seen_from=max(cutoff for _state, cutoff, _priority in cutoffs),
            below=min(priority for _state, _cutoff, priority in cutoffs),
        )
        if debtor is not None:
            debtor.inactivity, debtor.effective_priority = config.inactivity_of(debtor, now)
            debtor.lease_holder = agent
            return debtor
    if Debtor.objects.filter(campaign=campaign, lease_holder=agent, lease_until__gt=now).exists():
        held = held_debtor(agent=agent, campaign=campaign, now=now, config=config)
        if held is not None:
            return held
    if connection.vendor == "postgresql":
        return _claim_skip_locked(agent, campaign, config, now, until)
    return _claim_conditional(agent, campaign, config, now, until)


def _claim_skip_locked(agent, campaign, config, now, until) -> Debtor | None:
    with transaction.atomic():
        debtor = _next_candidate(agent, campaign, config, now)
        if debtor is None:
            return None
        Debtor.objects.filter(pk=debtor.pk).update(lease_holder=agent, lease_until=until)
    debtor.lease_holder, debtor.lease_until = agent, until
    return debtor


def _claim_conditional(agent, campaign, config, now, until) -> Debtor | None:
    skipped: list[int] = []
    for _ in range(SQLITE_ATTEMPTS):
        debtor = _next_candidate(agent, campaign, config, now, exclude=skipped)
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


def lease_heartbeat(*, debtor: Debtor, agent: User, config: CarteraSettings | None = None) -> bool:
    """Keep the lease alive while the card is open; False when someone else holds it now."""
    now = timezone.now()
    until = now + timedelta(minutes=(config or _config(debtor.campaign)).lease_minutes)
    extended = (
        Debtor.objects.filter(pk=debtor.pk)
        .filter(Q(lease_holder=agent) | free_lease(now))
        .update(lease_holder=agent, lease_until=until)
    )
    return bool(extended)


def lease_take(*, debtor: Debtor, agent: User, config: CarteraSettings | None = None) -> bool:
    """An agent opened this card: hold it, and let go of any other debtor they were holding."""
    taken = lease_heartbeat(debtor=debtor, agent=agent, config=config)
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

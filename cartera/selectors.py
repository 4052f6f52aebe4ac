"""Reads of the collections module, scoped through ``visible_to``."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from cartera.choices import InactivityState
from cartera.models import CarteraSettings, Debtor, DebtorPhone, Gestion
from core.ids import InvalidDocument, validate_document
from core.models import User
from core.phones import parse_phone
from dialer.models import CallLog

PHONE_OWNERS_MAX = 200  # debtors sharing one number (a company switchboard, a family phone)


def _as_list_rows(queryset: QuerySet[Debtor]) -> QuerySet[Debtor]:
    return (
        queryset.with_mora()
        .select_related("campaign", "assigned_agent", "last_outcome")
        .prefetch_related(Prefetch("phones", queryset=DebtorPhone.objects.filter(is_primary=True), to_attr="primary"))
    )


def debtor_list(*, user: User) -> QuerySet[Debtor]:
    return _as_list_rows(Debtor.objects.listed_for(user))


def debtor_rows(*, pks: list[int]) -> QuerySet[Debtor]:
    """The list's rows for debtors already found through ``debtor_list`` (by their ids)."""
    return _as_list_rows(Debtor.objects.filter(pk__in=pks))


def debtor_search(queryset: QuerySet[Debtor], text: str, *, region: str = "CR") -> QuerySet[Debtor]:
    """Name, document, or phone written in any format.

    One condition on the debtor table that indexes answer: the document's btree, the name's
    trigram index on PostgreSQL, and the debtors of a phone number looked up first (a join to
    the phones inside the OR made PostgreSQL read every debtor). Text without a letter is not
    looked for in names: a phone or a document never is one."""
    text = (text or "").strip()
    if not text:
        return queryset
    compact = text.replace("-", "").replace(" ", "")
    documents = {compact, compact.upper(), compact.lower()}
    with suppress(InvalidDocument):
        documents.add(validate_document(region, text).compact)
    condition = Q(document_number__in=documents)
    phone = parse_phone(text, region)
    if phone.valid:
        owners = DebtorPhone.objects.filter(e164=phone.e164).values_list("debtor_id", flat=True)
        condition |= Q(pk__in=list(owners[:PHONE_OWNERS_MAX]))
    if any(char.isalpha() for char in text):
        condition |= Q(full_name__icontains=text)
    return queryset.filter(condition)


def debtor_detail(*, user: User, pk: int) -> Debtor:
    """The debtor with what its card shows about it; ``debtor.config`` is its campaign's
    settings (the defaults when the campaign has none saved), read in the same query."""
    from core.access import get_object_for_user

    debtor = get_object_for_user(
        Debtor.objects.with_mora().select_related(
            "campaign__cartera_settings", "assigned_agent", "last_outcome", "lease_holder"
        ),
        user,
        pk=pk,
    )
    try:
        debtor.config = debtor.campaign.cartera_settings
    except CarteraSettings.DoesNotExist:
        debtor.config = CarteraSettings(campaign=debtor.campaign)
    return debtor


def debtor_state(*, debtor: Debtor, config: CarteraSettings | None = None) -> dict:
    """The debtor's derived inactivity state (with its Spanish label) and effective priority,
    computed from the debtor in memory as ``with_state`` would."""
    if config is None:
        config = CarteraSettings.objects.filter(campaign_id=debtor.campaign_id).first() or CarteraSettings()
    state, priority = config.inactivity_of(debtor)
    return {"inactivity": state, "effective_priority": priority, "label": InactivityState(state).label}


def debtor_gestiones(*, debtor: Debtor) -> QuerySet[Gestion]:
    return debtor.gestiones.select_related("agent", "outcome", "phone", "call")[:50]


# A call the agent made to the debtor this long ago without a gestión is still offered to the
# gestión form; an older one is left alone (the agent has long moved on).
LINKABLE_CALL_AGE = timedelta(hours=12)


def card_calls(*, user: User, debtor: Debtor, now=None) -> tuple[CallLog | None, CallLog | None]:
    """``(current, linkable)`` in one query: the user's call in progress (whoever it is to, for
    the top bar's widget) and their latest call to this debtor without a gestión yet (for the
    gestión form), made in the last ``LINKABLE_CALL_AGE``."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from dialer.selectors import CURRENT_CALL_MAX_AGE, in_progress_since

    now = now or timezone.now()
    debtor_type = ContentType.objects.get_for_model(Debtor)
    to_debtor = Q(content_type=debtor_type, object_id=str(debtor.pk), started_at__gte=now - LINKABLE_CALL_AGE)
    calls = list(
        CallLog.objects.filter(user=user)
        .annotate(has_gestion=Exists(Gestion.objects.filter(call=OuterRef("pk"))))
        .filter(in_progress_since(now) | (to_debtor & Q(has_gestion=False)))
        .order_by("-started_at", "-pk")[:20]
    )
    current = next((c for c in calls if c.status is None and c.started_at >= now - CURRENT_CALL_MAX_AGE), None)
    linkable = next(
        (
            c
            for c in calls
            if c.content_type_id == debtor_type.pk
            and c.object_id == str(debtor.pk)
            and not c.has_gestion
            and c.started_at >= now - LINKABLE_CALL_AGE
        ),
        None,
    )
    return current, linkable


def debtor_agreements(*, debtor: Debtor, grace_days: int | None = None):
    return debtor.agreements.with_broken(grace_days=grace_days).select_related("created_by")


def debtor_follow_ups(*, debtor: Debtor):
    from django.contrib.contenttypes.models import ContentType

    from core.models import FollowUp

    return FollowUp.objects.filter(
        content_type=ContentType.objects.get_for_model(Debtor), object_id=str(debtor.pk)
    ).select_related("owner")[:20]

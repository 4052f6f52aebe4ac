"""Reads of the collections module, scoped through ``visible_to``."""

from __future__ import annotations

from contextlib import suppress

from django.db.models import Prefetch, Q, QuerySet

from cartera.choices import InactivityState
from cartera.models import CarteraSettings, Debtor, DebtorPhone, Gestion
from core.ids import InvalidDocument, validate_document
from core.models import User
from core.phones import parse_phone


def debtor_list(*, user: User) -> QuerySet[Debtor]:
    return (
        Debtor.objects.visible_to(user)
        .with_mora()
        .select_related("campaign", "assigned_agent", "last_outcome")
        .prefetch_related(Prefetch("phones", queryset=DebtorPhone.objects.filter(is_primary=True), to_attr="primary"))
    )


def debtor_search(queryset: QuerySet[Debtor], text: str, *, region: str = "CR") -> QuerySet[Debtor]:
    """Name, document, or phone written in any format."""
    text = (text or "").strip()
    if not text:
        return queryset
    condition = Q(full_name__icontains=text) | Q(document_number__iexact=text.replace("-", "").replace(" ", ""))
    with suppress(InvalidDocument):
        condition |= Q(document_number=validate_document(region, text).compact)
    phone = parse_phone(text, region)
    if phone.valid:
        condition |= Q(phones__e164=phone.e164)
    return queryset.filter(pk__in=Debtor.objects.filter(condition).values("pk"))


def debtor_detail(*, user: User, pk: int) -> Debtor:
    from core.access import get_object_for_user

    return get_object_for_user(
        Debtor.objects.with_mora().select_related("campaign", "assigned_agent", "last_outcome", "lease_holder"),
        user,
        pk=pk,
    )


def debtor_state(*, debtor: Debtor) -> dict:
    """The debtor's derived inactivity state (with its Spanish label) and effective priority."""
    config = CarteraSettings.objects.filter(campaign_id=debtor.campaign_id).first()
    row = Debtor.objects.filter(pk=debtor.pk).with_state(config).values("inactivity", "effective_priority").get()
    return {**row, "label": InactivityState(row["inactivity"]).label}


def debtor_gestiones(*, debtor: Debtor) -> QuerySet[Gestion]:
    return debtor.gestiones.select_related("agent", "outcome", "phone")[:50]


def debtor_agreements(*, debtor: Debtor):
    return debtor.agreements.with_broken().select_related("created_by")


def debtor_follow_ups(*, debtor: Debtor):
    from django.contrib.contenttypes.models import ContentType

    from core.models import FollowUp

    return FollowUp.objects.filter(
        content_type=ContentType.objects.get_for_model(Debtor), object_id=str(debtor.pk)
    ).select_related("owner")[:20]

"""Every write of the collections module."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cartera.choices import Channel
from cartera.models import CarteraSettings, Debtor, DebtorPhone, Gestion, Outcome
from cartera.queue import lease_holder_other_than
from core.models import Campaign, User
from core.roles import Role
from core.services import follow_up_create
from dialer.models import CallLog

# code, label, priority, is_contact, is_promise, needs_follow_up, closes_debtor
DEFAULT_OUTCOMES = [
    ("NC", "No contesta", 1, False, False, False, False),
    ("CUELGA", "Cuelga", 2, True, False, False, False),
    ("SIN_GESTIONAR", "Sin gestionar", 3, False, False, False, False),
    ("INTERESADO", "Interesado", 4, True, False, True, False),
    ("PROMESA_PAGO", "Promesa de pago", 6, True, True, True, False),
    ("VOLVER_A_LLAMAR", "Volver a llamar", 5, True, False, True, False),
    ("BUZON", "Buzón de voz", 2, False, False, False, False),
    ("RECHAZA", "Rechaza pagar", 7, True, False, False, False),
    ("NUMERO_EQUIVOCADO", "Número equivocado", 8, False, False, False, False),
    ("SERVICIOS_ACTIVOS", "Servicios activos", 10, True, False, False, False),
    ("YA_PAGO", "Ya pagó", 30, True, False, False, True),
    ("FALLECIDO", "Fallecido", 31, False, False, False, True),
]


@transaction.atomic
def cartera_settings_get(*, campaign: Campaign) -> CarteraSettings:
    config, _ = CarteraSettings.objects.get_or_create(campaign=campaign)
    return config


@transaction.atomic
def outcomes_seed(*, campaign: Campaign) -> int:
    """Give a collections campaign the standard tipificaciones (idempotent: existing codes stay)."""
    created = 0
    for order, (code, label, priority, contact, promise, follow_up, closes) in enumerate(DEFAULT_OUTCOMES):
        _, was_created = Outcome.objects.get_or_create(
            campaign=campaign,
            code=code,
            defaults={
                "label": label,
                "priority": priority,
                "is_contact": contact,
                "is_promise": promise,
                "needs_follow_up": follow_up,
                "closes_debtor": closes,
                "order": order,
            },
        )
        created += was_created
    return created


@transaction.atomic
def gestion_create(
    *,
    debtor: Debtor,
    agent: User,
    outcome: Outcome,
    channel: str = Channel.CALL,
    phone: DebtorPhone | None = None,
    notes: str = "",
    next_action_at: datetime | None = None,
    promised_amount: Decimal | None = None,
    promised_date: date | None = None,
    call: CallLog | None = None,
) -> Gestion:
    """Record a contact attempt; in the same transaction update the debtor's last contact,
    outcome, priority and state, schedule the follow-up it asks for, and free the lease.

    ``call`` is the call the gestión is the outcome of: the agent's own, made to this debtor,
    and not already the call of another gestión."""
    debtor = Debtor.objects.select_for_update(of=("self",)).select_related("lease_holder").get(pk=debtor.pk)
    other = lease_holder_other_than(debtor=debtor, user=agent)
    if other is not None:
        raise ValidationError(f"Este deudor está en gestión por {other}.")
    if outcome.campaign_id != debtor.campaign_id or not outcome.active:
        raise ValidationError({"outcome": "La tipificación no pertenece a la campaña del deudor."})
    if phone is not None and phone.debtor_id != debtor.pk:
        raise ValidationError({"phone": "El teléfono no es de este deudor."})
    if call is not None:
        _check_call(call=call, debtor=debtor, agent=agent)
    errors = {}
    if outcome.is_promise:
        if not promised_amount or promised_amount <= 0:
            errors["promised_amount"] = "Indica el monto prometido."
        if not promised_date:
            errors["promised_date"] = "Indica la fecha prometida."
        elif promised_date < timezone.localdate():
            errors["promised_date"] = "La fecha prometida ya pasó."
    if outcome.needs_follow_up and not next_action_at:
        errors["next_action_at"] = f"{outcome.label} requiere la fecha de la próxima acción."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    gestion = Gestion(
        debtor=debtor,
        agent=agent,
        outcome=outcome,
        channel=channel,
        phone=phone,
        notes=notes,
        next_action_at=next_action_at,
        promised_amount=promised_amount if outcome.is_promise else None,
        promised_date=promised_date if outcome.is_promise else None,
        call=call,
        created_at=now,
    )
    gestion.full_clean()
    gestion.save()
    debtor.last_contact_at = now
    debtor.last_outcome = outcome
    debtor.priority = outcome.priority
    debtor.closed = outcome.closes_debtor
    debtor.lease_holder, debtor.lease_until = None, None
    if debtor.assigned_agent_id is None and agent.role == Role.AGENTE:
        debtor.assigned_agent = agent  # whoever works a pool debtor keeps it (and its follow-ups)
    debtor._change_reason = f"Gestión {outcome.code}"
    debtor.save()
    if phone is not None:
        DebtorPhone.objects.filter(pk=phone.pk).update(last_result=outcome.code)
    if next_action_at and outcome.needs_follow_up:
        follow_up_create(owner=agent, due_at=next_action_at, note=f"{outcome.label}: {debtor.full_name}", record=debtor)
    return gestion


def _check_call(*, call: CallLog, debtor: Debtor, agent: User) -> None:
    # Runs with the debtor locked: two gestiones of this debtor cannot both take the same call.
    debtor_type = ContentType.objects.get_for_model(Debtor)
    if call.user_id != agent.pk:
        raise ValidationError({"call": "Esa llamada no es tuya."})
    if call.content_type_id != debtor_type.pk or call.object_id != str(debtor.pk):
        raise ValidationError({"call": "Esa llamada no fue a este deudor."})
    if Gestion.objects.filter(call=call).exists():
        raise ValidationError({"call": "Esa llamada ya tiene su gestión."})


def assignment_split(*, total: int, agents: list[User]) -> list[tuple[User, int]]:
    """How ``total`` debtors spread evenly over ``agents`` (the first ones take the remainder)."""
    if not agents:
        return []
    share, extra = divmod(total, len(agents))
    return [(agent, share + (1 if index < extra else 0)) for index, agent in enumerate(agents)]


@transaction.atomic
def debtors_assign(*, debtors, agents: list[User], by: User) -> dict[int, int]:
    """Assign the debtors of a (filtered, visible) queryset evenly over ``agents``, round-robin
    in balance order (biggest first) so every agent gets a similar mix; history records it."""
    from simple_history.utils import bulk_update_with_history

    agents = list(agents)
    if not agents:
        raise ValidationError({"agents": "Elige al menos un agente."})
    wrong = [a for a in agents if a.role != Role.AGENTE or not a.is_active]
    if wrong:
        raise ValidationError({"agents": f"Solo se asigna a agentes activos: {', '.join(map(str, wrong))}."})
    chosen = Debtor.objects.filter(pk__in=debtors.values("pk"))
    rows = list(chosen.select_for_update().order_by("-amount_due", "pk").only("pk", "amount_due", "assigned_agent"))
    if not rows:
        raise ValidationError("No hay deudores con estos filtros.")
    counts = {agent.pk: 0 for agent in agents}
    for index, debtor in enumerate(rows):
        agent = agents[index % len(agents)]
        debtor.assigned_agent = agent
        counts[agent.pk] += 1
    bulk_update_with_history(
        rows, Debtor, ["assigned_agent"], batch_size=1000, default_user=by, default_change_reason="Asignación masiva"
    )
    return counts

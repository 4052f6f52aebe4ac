"""Payment agreements and payments: schedules that add up to the cent, discount limits with
supervisor approval, and payments applied to the oldest open instalments."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cartera.choices import AgreementStatus, Frequency
from cartera.models import CarteraSettings, Debtor, Instalment, Payment, PaymentAgreement, PaymentAllocation
from core.choices import NotificationKind
from core.models import User
from core.roles import Role
from core.services import notification_create

CENT = Decimal("0.01")


def add_period(start: date, frequency: str, periods: int) -> date:
    if frequency == Frequency.WEEKLY:
        return start + timedelta(weeks=periods)
    if frequency == Frequency.BIWEEKLY:
        return start + timedelta(weeks=2 * periods)
    month = start.month - 1 + periods
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))  # 31 Jan → 28/29 Feb


def schedule(*, amount: Decimal, count: int, first_due: date, frequency: str) -> list[tuple[date, Decimal]]:
    """``count`` instalments summing exactly to ``amount``: equal cents, the remainder on the last."""
    if count < 1:
        raise ValidationError({"instalments_count": "Debe haber al menos una cuota."})
    share = (amount / count).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [share] * (count - 1) + [amount - share * (count - 1)]
    return [(add_period(first_due, frequency, i), value) for i, value in enumerate(amounts)]


def max_discount_for(user: User, config: CarteraSettings) -> Decimal:
    if user.is_admin_role:
        return Decimal(100)
    if user.role == Role.SUPERVISOR:
        return config.max_discount_supervisor
    return config.max_discount_agent


@transaction.atomic
def agreement_create(
    *,
    debtor: Debtor,
    user: User,
    discount_pct: Decimal,
    instalments_count: int,
    first_due_date: date,
    frequency: str = Frequency.MONTHLY,
    down_payment: Decimal = Decimal(0),
    notes: str = "",
) -> PaymentAgreement:
    debtor = (
        Debtor.objects.select_for_update(of=("self",)).select_related("campaign", "assigned_agent").get(pk=debtor.pk)
    )
    errors = {}
    if debtor.agreements.filter(status__in=[AgreementStatus.ACTIVE, AgreementStatus.PENDING_APPROVAL]).exists():
        raise ValidationError("El deudor ya tiene un acuerdo vigente o pendiente de aprobación.")
    if debtor.amount_due <= 0:
        raise ValidationError("El deudor no tiene saldo pendiente.")
    if not Decimal(0) <= discount_pct < Decimal(100):
        errors["discount_pct"] = "El descuento debe estar entre 0 y 99,99 %."
    negotiated = (debtor.amount_due * (Decimal(100) - discount_pct) / Decimal(100)).quantize(CENT)
    if down_payment < 0 or down_payment >= negotiated:
        errors["down_payment"] = "La prima debe ser menor que el monto negociado."
    if first_due_date < timezone.localdate():
        errors["first_due_date"] = "La primera cuota no puede vencer en el pasado."
    if not 1 <= instalments_count <= 60:
        errors["instalments_count"] = "Entre 1 y 60 cuotas."
    if errors:
        raise ValidationError(errors)
    config = CarteraSettings.objects.filter(campaign=debtor.campaign).first() or CarteraSettings()
    needs_approval = discount_pct > max_discount_for(user, config)
    agreement = PaymentAgreement(
        debtor=debtor,
        created_by=user,
        debt_at_signing=debtor.amount_due,
        discount_pct=discount_pct,
        negotiated_amount=negotiated,
        down_payment=down_payment,
        instalments_count=instalments_count,
        frequency=frequency,
        first_due_date=first_due_date,
        status=AgreementStatus.PENDING_APPROVAL if needs_approval else AgreementStatus.ACTIVE,
        notes=notes,
    )
    agreement.full_clean()
    agreement.save()
    rows = (
        [Instalment(agreement=agreement, number=0, due_date=timezone.localdate(), amount=down_payment)]
        if (down_payment > 0)
        else []
    )
    for number, (due, amount) in enumerate(
        schedule(
            amount=negotiated - down_payment, count=instalments_count, first_due=first_due_date, frequency=frequency
        ),
        start=1,
    ):
        rows.append(Instalment(agreement=agreement, number=number, due_date=due, amount=amount))
    Instalment.objects.bulk_create(rows)
    if needs_approval:
        _ask_approval(agreement, user)
    return agreement


def _ask_approval(agreement: PaymentAgreement, user: User) -> None:
    approvers = [user.supervisor] if user.supervisor_id else []
    approvers = approvers or list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True, memberships__campaign=agreement.debtor.campaign)
    )
    link = reverse("cartera:agreement_detail", args=[agreement.pk])
    for approver in approvers:
        notification_create(
            user=approver,
            text=f"{user} pide aprobar un descuento de {agreement.discount_pct:.2f} % para {agreement.debtor}.",
            link=link,
            kind=NotificationKind.ALERT,
        )


@transaction.atomic
def agreement_decide(*, agreement: PaymentAgreement, user: User, approve: bool) -> PaymentAgreement:
    agreement = PaymentAgreement.objects.select_for_update().select_related("debtor__campaign").get(pk=agreement.pk)
    if agreement.status != AgreementStatus.PENDING_APPROVAL:
        raise ValidationError("Este acuerdo no está pendiente de aprobación.")
    config = CarteraSettings.objects.filter(campaign=agreement.debtor.campaign).first() or CarteraSettings()
    if user.role not in (Role.SUPERVISOR, Role.ADMINISTRADOR) and not user.is_admin_role:
        raise ValidationError("Solo un supervisor aprueba descuentos.")
    if approve and agreement.discount_pct > max_discount_for(user, config):
        raise ValidationError(f"Tu límite de descuento es {max_discount_for(user, config)} %.")
    agreement.status = AgreementStatus.ACTIVE if approve else AgreementStatus.REJECTED
    agreement.approved_by = user
    agreement.decided_at = timezone.now()
    agreement.save()
    notification_create(
        user=agreement.created_by,
        text=f"Acuerdo de {agreement.debtor} {'aprobado' if approve else 'rechazado'} por {user}.",
        link=reverse("cartera:agreement_detail", args=[agreement.pk]),
    )
    return agreement


@transaction.atomic
def agreement_cancel(*, agreement: PaymentAgreement, user: User) -> PaymentAgreement:
    agreement = PaymentAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status in (AgreementStatus.FULFILLED, AgreementStatus.CANCELLED):
        raise ValidationError("Este acuerdo ya está cerrado.")
    agreement.status = AgreementStatus.CANCELLED
    agreement._change_reason = f"Anulado por {user}"
    agreement.save()
    return agreement


@transaction.atomic
def payment_register(
    *, agreement: PaymentAgreement, user: User, amount: Decimal, paid_on: date, method: str, reference: str = ""
) -> Payment:
    """Apply a payment to the oldest open instalments (partial payments kept); refuse one that
    exceeds what is owed. Fulfilling the agreement settles and closes the debtor."""
    agreement = PaymentAgreement.objects.select_for_update().select_related("debtor").get(pk=agreement.pk)
    if agreement.status != AgreementStatus.ACTIVE:
        raise ValidationError("Solo se registran pagos en acuerdos vigentes.")
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "El monto debe ser mayor que cero."})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "La fecha de pago no puede ser futura."})
    open_instalments = list(agreement.instalments.select_for_update().order_by("number"))
    owed = sum((i.pending for i in open_instalments if not i.paid), Decimal(0))
    if amount > owed:
        raise ValidationError({"amount": f"El pago supera lo adeudado: el saldo pendiente es {owed:,.2f}."})
    payment = Payment(
        agreement=agreement, amount=amount, paid_on=paid_on, method=method, reference=reference, registered_by=user
    )
    payment.full_clean()
    payment.save()
    left = amount
    for instalment in open_instalments:
        if left <= 0:
            break
        if instalment.paid:
            continue
        applied = min(left, instalment.pending)
        instalment.paid_amount += applied
        instalment.save(update_fields=["paid_amount"])
        PaymentAllocation.objects.create(payment=payment, instalment=instalment, amount=applied)
        left -= applied
    debtor = agreement.debtor
    debtor.amount_due = max(debtor.amount_due - amount, Decimal(0))
    if amount == owed:
        agreement.status = AgreementStatus.FULFILLED
        agreement.save(update_fields=["status"])
        debtor.amount_due, debtor.closed = Decimal(0), True
    debtor._change_reason = f"Pago {amount}"
    debtor.save()
    return payment

"""Agreements and payments: exact schedules, discount limits and approval, payment application."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cartera import agreements
from cartera.choices import AgreementStatus, Frequency
from cartera.models import PaymentAgreement
from cartera.tests.factories import DebtorFactory
from core.models import Notification

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    "amount, count, expected",
    [
        (D("100000"), 3, [D("33333.33"), D("33333.33"), D("33333.34")]),
        (D("100.00"), 7, [D("14.28")] * 6 + [D("14.32")]),
        (D("0.05"), 3, [D("0.01"), D("0.01"), D("0.03")]),
        (D("250291"), 1, [D("250291")]),
    ],
)
def test_schedule_sums_exactly_with_rounding_on_the_last(amount, count, expected):
    rows = agreements.schedule(amount=amount, count=count, first_due=date(2026, 1, 31), frequency=Frequency.MONTHLY)
    assert [value for _, value in rows] == expected and sum(expected) == amount


@pytest.mark.parametrize(
    "frequency, dates",
    [
        (Frequency.MONTHLY, [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]),
        (Frequency.BIWEEKLY, [date(2026, 1, 31), date(2026, 2, 14), date(2026, 2, 28)]),
        (Frequency.WEEKLY, [date(2026, 1, 31), date(2026, 2, 7), date(2026, 2, 14)]),
    ],
)
def test_schedule_dates(frequency, dates):
    rows = agreements.schedule(amount=D("90"), count=3, first_due=date(2026, 1, 31), frequency=frequency)
    assert [due for due, _ in rows] == dates


def make(debtor, user, **overrides):
    values = {
        "discount_pct": D("0"),
        "instalments_count": 3,
        "first_due_date": timezone.localdate() + timedelta(days=7),
        "down_payment": D("0"),
    }
    return agreements.agreement_create(debtor=debtor, user=user, **{**values, **overrides})


def test_agreement_within_the_agents_limit_is_active(agente, campaign):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente, amount_due=D("120000"))
    agreement = make(debtor, agente, discount_pct=D("10"), down_payment=D("8000"))
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.negotiated_amount == D("108000.00")
    amounts = list(agreement.instalments.values_list("number", "amount"))
    assert amounts == [(0, D("8000.00")), (1, D("33333.33")), (2, D("33333.33")), (3, D("33333.34"))]
    assert sum(a for _, a in amounts) == agreement.negotiated_amount


def test_discount_above_the_limit_waits_for_the_supervisor(
    agente, supervisor, campaign, django_capture_on_commit_callbacks
):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente, amount_due=D("100000"))
    agreement = make(debtor, agente, discount_pct=D("25"))
    assert agreement.status == AgreementStatus.PENDING_APPROVAL
    assert Notification.objects.filter(user=supervisor, text__contains="25.00 %").exists()
    with pytest.raises(ValidationError, match="Solo un supervisor"):
        agreements.agreement_decide(agreement=agreement, user=agente, approve=True)
    approved = agreements.agreement_decide(agreement=agreement, user=supervisor, approve=True)
    assert approved.status == AgreementStatus.ACTIVE and approved.approved_by == supervisor
    assert Notification.objects.filter(user=agente, text__contains="aprobado").exists()


def test_even_a_supervisor_has_a_limit(agente, supervisor, campaign):
    agreement = make(DebtorFactory(campaign=campaign, amount_due=D("1000")), agente, discount_pct=D("40"))
    with pytest.raises(ValidationError, match="Tu límite de descuento es 30"):
        agreements.agreement_decide(agreement=agreement, user=supervisor, approve=True)
    assert agreements.agreement_decide(agreement=agreement, user=supervisor, approve=False).status == "rechazado"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"discount_pct": D("100")}, "discount_pct"),
        ({"down_payment": D("200000")}, "down_payment"),
        ({"first_due_date": date(2020, 1, 1)}, "first_due_date"),
        ({"instalments_count": 0}, "instalments_count"),
    ],
)
def test_bad_agreements_are_refused_and_nothing_is_written(agente, campaign, overrides, field):
    debtor = DebtorFactory(campaign=campaign, amount_due=D("100000"))
    with pytest.raises(ValidationError) as exc:
        make(debtor, agente, **overrides)
    assert field in exc.value.message_dict
    assert not PaymentAgreement.objects.exists()


def test_one_open_agreement_per_debtor(agente, campaign):
    debtor = DebtorFactory(campaign=campaign, amount_due=D("1000"))
    make(debtor, agente)
    with pytest.raises(ValidationError, match="ya tiene un acuerdo"):
        make(debtor, agente)


def test_payments_go_to_the_oldest_instalments_and_fulfil(agente, campaign):
    debtor = DebtorFactory(campaign=campaign, amount_due=D("90000"))
    agreement = make(debtor, agente, down_payment=D("0"))  # 3 × 30,000
    today = timezone.localdate()
    agreements.payment_register(agreement=agreement, user=agente, amount=D("45000"), paid_on=today, method="sinpe")
    paid = list(agreement.instalments.values_list("paid_amount", flat=True))
    assert paid == [D("30000.00"), D("15000.00"), D("0.00")]
    debtor.refresh_from_db()
    assert debtor.amount_due == D("45000.00")
    with pytest.raises(ValidationError, match="supera lo adeudado: el saldo pendiente es 45,000.00"):
        agreements.payment_register(
            agreement=agreement, user=agente, amount=D("45000.01"), paid_on=today, method="sinpe"
        )
    agreements.payment_register(agreement=agreement, user=agente, amount=D("45000"), paid_on=today, method="efectivo")
    agreement.refresh_from_db()
    debtor.refresh_from_db()
    assert agreement.status == AgreementStatus.FULFILLED and debtor.closed and debtor.amount_due == 0


def test_payment_bad_input(agente, campaign):
    agreement = make(DebtorFactory(campaign=campaign, amount_due=D("900")), agente)
    tomorrow = timezone.localdate() + timedelta(days=1)
    for amount, paid_on, field in [(D("0"), timezone.localdate(), "amount"), (D("10"), tomorrow, "paid_on")]:
        with pytest.raises(ValidationError) as exc:
            agreements.payment_register(
                agreement=agreement, user=agente, amount=amount, paid_on=paid_on, method="sinpe"
            )
        assert field in exc.value.message_dict
    agreements.agreement_cancel(agreement=agreement, user=agente)
    with pytest.raises(ValidationError, match="acuerdos vigentes"):
        agreements.payment_register(
            agreement=agreement, user=agente, amount=D("1"), paid_on=timezone.localdate(), method="sinpe"
        )


def test_broken_is_derived_from_grace_days_under_frozen_time(agente, campaign):
    from cartera import services

    config = services.cartera_settings_get(campaign=campaign)
    config.grace_days = 5
    config.save()
    agreement = make(DebtorFactory(campaign=campaign, amount_due=D("300")), agente)
    first_due = agreement.first_due_date
    for days_after, broken in [(0, False), (5, False), (6, True)]:
        with time_machine.travel(
            timezone.make_aware(
                timezone.datetime.combine(first_due + timedelta(days=days_after), timezone.datetime.min.time())
            ),
            tick=False,
        ):
            assert PaymentAgreement.objects.with_broken().get().is_broken is broken
    agreements.payment_register(
        agreement=agreement, user=agente, amount=D("100"), paid_on=timezone.localdate(), method="sinpe"
    )
    with time_machine.travel(
        timezone.make_aware(timezone.datetime.combine(first_due + timedelta(days=6), timezone.datetime.min.time())),
        tick=False,
    ):
        assert not PaymentAgreement.objects.broken().exists()


def test_agreement_pages(login, agente, supervisor, backoffice, campaign):
    from io import BytesIO

    from django.urls import reverse
    from openpyxl import load_workbook

    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente, amount_due=D("100000"))
    client = login(agente)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    bad = client.post(
        reverse("cartera:agreement_create", args=[debtor.pk]),
        {
            "discount_pct": "0",
            "down_payment": "200000",
            "instalments_count": "3",
            "frequency": "mensual",
            "first_due_date": due,
        },
    )
    assert bad.status_code == 200 and "La prima debe ser menor" in bad.content.decode()
    response = client.post(
        reverse("cartera:agreement_create", args=[debtor.pk]),
        {
            "discount_pct": "0",
            "down_payment": "0",
            "instalments_count": "3",
            "frequency": "mensual",
            "first_due_date": due,
        },
    )
    agreement = PaymentAgreement.objects.get()
    assert response["Location"] == reverse("cartera:agreement_detail", args=[agreement.pk])
    page = client.get(response["Location"]).content.decode()
    # Spanish number format: non-breaking-space thousands, decimal comma.
    assert "33\xa0333,33" in page and "33\xa0333,34" in page and "100\xa0000,00" in page and "Vigente" in page
    card = client.get(reverse("cartera:debtor_detail", args=[debtor.pk])).content.decode()
    assert f"#{agreement.pk} · CRC 100\xa0000,00" in card
    rows = list(load_workbook(BytesIO(client.get(response["Location"] + "?export=xlsx").content)).active.values)
    assert [row[2] for row in rows[1:]] == [33333.33, 33333.33, 33333.34]
    cashier = login(backoffice)
    over = cashier.post(
        reverse("cartera:payment_create", args=[agreement.pk]),
        {"amount": "100000.01", "paid_on": timezone.localdate().isoformat(), "method": "sinpe"},
    )
    assert over.status_code == 400 and "supera lo adeudado" in over.content.decode()
    cashier.post(
        reverse("cartera:payment_create", args=[agreement.pk]),
        {"amount": "40000", "paid_on": timezone.localdate().isoformat(), "method": "sinpe", "reference": "SINPE-1"},
    )
    assert agreement.payments.get().reference == "SINPE-1"
    listing = login(supervisor).get(reverse("cartera:agreement_list") + "?state=vigente").content.decode()
    assert debtor.full_name in listing

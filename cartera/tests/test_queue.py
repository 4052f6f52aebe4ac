"""The work queue: ordering, skipping, leases, and the gestión that closes the loop."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cartera import queue, services
from cartera.models import Debtor, Gestion, Outcome
from cartera.tests.factories import DebtorFactory, DebtorPhoneFactory
from core.models import FollowUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcomes(campaign):
    services.outcomes_seed(campaign=campaign)
    return {o.code: o for o in Outcome.objects.filter(campaign=campaign)}


def claim(agent, campaign):
    debtor = queue.next_debtor(agent=agent, campaign=campaign)
    if debtor is not None:
        queue.lease_release(debtor=debtor, agent=agent)
    return debtor


def test_order_is_effective_priority_then_oldest_contact(agente, campaign):
    now = timezone.now()
    late = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1, last_contact_at=now - timedelta(hours=2))
    early = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1, last_contact_at=now - timedelta(days=2))
    never = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1, last_contact_at=None)
    low = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=4)
    # Not seen in imports for 4 months: NO_EXISTE, priority 20, whatever its own priority.
    gone = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=0, last_seen_at=now - timedelta(days=125))
    order = list(queue.queue_candidates(agent=agente, campaign=campaign).values_list("pk", flat=True))
    assert order == [never.pk, early.pk, late.pk, low.pk, gone.pk]


def test_skips_closed_followed_up_held_and_other_agents(agente, agente_b, campaign):
    mine = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=5)
    DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1, closed=True)
    DebtorFactory(campaign=campaign, assigned_agent=agente_b, priority=1)
    held = DebtorFactory(
        campaign=campaign, priority=1, lease_holder=agente_b, lease_until=timezone.now() + timedelta(minutes=5)
    )
    later = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1)
    services.follow_up_create(owner=agente, due_at=timezone.now() + timedelta(hours=2), note="x", record=later)
    assert claim(agente, campaign) == mine
    held.lease_until = timezone.now() - timedelta(seconds=1)  # an expired lease frees the debtor
    held.save()
    assert claim(agente, campaign) == held


def test_unassigned_pool_is_configurable(agente, campaign):
    pool = DebtorFactory(campaign=campaign)
    assert claim(agente, campaign) == pool
    config = services.cartera_settings_get(campaign=campaign)
    config.unassigned_pool = False
    config.save()
    assert claim(agente, campaign) is None


def test_a_lease_holds_until_released_and_resumes(agente, agente_b, campaign):
    first = DebtorFactory(campaign=campaign, priority=1)
    second = DebtorFactory(campaign=campaign, priority=2)
    taken = queue.next_debtor(agent=agente, campaign=campaign)
    assert taken == first and taken.lease_until > timezone.now() + timedelta(minutes=14)
    assert queue.next_debtor(agent=agente, campaign=campaign) == first  # resumes, does not take another
    assert queue.next_debtor(agent=agente_b, campaign=campaign) == second
    assert not queue.lease_heartbeat(debtor=second, agent=agente)
    assert queue.lease_heartbeat(debtor=first, agent=agente)


def test_gestion_updates_the_debtor_and_releases_the_lease(agente, campaign, outcomes):
    debtor = queue.next_debtor(agent=agente, campaign=DebtorFactory(campaign=campaign).campaign)
    phone = DebtorPhoneFactory(debtor=debtor)
    gestion = services.gestion_create(
        debtor=debtor, agent=agente, outcome=outcomes["CUELGA"], phone=phone, notes="Colgó al saludar"
    )
    debtor.refresh_from_db()
    assert (debtor.last_outcome, debtor.priority, debtor.lease_holder) == (outcomes["CUELGA"], 2, None)
    assert debtor.last_contact_at == gestion.created_at
    phone.refresh_from_db()
    assert phone.last_result == "CUELGA"
    assert debtor.history.first().history_change_reason == "Gestión CUELGA"


def test_promise_needs_amount_date_and_a_follow_up_is_scheduled(agente, campaign, outcomes):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    with pytest.raises(ValidationError) as exc:
        services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["PROMESA_PAGO"])
    assert set(exc.value.message_dict) == {"promised_amount", "promised_date", "next_action_at"}
    assert not Gestion.objects.exists()
    due = timezone.now() + timedelta(days=3)
    services.gestion_create(
        debtor=debtor,
        agent=agente,
        outcome=outcomes["PROMESA_PAGO"],
        promised_amount=Decimal("50000"),
        promised_date=timezone.localdate() + timedelta(days=3),
        next_action_at=due,
    )
    follow_up = FollowUp.objects.get(owner=agente)
    assert follow_up.record == debtor and follow_up.due_at == due
    from cartera.selectors import debtor_follow_ups

    assert list(debtor_follow_ups(debtor=debtor)) == [follow_up]


def test_closing_outcome_closes_the_debtor(agente, campaign, outcomes):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["YA_PAGO"])
    debtor.refresh_from_db()
    assert debtor.closed and claim(agente, campaign) is None


def test_a_debtor_held_by_someone_else_is_read_only(agente, agente_b, campaign, outcomes):
    debtor = queue.next_debtor(agent=agente_b, campaign=DebtorFactory(campaign=campaign).campaign)
    with pytest.raises(ValidationError, match="en gestión por"):
        services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["NC"])


def test_outcome_of_another_campaign_is_refused(agente, campaign, campaign_b, outcomes):
    foreign = Outcome.objects.create(campaign=campaign_b, code="NC", label="No contesta")
    with pytest.raises(ValidationError, match="no pertenece"):
        services.gestion_create(debtor=DebtorFactory(campaign=campaign), agent=agente, outcome=foreign)


def test_siguiente_outcome_next_in_two_clicks(login, agente, campaign, outcomes):
    first = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1, full_name="Primera Deudora")
    second = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=2, full_name="Segundo Deudor")
    client = login(agente)
    response = client.get(reverse("cartera:queue_next"))
    assert response["Location"] == reverse("cartera:debtor_detail", args=[first.pk])
    card = client.get(response["Location"]).content.decode()
    assert 'data-testid="gestion-form"' in card and "<kbd>1</kbd> NC" in card
    saved = client.post(
        reverse("cartera:gestion_create", args=[first.pk]), {"outcome": outcomes["NC"].pk, "channel": "llamada"}
    )
    assert saved["Location"] == f"{reverse('cartera:queue_next')}?campaign={campaign.pk}"
    assert client.get(saved["Location"])["Location"] == reverse("cartera:debtor_detail", args=[second.pk])


def test_gestion_form_errors_are_shown(login, agente, campaign, outcomes):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    response = login(agente).post(
        reverse("cartera:gestion_create", args=[debtor.pk]),
        {"outcome": outcomes["PROMESA_PAGO"].pk, "channel": "llamada"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Indica el monto prometido" in body and "Indica la fecha prometida" in body
    missing = login(agente).post(reverse("cartera:gestion_create", args=[debtor.pk]), {"channel": "llamada"})
    assert "Elige una tipificación" in missing.content.decode()


def test_card_held_by_another_agent_shows_the_banner(login, agente, agente_b, campaign, outcomes):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    Debtor.objects.filter(pk=debtor.pk).update(lease_holder=agente_b, lease_until=timezone.now() + timedelta(minutes=5))
    body = login(agente).get(reverse("cartera:debtor_detail", args=[debtor.pk])).content.decode()
    assert f"En gestión por {agente_b}" in body and 'data-testid="gestion-form"' not in body


def test_empty_queue_says_so(login, agente, campaign):
    body = login(agente).get(reverse("cartera:queue_next")).content.decode()
    assert "No hay deudores pendientes en Cobranza CR" in body


def test_heartbeat_endpoint(login, agente, agente_b, campaign):
    mine = queue.next_debtor(agent=agente, campaign=DebtorFactory(campaign=campaign, assigned_agent=agente).campaign)
    assert login(agente).post(reverse("cartera:lease_heartbeat", args=[mine.pk])).json() == {"held": True}
    Debtor.objects.filter(pk=mine.pk).update(lease_holder=agente_b, lease_until=timezone.now() + timedelta(minutes=5))
    assert login(agente).post(reverse("cartera:lease_heartbeat", args=[mine.pk])).status_code == 409


def test_a_debtor_just_worked_waits_the_retry_time(agente, campaign, outcomes):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    services.gestion_create(
        debtor=queue.next_debtor(agent=agente, campaign=campaign), agent=agente, outcome=outcomes["NC"]
    )
    assert claim(agente, campaign) is None
    Debtor.objects.filter(pk=debtor.pk).update(last_contact_at=timezone.now() - timedelta(minutes=61))
    assert claim(agente, campaign) == debtor


def test_working_a_pool_debtor_makes_it_the_agents(login, agente, campaign, outcomes):
    debtor = queue.next_debtor(agent=agente, campaign=DebtorFactory(campaign=campaign).campaign)
    assert debtor.assigned_agent is None
    services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["NC"])
    debtor.refresh_from_db()
    assert debtor.assigned_agent == agente
    assert login(agente).get(reverse("cartera:debtor_detail", args=[debtor.pk])).status_code == 200


def test_opening_a_card_lets_go_of_the_previous_one(login, agente, campaign):
    first = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=1)
    second = DebtorFactory(campaign=campaign, assigned_agent=agente, priority=2)
    client = login(agente)
    client.get(reverse("cartera:debtor_detail", args=[first.pk]))
    client.get(reverse("cartera:debtor_detail", args=[second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.lease_holder is None and second.lease_holder == agente


def test_gestion_and_payment_lists(login, agente, agente_b, supervisor, campaign, outcomes):
    from io import BytesIO

    from openpyxl import load_workbook

    from cartera.agreements import agreement_create, payment_register

    mine = DebtorFactory(campaign=campaign, assigned_agent=agente, full_name="Deudora Propia")
    theirs = DebtorFactory(campaign=campaign, assigned_agent=agente_b, full_name="Deudor Ajeno")
    services.gestion_create(debtor=mine, agent=agente, outcome=outcomes["CUELGA"], notes="nota-propia")
    services.gestion_create(debtor=theirs, agent=agente_b, outcome=outcomes["NC"], notes="nota-ajena")
    deal = agreement_create(
        debtor=mine,
        user=agente,
        discount_pct=Decimal(0),
        instalments_count=2,
        first_due_date=timezone.localdate() + timedelta(days=5),
    )
    payment_register(agreement=deal, user=agente, amount=Decimal("100"), paid_on=timezone.localdate(), method="sinpe")
    client = login(agente)
    body = client.get(reverse("cartera:gestion_list")).content.decode()
    assert "nota-propia" in body and "nota-ajena" not in body  # agents see their own
    team = login(supervisor).get(reverse("cartera:gestion_list") + "?outcome=nc").content.decode()
    assert "nota-ajena" in team and "nota-propia" not in team
    rows = list(
        load_workbook(BytesIO(client.get(reverse("cartera:payment_list") + "?export=xlsx").content)).active.values
    )
    assert rows[1][1:4] == ("Deudora Propia", deal.pk, 100)
    bad = client.get(reverse("cartera:payment_list") + "?date_from=ayer&method=oro")
    assert bad.status_code == 200 and "No hay pagos" in bad.content.decode()


@pytest.mark.parametrize(
    "settings_kwargs",
    [
        {},
        {"unassigned_pool": False},
        # an inactivity state that outranks active debtors, and two states that tie with them
        {"no_existe_priority": 0, "sin_red_priority": 2, "no_contacto_priority": 2},
    ],
)
def test_claims_follow_the_full_queue_order(agente, agente_b, campaign, settings_kwargs):
    """next_debtor reads the queue in pieces (per owner and inactivity state); it must hand out
    exactly what the one-query order says, one debtor after another until the queue is empty."""
    import random

    config = services.cartera_settings_get(campaign=campaign)
    for name, value in settings_kwargs.items():
        setattr(config, name, value)
    config.save()
    rng = random.Random(7)
    now = timezone.now()
    for _ in range(60):
        DebtorFactory(
            campaign=campaign,
            assigned_agent=rng.choice([agente, agente, None, agente_b]),
            priority=rng.choice([1, 1, 2, 3, 5]),
            closed=rng.random() < 0.1,
            last_contact_at=rng.choice([None, now - timedelta(days=rng.randint(1, 30)), now - timedelta(minutes=5)]),
            last_seen_at=now - timedelta(days=rng.choice([1, 1, 1, 100, 200, 300])),
        )
    for debtor in Debtor.objects.order_by("?")[:20]:  # follow-ups ahead, overdue and done
        due = now + timedelta(hours=rng.choice([-30, -2, 2, 30]))
        follow_up = FollowUp.objects.create(owner=agente, due_at=due, note="x", record=debtor)
        if rng.random() < 0.3:
            FollowUp.objects.filter(pk=follow_up.pk).update(done_at=now)
    handed = 0
    while True:
        expected = queue.queue_candidates(agent=agente, campaign=campaign).first()
        debtor = queue.next_debtor(agent=agente, campaign=campaign)
        assert debtor == expected
        if debtor is None:
            break
        Debtor.objects.filter(pk=debtor.pk).update(closed=True, lease_holder=None, lease_until=None)
        handed += 1
    assert handed > 10

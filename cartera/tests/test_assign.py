"""Bulk assignment by filters, spread evenly, with history."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cartera import services
from cartera.models import Debtor
from cartera.tests.factories import DebtorFactory

pytestmark = pytest.mark.django_db


def test_split_is_even_with_the_remainder_first(agente, agente_b):
    assert [(a.username, n) for a, n in services.assignment_split(total=7, agents=[agente, agente_b])] == [
        ("agente", 4),
        ("agente_b", 3),
    ]
    assert services.assignment_split(total=5, agents=[]) == []


def test_assign_spreads_evenly_and_records_history(supervisor, agente, agente_b, campaign):
    for amount in range(1, 8):
        DebtorFactory(campaign=campaign, amount_due=Decimal(amount * 1000))
    counts = services.debtors_assign(debtors=Debtor.objects.all(), agents=[agente, agente_b], by=supervisor)
    assert counts == {agente.pk: 4, agente_b.pk: 3}
    biggest = Debtor.objects.order_by("-amount_due")
    assert [d.assigned_agent for d in biggest[:2]] == [agente, agente_b]  # round-robin by balance
    record = biggest[0].history.first()
    assert record.history_change_reason == "Asignación masiva" and record.history_user == supervisor


def test_assign_refuses_non_agents_and_empty_sets(supervisor, backoffice, agente, campaign):
    with pytest.raises(ValidationError, match="No hay deudores"):
        services.debtors_assign(debtors=Debtor.objects.none(), agents=[agente], by=supervisor)
    DebtorFactory(campaign=campaign)
    with pytest.raises(ValidationError) as exc:
        services.debtors_assign(debtors=Debtor.objects.all(), agents=[backoffice], by=supervisor)
    assert "agents" in exc.value.message_dict
    assert not Debtor.objects.filter(assigned_agent__isnull=False).exists()


def test_assign_page_filters_previews_and_assigns(login, supervisor, agente, agente_b, outsider, campaign):
    for _ in range(5):
        DebtorFactory(campaign=campaign, city="Heredia")
    DebtorFactory(campaign=campaign, city="Limón")
    client = login(supervisor)
    url = reverse("cartera:debtors_assign") + "?city=Heredia&unassigned=true"
    page = client.get(url).content.decode()
    assert 'data-testid="assign-total">5<' in page and "Recibirá" in page
    assert str(outsider) not in page  # only the supervisor's own agents are offered
    response = client.post(url, {"agents": [agente.pk, agente_b.pk]})
    assert response.status_code == 302
    counts = sorted(Debtor.objects.filter(city="Heredia", assigned_agent=a).count() for a in (agente, agente_b))
    assert counts == [2, 3]
    assert Debtor.objects.get(city="Limón").assigned_agent is None
    foreign = client.post(url, {"agents": [outsider.pk]})
    assert foreign.status_code == 200 and "Escoja una opción válida" in foreign.content.decode()

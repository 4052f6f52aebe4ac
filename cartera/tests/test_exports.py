"""Big Excel exports of the collections lists run in the background with exactly the rows the
user's filtered list shows: same scoping, same filters, same order as the direct download."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cartera import services
from cartera.agreements import agreement_create, payment_register
from cartera.models import Outcome
from cartera.tests.factories import DebtorFactory, GestionFactory
from core.choices import ExportStatus
from core.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(users, campaign):
    """Debtors, gestiones, agreements and payments of two agents of the team, and an outsider's."""
    services.outcomes_seed(campaign=campaign)
    outcomes = {o.code: o for o in Outcome.objects.filter(campaign=campaign)}
    now = timezone.now()
    for agent, count in ((users["agente"], 4), (users["agente_b"], 3)):
        for n in range(count):
            debtor = DebtorFactory(campaign=campaign, assigned_agent=agent, full_name=f"{agent.username} deudor {n}")
            for step, code in enumerate(("NC", "PROMESA_PAGO")):
                GestionFactory(
                    debtor=debtor,
                    agent=agent,
                    outcome=outcomes[code],
                    notes=f"nota de {agent.username}",
                    created_at=now - timedelta(hours=n * 3 + step),
                )
            if n < 2:
                deal = agreement_create(
                    debtor=debtor,
                    user=agent,
                    discount_pct=Decimal(0),
                    instalments_count=2,
                    first_due_date=timezone.localdate() + timedelta(days=5),
                )
                payment_register(
                    agreement=deal, user=agent, amount=Decimal("1000"), paid_on=timezone.localdate(), method="sinpe"
                )
    GestionFactory(debtor=DebtorFactory(assigned_agent=users["outsider"]), agent=users["outsider"], notes="ajena")


def rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.values)


def both_exports(client, url, settings, capture) -> tuple[list, list, ExportJob]:
    """The same list exported directly and through a background job."""
    settings.EXPORT_SYNC_MAX_ROWS = 100_000
    direct = rows_of(client.get(url).content)
    settings.EXPORT_SYNC_MAX_ROWS = 1
    with capture(execute=True):
        response = client.get(url)
    job = ExportJob.objects.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == reverse("core:export_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error
    return direct, rows_of(job.file.read()), job


@pytest.mark.parametrize(
    ("role", "name", "query"),
    [
        ("supervisor", "cartera:gestion_list", ""),
        ("supervisor", "cartera:gestion_list", "outcome=promesa_pago&agent={agente_b}"),
        ("agente", "cartera:gestion_list", ""),
        ("supervisor", "cartera:debtor_list", ""),
        ("backoffice", "cartera:debtor_list", "q=agente_b"),
        ("agente", "cartera:agreement_list", ""),
        ("supervisor", "cartera:payment_list", ""),
        ("admin", "cartera:payment_list", "method=sinpe"),
    ],
)
def test_background_export_has_the_rows_of_the_direct_download(
    role, name, query, users, portfolio, login, settings, django_capture_on_commit_callbacks
):
    query = query.format(agente_b=users["agente_b"].pk)
    url = f"{reverse(name)}?{query}&export=xlsx" if query else f"{reverse(name)}?export=xlsx"
    direct, background, job = both_exports(login(users[role]), url, settings, django_capture_on_commit_callbacks)
    assert len(direct) > 2 and background == direct
    assert job.total_rows == job.processed_rows == len(direct) - 1 and job.query == query


def test_gestiones_export_is_scoped_and_filtered(users, portfolio, login, settings, django_capture_on_commit_callbacks):
    url = reverse("cartera:gestion_list") + "?export=xlsx"
    _, team, _ = both_exports(login(users["supervisor"]), url, settings, django_capture_on_commit_callbacks)
    assert team[0][:3] == ("Fecha", "Deudor", "Documento") and len(team) == 1 + 14
    assert {row[-1] for row in team[1:]} == {"nota de agente", "nota de agente_b"}  # not the outsider's
    _, own, _ = both_exports(login(users["agente"]), url, settings, django_capture_on_commit_callbacks)
    assert len(own) == 1 + 8 and {row[-1] for row in own[1:]} == {"nota de agente"}
    promises = reverse("cartera:gestion_list") + "?outcome=PROMESA_PAGO&export=xlsx"
    _, filtered, _ = both_exports(login(users["supervisor"]), promises, settings, django_capture_on_commit_callbacks)
    assert len(filtered) == 1 + 7 and {row[6] for row in filtered[1:]} == {"PROMESA_PAGO"}


def test_an_export_of_another_users_list_is_not_reachable(
    users, portfolio, login, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        login(users["agente"]).get(reverse("cartera:gestion_list") + "?export=xlsx")
    job = ExportJob.objects.get()
    client = login(users["agente_b"])
    assert client.get(reverse("core:export_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404

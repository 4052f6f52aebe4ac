"""Collections dashboard: exact figures on a known dataset, equal to the scoped querysets and
lists; scoping by role and campaign; bad input; query budget; the Excel export."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from cartera import agreements
from cartera.dashboard import dashboard_data, scoped_querysets
from cartera.models import Gestion, Payment, PaymentAgreement
from cartera.tests.factories import DebtorFactory, GestionFactory, OutcomeFactory
from core.choices import Module
from core.testing.access import Route, allow, check_matrix
from core.testing.factories import CampaignFactory, MembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal
TZ = ZoneInfo("America/Costa_Rica")
TODAY = date(2026, 3, 10)
FROM, TO = date(2026, 3, 1), TODAY
URL = "cartera:dashboard"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(local(TODAY, 15), tick=False):
        yield


def outcomes(campaign):
    return {
        "NC": OutcomeFactory(campaign=campaign, code="NC", label="No contesta"),
        "CONT": OutcomeFactory(campaign=campaign, code="CONT", label="Contactado", is_contact=True),
        "PROM": OutcomeFactory(campaign=campaign, code="PROM", label="Promesa", is_contact=True, is_promise=True),
    }


def deal(debtor, user, created: datetime, discount=D("0")):
    agreement = agreements.agreement_create(
        debtor=debtor, user=user, discount_pct=discount, instalments_count=3, first_due_date=date(2026, 4, 1)
    )
    PaymentAgreement.objects.filter(pk=agreement.pk).update(created_at=created)
    return agreement


def pay(agreement, user, amount, paid_on):
    return agreements.payment_register(
        agreement=agreement, user=user, amount=D(amount), paid_on=paid_on, method="sinpe"
    )


@pytest.fixture
def dataset(campaign, supervisor, agente, agente_b, outsider, backoffice, calidad, admin):
    """Range 1–10 March 2026 (Costa Rica). In range, for the supervisor's team:

    agente   4 gestiones (NC, CONT on 8/3; PROM 50 000 and NC at 23:30 on 9/3), 1 agreement
             (108 000 on 9/3), payments 36 000 (9/3) + 10 000 (10/3) + 5 000 (5/3, older agreement)
    agente_b 3 gestiones (PROM 25 000,50 on 9/3; NC, CONT on 10/3), 1 agreement (60 000 on 10/3),
             payment 20 000 (10/3)
    Out of range: agente_b's CONT at 23:30 on 28/2 (5:30 UTC on 1/3), agente's agreement of 20/2 and
    its payment of 27/2. The outsider's gestión, agreement and payment are in another campaign.
    """
    o = outcomes(campaign)
    d1 = DebtorFactory(campaign=campaign, amount_due=D("120000"))
    d2 = DebtorFactory(campaign=campaign, amount_due=D("60000"))
    d3 = DebtorFactory(campaign=campaign, amount_due=D("30000"))
    for agent, debtor, code, when, promised in [
        (agente, d1, "NC", local(date(2026, 3, 8), 9), None),
        (agente, d1, "CONT", local(date(2026, 3, 8), 10), None),
        (agente, d1, "PROM", local(date(2026, 3, 9), 11), D("50000.00")),
        (agente, d3, "NC", local(date(2026, 3, 9), 23, 30), None),
        (agente_b, d2, "PROM", local(date(2026, 3, 9), 8), D("25000.50")),
        (agente_b, d2, "NC", local(date(2026, 3, 10), 7), None),
        (agente_b, d2, "CONT", local(date(2026, 3, 10), 8), None),
        (agente_b, d2, "CONT", local(date(2026, 2, 28), 23, 30), None),
    ]:
        GestionFactory(agent=agent, debtor=debtor, outcome=o[code], created_at=when, promised_amount=promised)
    a1 = deal(d1, agente, local(date(2026, 3, 9), 11, 5), discount=D("10"))
    a2 = deal(d2, agente_b, local(date(2026, 3, 10), 8, 5))
    a3 = deal(d3, agente, local(date(2026, 2, 20), 10))
    pay(a1, agente, "36000", date(2026, 3, 9))
    pay(a1, backoffice, "10000", date(2026, 3, 10))  # who registers does not matter: who negotiated
    pay(a2, agente_b, "20000", date(2026, 3, 10))
    pay(a3, agente, "5000", date(2026, 3, 5))
    pay(a3, agente, "7000", date(2026, 2, 27))

    other = outsider.memberships.get().campaign
    debtor_out = DebtorFactory(campaign=other, amount_due=D("99999"))
    GestionFactory(
        agent=outsider,
        debtor=debtor_out,
        outcome=OutcomeFactory(campaign=other, code="PROM", is_contact=True, is_promise=True),
        created_at=local(date(2026, 3, 9), 10),
        promised_amount=D("99999"),
    )
    a_out = deal(debtor_out, outsider, local(date(2026, 3, 9), 10, 5))
    pay(a_out, outsider, "1000", date(2026, 3, 9))
    return {"a1": a1, "a2": a2, "a3": a3, "a_out": a_out, "other": other}


EXPECTED_TOTALS = {
    "gestiones": 7,
    "contacts": 4,
    "contactability": D("57.1"),
    "promises": 2,
    "promised": D("75000.50"),
    "agreements": 2,
    "negotiated": D("168000.00"),
    "recovered": D("71000.00"),
}


def by_name(rows, users):
    names = {str(user): key for key, user in users.items()}
    return {names[row["name"]]: row for row in rows}


def test_exact_figures_for_the_supervisor(dataset, supervisor, agente, agente_b):
    data = dashboard_data(user=supervisor, date_from=FROM, date_to=TO)
    assert data["totals"] == EXPECTED_TOTALS

    agents = by_name(data["by_agent"], {"agente": agente, "agente_b": agente_b})
    assert set(agents) == {"agente", "agente_b"}  # the outsider is not there
    assert agents["agente"] == {
        "agent_id": agente.pk,
        "name": str(agente),
        "gestiones": 4,
        "contacts": 2,
        "contactability": D("50.0"),
        "promises": 1,
        "promised": D("50000.00"),
        "agreements": 1,
        "negotiated": D("108000.00"),
        "recovered": D("51000.00"),
    }
    assert agents["agente_b"] == {
        "agent_id": agente_b.pk,
        "name": str(agente_b),
        "gestiones": 3,
        "contacts": 2,
        "contactability": D("66.7"),
        "promises": 1,
        "promised": D("25000.50"),
        "agreements": 1,
        "negotiated": D("60000.00"),
        "recovered": D("20000.00"),
    }


def test_every_day_of_the_range_with_zeros_and_local_dates(dataset, supervisor):
    data = dashboard_data(user=supervisor, date_from=FROM, date_to=TO)
    days = {row["day"]: row for row in data["by_day"]}
    assert list(days) == [FROM + timedelta(days=n) for n in range(10)]
    figures = ("gestiones", "contacts", "promises", "promised", "agreements", "negotiated", "recovered")
    pick = lambda row: tuple(row[key] for key in figures)  # noqa: E731
    assert pick(days[date(2026, 3, 5)]) == (0, 0, 0, D("0"), 0, D("0"), D("5000.00"))
    assert pick(days[date(2026, 3, 8)]) == (2, 1, 0, D("0"), 0, D("0"), D("0"))
    # The NC at 23:30 of 9/3 is 05:30 UTC of 10/3: it belongs to the 9th where the CRM works.
    assert pick(days[date(2026, 3, 9)]) == (3, 2, 2, D("75000.50"), 1, D("108000.00"), D("36000.00"))
    assert pick(days[date(2026, 3, 10)]) == (2, 1, 0, D("0"), 1, D("60000.00"), D("30000.00"))
    assert days[date(2026, 3, 1)]["gestiones"] == 0  # 23:30 of 28/2 is not the 1st
    assert days[date(2026, 3, 2)]["contactability"] is None
    assert days[date(2026, 3, 9)]["contactability"] == D("66.7")
    for key in figures:
        assert sum(row[key] for row in data["by_day"]) == data["totals"][key]
        assert sum(row[key] for row in data["by_agent"]) == data["totals"][key]


@pytest.mark.parametrize("role", ["supervisor", "backoffice", "admin"])
def test_figures_equal_the_scoped_querysets(dataset, users, role):
    user = users[role]
    data = dashboard_data(user=user, date_from=FROM, date_to=TO)
    gestiones = Gestion.objects.visible_to(user).filter(created_at__date__range=(FROM, TO))
    deals = PaymentAgreement.objects.visible_to(user).filter(created_at__date__range=(FROM, TO))
    payments = Payment.objects.visible_to(user).filter(paid_on__range=(FROM, TO))
    promises = gestiones.filter(outcome__is_promise=True)
    totals = data["totals"]
    assert totals["gestiones"] == gestiones.count()
    assert totals["contacts"] == gestiones.filter(outcome__is_contact=True).count()
    assert totals["promises"] == promises.count()
    assert totals["promised"] == promises.aggregate(s=Sum("promised_amount"))["s"]
    assert totals["agreements"] == deals.count()
    assert totals["negotiated"] == deals.aggregate(s=Sum("negotiated_amount"))["s"]
    assert totals["recovered"] == payments.aggregate(s=Sum("amount"))["s"]
    if role == "admin":  # the admin sees the outsider's campaign too
        assert (totals["gestiones"], totals["agreements"], totals["recovered"]) == (8, 3, D("72000.00"))
    else:
        assert totals == EXPECTED_TOTALS


def test_agreements_figure_equals_the_agreement_list(dataset, login, supervisor):
    response = login(supervisor).get(reverse("cartera:agreement_list"), {"created_from": FROM.isoformat()})
    listed = response.context["page_obj"].paginator.object_list
    data = dashboard_data(user=supervisor, date_from=FROM, date_to=TO)
    assert data["totals"]["agreements"] == listed.count() == 2
    assert data["totals"]["negotiated"] == listed.aggregate(s=Sum("negotiated_amount"))["s"]


def test_dashboard_data_is_a_handful_of_queries(dataset, supervisor, django_assert_num_queries):
    with django_assert_num_queries(6):  # 3 sources × (by day, by agent), whatever the range or agents
        dashboard_data(user=supervisor, date_from=date(2025, 3, 10), date_to=TO)


def test_campaign_filter(dataset, campaign, supervisor, agente):
    second = CampaignFactory(name="Cobranza CR 2", module=Module.CARTERA)
    MembershipFactory(user=agente, campaign=second)
    GestionFactory(
        agent=agente, debtor=DebtorFactory(campaign=second), outcome=outcomes(second)["CONT"], created_at=local(TO, 9)
    )
    everything = dashboard_data(user=supervisor, date_from=FROM, date_to=TO)
    assert (everything["totals"]["gestiones"], everything["totals"]["contacts"]) == (8, 5)
    only_first = dashboard_data(user=supervisor, date_from=FROM, date_to=TO, campaign=campaign)
    assert only_first["totals"] == EXPECTED_TOTALS
    only_second = dashboard_data(user=supervisor, date_from=FROM, date_to=TO, campaign=second)
    assert only_second["totals"]["gestiones"] == 1
    assert only_second["totals"]["contactability"] == D("100.0")
    assert only_second["totals"]["recovered"] == 0 and [r["agent_id"] for r in only_second["by_agent"]] == [agente.pk]
    gestiones, _, _ = scoped_querysets(user=supervisor, date_from=FROM, date_to=TO, campaign=second)
    assert gestiones.count() == 1


def kpi(body: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', body)
    assert match, testid
    return " ".join(match.group(1).replace("\xa0", " ").split())


def test_page_shows_the_figures_and_the_table_totals_match(dataset, login, supervisor, django_assert_max_num_queries):
    client = login(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse(URL), {"from": FROM.isoformat(), "to": TO.isoformat()})
    assert response.status_code == 200
    body = response.content.decode()
    assert kpi(body, "kpi-gestiones") == kpi(body, "total-gestiones") == "7"
    assert kpi(body, "kpi-contactability") == kpi(body, "total-contactability") == "57,1 %"
    assert kpi(body, "kpi-promises") == kpi(body, "total-promises") == "2"
    assert kpi(body, "kpi-promised") == "CRC 75 000,50" and kpi(body, "total-promised") == "75 000,50"
    assert kpi(body, "kpi-agreements") == kpi(body, "total-agreements") == "2"
    assert kpi(body, "kpi-negotiated") == "CRC 168 000,00"
    assert kpi(body, "kpi-recovered") == "CRC 71 000,00" and kpi(body, "total-recovered") == "71 000,00"
    assert body.count('data-testid="agent-row"') == 2
    assert 'data-testid="agent-table"' in body and "form-error" not in body
    assert "outsider" not in body
    charts = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', body).group(1))
    assert len(charts["days"]["labels"]) == 10 and charts["days"]["labels"][-1] == "10/03"
    assert sum(charts["days"]["gestiones"]) == 7 and sum(charts["days"]["recovered"]) == 71000.0
    assert sum(charts["agents"]["contacts"]) == 4 and len(charts["agents"]["labels"]) == 2
    assert "vendor/chart.js/chart.umd.js" in body and "js/cartera_dashboard.js" in body


def test_default_range_is_the_last_30_days(dataset, login, backoffice):
    response = login(backoffice).get(reverse(URL))
    data = response.context["data"]
    assert (data["date_from"], data["date_to"]) == (date(2026, 2, 9), TODAY)
    body = response.content.decode()
    assert 'value="2026-02-09"' in body and 'value="2026-03-10"' in body  # the form shows the range
    # 30 days back reaches the 28/2 CONT, the 20/2 agreement and the 27/2 payment.
    assert data["totals"]["gestiones"] == 8 and data["totals"]["agreements"] == 3
    assert data["totals"]["recovered"] == D("78000.00")


def test_campaign_choices_are_the_users_collections_campaigns(dataset, login, campaign, supervisor):
    client = login(supervisor)
    form = client.get(reverse(URL)).context["form"]
    # agente_b's Telefónica campaign is the team's, but not collections; the outsider's is not the team's.
    assert list(form.fields["campaign"].queryset) == [campaign]
    response = client.get(reverse(URL), {"campaign": dataset["other"].pk, "from": FROM, "to": TO})
    assert response.status_code == 200
    assert "Elige una de tus campañas de cartera." in response.content.decode()
    assert response.context["data"]["campaign"] is None
    assert response.context["data"]["totals"] == EXPECTED_TOTALS  # dates kept, still no outsider data


def test_access_matrix(client, users):
    assert check_matrix(client, users, [Route(URL, allow("supervisor", "backoffice"))]) == []


def test_an_agent_outside_the_team_is_refused(login, outsider):
    assert login(outsider).get(reverse(URL)).status_code == 403


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "mañana"}, "Fecha no válida: usa el formato AAAA-MM-DD."),
        ({"from": "2026-03-11"}, "no puede ser posterior"),  # tomorrow, up to today
        ({"from": "10/03/2026", "to": "2026-03-10"}, "Fecha no válida"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "La fecha «Desde» no puede ser posterior a «Hasta»."),
        ({"from": "2025-01-01", "to": "2026-03-10"}, "El rango máximo es de 366 días; elegiste 434."),
        ({"from": "2026-02-30"}, "Fecha no válida"),
    ],
)
def test_bad_input_shows_a_message_and_the_default_range(login, supervisor, params, message):
    response = login(supervisor).get(reverse(URL), params)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and 'data-testid="form-error"' in body
    data = response.context["data"]
    assert (data["date_from"], data["date_to"]) == (date(2026, 2, 9), TODAY)


def test_a_range_of_exactly_366_days_is_accepted(login, supervisor):
    response = login(supervisor).get(reverse(URL), {"from": "2025-03-10", "to": "2026-03-10"})
    assert "form-error" not in response.content.decode()
    assert len(response.context["data"]["by_day"]) == 366


def test_bad_campaign_is_an_error_not_a_500(login, supervisor):
    response = login(supervisor).get(reverse(URL), {"campaign": "abc"})
    assert response.status_code == 200 and "Elige una de tus campañas de cartera." in response.content.decode()


def test_excel_export_of_the_agent_table(dataset, login, supervisor, agente, agente_b):
    response = login(supervisor).get(reverse(URL), {"from": FROM, "to": TO, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="dashboard-cartera-20260301-20260310-' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Agente",
        "Gestiones",
        "Contactos",
        "Contactabilidad %",
        "Promesas",
        "Monto prometido",
        "Acuerdos",
        "Monto negociado",
        "Recuperado",
    )
    body = {row[0]: row[1:] for row in rows[1:]}
    assert list(body) == sorted([str(agente), str(agente_b)], key=str.casefold) + ["Total"]
    assert body["Total"] == (7, 4, 57.1, 2, 75000.5, 2, 168000, 71000)
    assert body[str(agente)] == (4, 2, 50, 1, 50000, 1, 108000, 51000)
    for column in range(len(body["Total"])):
        if column != 2:  # percentages do not add up
            assert sum(values[column] for name, values in body.items() if name != "Total") == body["Total"][column]


def test_amounts_of_different_currencies_are_flagged(login, admin, campaign):
    dollars = CampaignFactory(name="Cobranza USD", module=Module.CARTERA, currency="USD")
    client = login(admin)
    body = client.get(reverse(URL)).content.decode()
    assert 'data-testid="mixed-currencies"' in body and "CRC, USD" in body
    body = client.get(reverse(URL), {"campaign": dollars.pk}).content.decode()
    assert "mixed-currencies" not in body and kpi(body, "kpi-recovered") == "USD 0,00"

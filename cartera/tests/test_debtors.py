"""Debtors: derived mora and inactivity, scoping, search, list and card."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cartera import services
from cartera.models import CarteraSettings, Debtor, Outcome
from cartera.tests.factories import DebtorFactory, DebtorPhoneFactory, GestionFactory
from core.testing.access import Route, allow, assert_covered, check_matrix, everyone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "days, bucket", [(-5, ""), (0, "0-30"), (30, "0-30"), (31, "31-60"), (61, "61-90"), (180, "91-180"), (181, "180+")]
)
def test_mora_bucket_is_derived(campaign, days, bucket):
    debtor = DebtorFactory(campaign=campaign, due_date=timezone.localdate() - timedelta(days=days))
    assert Debtor.objects.with_mora().get(pk=debtor.pk).mora_bucket == bucket
    if bucket:
        assert Debtor.objects.in_bucket(bucket).filter(pk=debtor.pk).exists()


def test_inactivity_state_follows_last_seen_under_frozen_time(campaign):
    config = services.cartera_settings_get(campaign=campaign)
    debtor = DebtorFactory(campaign=campaign, priority=4)
    start = timezone.now()
    expectations = [(1, "activo", 4), (95, "NO_EXISTE", 20), (185, "SIN_RED", 21), (250, "NO_CONTACTO", 22)]
    for days, state, priority in expectations:
        with time_machine.travel(start + timedelta(days=days), tick=False):
            row = Debtor.objects.with_state(config).values("inactivity", "effective_priority").get(pk=debtor.pk)
            assert (row["inactivity"], row["effective_priority"]) == (state, priority)


def test_inactivity_months_and_priorities_are_per_campaign(campaign):
    config = CarteraSettings.objects.create(campaign=campaign, no_existe_months=1, no_existe_priority=50)
    debtor = DebtorFactory(campaign=campaign, last_seen_at=timezone.now() - timedelta(days=40))
    row = Debtor.objects.with_state(config).values("inactivity", "effective_priority").get(pk=debtor.pk)
    assert row == {"inactivity": "NO_EXISTE", "effective_priority": 50}


def test_outcomes_seed_is_idempotent(campaign):
    assert services.outcomes_seed(campaign=campaign) == 12
    assert services.outcomes_seed(campaign=campaign) == 0
    codes = dict(Outcome.objects.filter(campaign=campaign).values_list("code", "priority"))
    assert (codes["NC"], codes["CUELGA"], codes["SIN_GESTIONAR"], codes["INTERESADO"]) == (1, 2, 3, 4)
    assert codes["SERVICIOS_ACTIVOS"] == 10


def test_scoping(users, campaign):
    mine = DebtorFactory(campaign=campaign, assigned_agent=users["agente"])
    team = DebtorFactory(campaign=campaign, assigned_agent=users["agente_b"])
    pool = DebtorFactory(campaign=campaign)
    held = DebtorFactory(
        campaign=campaign, lease_holder=users["agente"], lease_until=timezone.now() + timedelta(minutes=5)
    )
    other = DebtorFactory(assigned_agent=users["outsider"])
    visible = lambda role: set(Debtor.objects.visible_to(users[role]))  # noqa: E731
    assert visible("agente") == {mine, held}
    assert visible("supervisor") == {mine, team, pool, held}  # the team's campaigns
    assert visible("backoffice") == {mine, team, pool, held}
    assert visible("admin") == {mine, team, pool, held, other}


def test_search_by_name_document_or_phone_in_any_format(login, admin, campaign):
    debtor = DebtorFactory(campaign=campaign, full_name="Rosa Quesada", document_number="511677122")
    DebtorPhoneFactory(debtor=debtor, e164="+50684501283")
    DebtorFactory(campaign=campaign, full_name="Otro Nombre")
    client = login(admin)
    for text in ["quesada", "511677122", "+506 8450-1283", "8450 1283", "(506) 84501283"]:
        body = client.get(reverse("cartera:debtor_list"), {"q": text}).content.decode()
        assert "Rosa Quesada" in body and "Otro Nombre" not in body, text


def test_list_filters_export_and_query_budget(login, supervisor, agente, campaign, django_assert_max_num_queries):
    for i in range(30):
        debtor = DebtorFactory(campaign=campaign, assigned_agent=agente if i % 2 else None, city="Heredia")
        DebtorPhoneFactory(debtor=debtor)
    DebtorFactory(campaign=campaign, due_date=timezone.localdate() - timedelta(days=100), full_name="Moroso Antiguo")
    client = login(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("cartera:debtor_list"))
    assert response.status_code == 200
    body = client.get(reverse("cartera:debtor_list"), {"bucket": "91-180"}).content.decode()
    assert "Moroso Antiguo" in body and "1 registro" in body
    assert "15 registro" in client.get(reverse("cartera:debtor_list"), {"unassigned": "false"}).content.decode()
    bad = client.get(reverse("cartera:debtor_list"), {"amount_min": "mucho", "bucket": "999"})
    assert bad.status_code == 200 and "No hay deudores" in bad.content.decode()
    rows = list(
        load_workbook(BytesIO(client.get(reverse("cartera:debtor_list") + "?export=xlsx").content)).active.values
    )
    assert rows[0][3] == "Nombre" and len(rows) == 32


def test_card_shows_phones_in_both_forms_and_the_dial_digits(login, admin, campaign):
    debtor = DebtorFactory(campaign=campaign, variables={"segmento": "A"})
    DebtorPhoneFactory(debtor=debtor, e164="+50688881234", raw="(506) 8888-1234")
    GestionFactory(debtor=debtor, notes="Dice que paga el viernes")
    body = login(admin).get(reverse("cartera:debtor_detail", args=[debtor.pk])).content.decode()
    assert "(506) 8888-1234" in body and "+50688881234" in body and ">88881234<" in body
    assert "segmento" in body and "Dice que paga el viernes" in body


def test_access_matrix(client, users, campaign):
    mine = DebtorFactory(campaign=campaign, assigned_agent=users["agente"])
    routes = [
        Route("cartera:debtor_list", everyone(200)),
        Route(
            "cartera:debtor_detail",
            {**everyone(200), "calidad": 200},
            kwargs=lambda u: {"pk": mine.pk},
        ),
    ]
    workers = {"agente": 400, "supervisor": 400, "backoffice": 403, "calidad": 403, "admin": 400}
    routes += [
        # agente: one campaign → straight to a debtor; supervisor: nothing of theirs → "empty";
        # admin: several collections campaigns → choose one.
        Route(
            "cartera:queue_next", {"agente": 302, "supervisor": 200, "backoffice": 403, "calidad": 403, "admin": 200}
        ),
        Route("cartera:gestion_create", workers, kwargs=lambda u: {"pk": mine.pk}, method="post"),
        Route(
            "cartera:lease_heartbeat",
            {"agente": 200, "supervisor": 403, "backoffice": 403, "calidad": 403, "admin": 409},
            kwargs=lambda u: {"pk": mine.pk},
            method="post",
        ),
    ]
    from datetime import date

    from cartera.agreements import agreement_create

    deal = agreement_create(
        debtor=mine, user=users["agente"], discount_pct=0, instalments_count=3, first_due_date=date(2099, 1, 1)
    )
    deal_kwargs = lambda u: {"pk": deal.pk}  # noqa: E731
    routes += [
        Route("cartera:agreement_list", everyone(200)),
        Route("cartera:debtors_assign", allow("supervisor")),
        Route("cartera:dashboard", allow("supervisor", "backoffice")),
        Route("cartera:gestion_list", everyone(200)),
        Route("cartera:payment_list", everyone(200)),
        Route("cartera:agreement_detail", everyone(200), kwargs=deal_kwargs),
        Route("cartera:agreement_create", allow("agente", "supervisor"), kwargs=lambda u: {"debtor_pk": mine.pk}),
        Route("cartera:payment_create", {**workers, "backoffice": 400}, kwargs=deal_kwargs, method="post"),
        Route("cartera:agreement_decide", allow("supervisor", status=302), kwargs=deal_kwargs, method="post"),
        Route(
            "cartera:agreement_cancel", allow("supervisor", "backoffice", status=302), kwargs=deal_kwargs, method="post"
        ),
    ]
    foreign = DebtorFactory(assigned_agent=users["outsider"])
    routes.append(Route("cartera:debtor_detail", {**everyone(404), "admin": 200}, kwargs=lambda u: {"pk": foreign.pk}))
    assert check_matrix(client, users, routes) == []
    assert_covered(routes, "cartera", exclude=_import_routes())


def _import_routes():
    """The import pages have their matrix in test_import (it needs an imported file)."""
    from core.testing.access import url_names

    return {name for name in url_names("cartera") if "import" in name}


def test_managers_only_gate(users):
    assert allow("supervisor", "backoffice")["agente"] == 403


@pytest.mark.parametrize("few", [3, 200])  # counted with a capped COUNT, or found once by id
def test_a_long_list_is_counted_only_up_to_the_cap(login, supervisor, campaign, settings, monkeypatch, few):
    from cartera.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 5)
    monkeypatch.setattr(CappedPaginator, "few", few)
    settings.PAGE_SIZE = 2
    names = [f"Deudor {letter}" for letter in "ABCDEFGHIJKL"]
    for name in reversed(names):
        DebtorFactory(campaign=campaign, full_name=name)
    client = login(supervisor)
    first = client.get(reverse("cartera:debtor_list")).content.decode()
    assert "1–2 de más de 5" in first and "Página 1<" in first
    assert "Deudor A" in first and "Deudor B" in first and "Deudor C" not in first
    last = client.get(reverse("cartera:debtor_list"), {"page": 99}).content.decode()
    assert "Página 2<" in last and "Deudor C" in last and "usa los filtros" in last  # no further than the cap
    monkeypatch.setattr(CappedPaginator, "cap", 50)
    second = client.get(reverse("cartera:debtor_list"), {"page": 2}).content.decode()
    assert "3–4 de 12" in second and "Página 2 de 6" in second and "Deudor D" in second
    none = client.get(reverse("cartera:debtor_list"), {"q": "nadie con este nombre"}).content.decode()
    assert "No hay deudores" in none


def test_an_agents_list_has_their_debtors_and_the_one_they_hold(login, agente, agente_b, campaign):
    mine = DebtorFactory(campaign=campaign, assigned_agent=agente, full_name="Deudora Asignada")
    DebtorFactory(campaign=campaign, assigned_agent=agente_b, full_name="Deudor De Otro")
    pool = DebtorFactory(campaign=campaign, full_name="Deudor Del Pool")
    client = login(agente)
    body = client.get(reverse("cartera:debtor_list")).content.decode()
    assert mine.full_name in body and pool.full_name not in body and "Deudor De Otro" not in body
    Debtor.objects.filter(pk=pool.pk).update(lease_holder=agente, lease_until=timezone.now() + timedelta(minutes=5))
    body = client.get(reverse("cartera:debtor_list")).content.decode()
    assert mine.full_name in body and pool.full_name in body and "Deudor De Otro" not in body

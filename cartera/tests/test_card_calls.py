"""Calls on the debtor card: the call buttons, the top bar's widget, and the gestión linked to a call."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cartera import selectors, services
from cartera.models import Gestion, Outcome
from cartera.tests.factories import DebtorFactory, DebtorPhoneFactory, GestionFactory
from dialer import services as dialer
from dialer.models import CallLog

pytestmark = pytest.mark.django_db

PHONE, OTHER_PHONE = "+50688881234", "+50622223333"


@pytest.fixture
def outcomes(campaign):
    services.outcomes_seed(campaign=campaign)
    return {o.code: o for o in Outcome.objects.filter(campaign=campaign)}


@pytest.fixture
def debtor(agente, campaign):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente, full_name="Rosa Mora")
    DebtorPhoneFactory(debtor=debtor, e164=PHONE)
    DebtorPhoneFactory(debtor=debtor, e164=OTHER_PHONE, is_primary=False)
    return debtor


def call_to(user, debtor=None, *, phone=PHONE, ago=60, seconds=None, status="COMPLETED"):
    """A call of ``user`` (to ``debtor`` through a dial request) started ``ago`` seconds ago,
    ended after ``seconds`` when given."""
    request_id = None
    if debtor is not None:
        request_id = dialer.dial_request_create(user=user, record=debtor, phone=phone).pk
    call, _ = dialer.call_start(
        user=user,
        call_uuid=uuid.uuid4(),
        phone=phone,
        started_at=timezone.now() - timedelta(seconds=ago),
        dial_request_id=request_id,
    )
    if seconds is not None:
        dialer.call_end(
            user=user, call_uuid=call.uuid, status=status, ended_at=call.started_at + timedelta(seconds=seconds)
        )
        call.refresh_from_db()
    return call


def card(client, debtor):
    response = client.get(reverse("cartera:debtor_detail", args=[debtor.pk]))
    assert response.status_code == 200
    return response.content.decode()


def hidden_call(html: str) -> str:
    """The call attached to the gestión form (the top bar's "Colgar" has a ``call`` field too)."""
    form = html[html.index('id="gestion-form"') :]
    return re.search(r'<input type="hidden" name="call"(?: value="(\d*)")?', form).group(1) or ""


# --- Call buttons ---------------------------------------------------------------------------


def test_with_the_workstation_connected_each_phone_dials_through_it(login, agente, debtor):
    dialer.dial_request_next(token=dialer.token_create(user=agente, name="PC-01").token)
    html = card(login(agente), debtor)
    assert 'data-testid="station-status"' in html and "Estación conectada" in html
    assert html.count('data-testid="call-button"') == 2 and "tel:" not in html
    assert f'name="phone" value="{PHONE}"' in html and 'name="record_type" value="cartera.debtor"' in html


def test_without_a_connected_workstation_the_card_offers_tel_and_manual_logging(login, agente, debtor):
    html = card(login(agente), debtor)
    assert "Estación sin conexión" in html
    assert f'href="tel:{PHONE}"' in html and f'href="tel:{OTHER_PHONE}"' in html
    assert 'data-testid="call-button"' not in html
    assert html.count('data-testid="manual-call-button"') == 2 and 'id="manual-call"' in html
    assert 'data-testid="manual-call-form"' in html


def test_an_invalid_phone_has_no_call_button_and_no_phones_no_manual_dialog(login, agente, campaign):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    DebtorPhoneFactory(debtor=debtor, e164=PHONE, invalid=True)
    html = card(login(agente), debtor)
    assert 'data-testid="call-action"' not in html and 'id="manual-call"' not in html


# --- The widget -----------------------------------------------------------------------------


def test_a_page_loaded_mid_call_draws_the_running_call(login, agente, debtor, settings):
    settings.DIALER_TIMER_YELLOW_SECONDS, settings.DIALER_TIMER_RED_SECONDS = 90, 200
    call = call_to(agente, debtor, ago=75)
    for url in (reverse("cartera:debtor_detail", args=[debtor.pk]), reverse("core:home")):
        html = login(agente).get(url).content.decode()
        widget = re.search(r'<div id="call-widget"[^>]*>', html).group(0)
        assert "d-flex" in widget and 'data-state="call"' in widget
        assert f'data-call-id="{call.pk}"' in widget
        started = timezone.localtime(call.started_at).isoformat()
        assert f'data-started-at="{started}"' in widget
        assert 'data-yellow="90" data-red="200"' in widget
        assert f'name="call" value="{call.pk}"' in html  # "Colgar" names it


def test_the_widget_is_hidden_without_a_call_and_ignores_stale_ones(login, agente, agente_b, debtor):
    call_to(agente, debtor, ago=60, seconds=30)  # ended
    call_to(agente, ago=5 * 3600)  # never ended (its end was lost): not "running" for hours
    call_to(agente_b, ago=10)  # someone else's
    for url in (reverse("cartera:debtor_detail", args=[debtor.pk]), reverse("core:home")):
        widget = re.search(r'<div id="call-widget"[^>]*>', login(agente).get(url).content.decode()).group(0)
        assert "d-none" in widget and 'data-state="idle"' in widget and "data-call-id" not in widget


def test_the_widget_is_on_every_signed_in_page_only(client, login, backoffice):
    assert 'id="call-widget"' in login(backoffice).get(reverse("core:home")).content.decode()
    client.logout()
    assert 'id="call-widget"' not in client.get(reverse("login")).content.decode()


# --- The gestión linked to the call ---------------------------------------------------------


def test_the_form_attaches_the_latest_call_to_this_debtor_without_a_gestion(login, agente, agente_b, debtor, campaign):
    other_debtor = DebtorFactory(campaign=campaign, assigned_agent=agente)
    DebtorPhoneFactory(debtor=other_debtor, e164="+50687776655")
    older = call_to(agente, debtor, ago=600, seconds=20)
    latest = call_to(agente, debtor, phone=OTHER_PHONE, ago=300, seconds=151)
    call_to(agente, other_debtor, phone="+50687776655", ago=100, seconds=5)  # another debtor
    call_to(agente_b, ago=50, seconds=5)  # another agent
    html = card(login(agente), debtor)
    assert hidden_call(html) == str(latest.pk)
    assert f"Llamada 02:31 · COMPLETADA · {OTHER_PHONE}" in html
    # The phone select follows the call (the second phone, not the primary one).
    phone_pk = debtor.phones.get(e164=OTHER_PHONE).pk
    assert re.search(rf'<option value="{phone_pk}" selected>', html)
    # Once that call has its gestión, the older one is next; with both done, none.
    GestionFactory(debtor=debtor, agent=agente, call=latest)
    assert hidden_call(card(login(agente), debtor)) == str(older.pk)
    GestionFactory(debtor=debtor, agent=agente, call=older)
    html = card(login(agente), debtor)
    assert hidden_call(html) == "" and re.search(r'd-none" data-testid="gestion-call"', html)


def test_a_call_in_progress_is_attached_too_and_old_calls_are_not(login, agente, debtor):
    with time_machine.travel(timezone.now() - timedelta(hours=13)):
        call_to(agente, debtor, ago=0, seconds=30)
    assert hidden_call(card(login(agente), debtor)) == ""
    running = call_to(agente, debtor, ago=20)
    html = card(login(agente), debtor)
    assert hidden_call(html) == str(running.pk) and "Llamada en curso" in html


def test_saving_the_gestion_links_the_call_and_the_timeline_shows_it(login, agente, debtor, outcomes):
    call = call_to(agente, debtor, ago=300, seconds=42, status="NO_ANSWER")
    client = login(agente)
    response = client.post(
        reverse("cartera:gestion_create", args=[debtor.pk]),
        {"outcome": outcomes["NC"].pk, "channel": "llamada", "call": call.pk, "then": "card"},
    )
    assert response.status_code == 302
    gestion = Gestion.objects.get()
    assert gestion.call == call
    html = card(client, debtor)
    timeline = re.search(r'data-testid="gestion-call-link">(.*?)</div>', html, re.S).group(1)
    assert "Llamada 00:42 · NO CONTESTA" in timeline and PHONE in timeline
    assert hidden_call(html) == ""  # that call is done with


def test_a_gestion_without_a_call_still_saves(login, agente, debtor, outcomes):
    response = login(agente).post(
        reverse("cartera:gestion_create", args=[debtor.pk]), {"outcome": outcomes["NC"].pk, "channel": "llamada"}
    )
    assert response.status_code == 302 and Gestion.objects.get().call is None


@pytest.mark.parametrize("whose", ["another agent's", "another debtor's", "already linked", "unknown", "garbage"])
def test_the_gestion_refuses_a_call_that_is_not_this_one(login, agente, agente_b, debtor, campaign, outcomes, whose):
    if whose == "another agent's":
        call_id = call_to(agente_b, ago=30, seconds=10).pk
        message = "Esa llamada no existe o no es tuya."
    elif whose == "another debtor's":
        other = DebtorFactory(campaign=campaign, assigned_agent=agente)
        DebtorPhoneFactory(debtor=other, e164=PHONE)
        call_id = call_to(agente, other, ago=30, seconds=10).pk
        message = "Esa llamada no fue a este deudor."
    elif whose == "already linked":
        call = call_to(agente, debtor, ago=30, seconds=10)
        GestionFactory(debtor=debtor, agent=agente, call=call)
        call_id, message = call.pk, "Esa llamada ya tiene su gestión."
    else:
        call_id = 999999 if whose == "unknown" else "x"
        message = "Esa llamada no existe o no es tuya."
    before = Gestion.objects.count()
    response = login(agente).post(
        reverse("cartera:gestion_create", args=[debtor.pk]),
        {"outcome": outcomes["NC"].pk, "channel": "llamada", "call": call_id},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Gestion.objects.count() == before
    debtor.refresh_from_db()
    assert debtor.last_outcome is None  # nothing half-written


def test_gestion_create_checks_the_call(agente, agente_b, debtor, campaign, outcomes):
    other = DebtorFactory(campaign=campaign, assigned_agent=agente)
    DebtorPhoneFactory(debtor=other, e164=PHONE)
    theirs = call_to(agente_b, ago=30, seconds=10)
    elsewhere = call_to(agente, other, ago=30, seconds=10)
    unknown_record = call_to(agente, ago=30, seconds=10)  # dialled by hand: no record
    for call, problem in [(theirs, "no es tuya"), (elsewhere, "no fue a este deudor"), (unknown_record, "no fue")]:
        with pytest.raises(ValidationError) as error:
            services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["NC"], call=call)
        assert problem in error.value.message_dict["call"][0]
    mine = call_to(agente, debtor, ago=30, seconds=10)
    gestion = services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["NC"], call=mine)
    assert gestion.call == mine and list(mine.gestiones.all()) == [gestion]
    with pytest.raises(ValidationError, match="ya tiene su gestión"):
        services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes["CUELGA"], call=mine)
    # Deleting a call (an admin's cleanup) keeps the gestión, without its call.
    CallLog.objects.filter(pk=mine.pk).delete()
    gestion.refresh_from_db()
    assert gestion.call is None


def test_card_calls_reads_both_calls_in_one_query(agente, debtor, django_assert_num_queries):
    running = call_to(agente, ago=10)  # dialled by hand: the widget's, not the form's
    linkable = call_to(agente, debtor, ago=100, seconds=20)
    with django_assert_num_queries(1):
        assert selectors.card_calls(user=agente, debtor=debtor) == (running, linkable)


# --- Query budget ---------------------------------------------------------------------------


def test_the_agent_card_stays_within_15_queries(login, agente, debtor, outcomes, django_assert_max_num_queries):
    dialer.dial_request_next(token=dialer.token_create(user=agente, name="PC-01").token)
    for code in ("NC", "CUELGA", "BUZON"):
        call = call_to(agente, debtor, ago=900, seconds=30)
        services.gestion_create(debtor=debtor, agent=agente, outcome=outcomes[code], call=call)
    call_to(agente, debtor, ago=200, seconds=40)  # for the form
    call_to(agente, debtor, ago=20)  # running: the widget
    client = login(agente)
    card(client, debtor)  # content types and sessions warmed up, as on a working day
    with django_assert_max_num_queries(15):
        html = card(client, debtor)
    assert html.count('data-testid="gestion-call-link"') == 3 and 'data-state="call"' in html

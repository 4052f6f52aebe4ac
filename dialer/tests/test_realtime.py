"""Call start/end reach the agent's screen (timer) and the supervisor's (figures) on commit."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from core.realtime import team_group, user_group
from dialer import services

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 15, 0, 0, tzinfo=UTC)


def test_start_and_end_push_the_timer_and_the_figures(
    agente, supervisor, debtor, listen, django_capture_on_commit_callbacks
):
    token = services.token_create(user=agente, name="PC-01").token
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    services.dial_request_next(token=token)
    mine, team = listen(user_group(agente.pk)), listen(team_group(supervisor.pk))
    call_uuid = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        call, _ = services.call_start(
            user=agente, call_uuid=call_uuid, phone="+50688881234", started_at=T0, dial_request_id=request.pk
        )
    started = {
        "call_id": call.pk,
        "call_uuid": str(call_uuid),
        "started_at": "2026-03-02T15:00:00Z",
        "dial_request_id": request.pk,
        "phone": "+50688881234",
        "user_id": agente.pk,
        "record": {"type": "cartera.debtor", "id": str(debtor.pk)},
    }
    assert mine() == {"type": "crm.event", "event": "call.started", "payload": started}
    assert team() == {"type": "crm.event", "event": "call.started", "payload": started}

    with django_capture_on_commit_callbacks(execute=True):
        answer = services.call_end(
            user=agente, call_uuid=call_uuid, status="COMPLETED", ended_at=T0 + timedelta(seconds=42)
        )
    ended = mine()
    assert ended["event"] == "call.ended"
    # The end's answer, plus what the card needs to attach the call to the gestión form.
    assert ended["payload"] == {
        **answer,
        "user_id": agente.pk,
        "record": {"type": "cartera.debtor", "id": str(debtor.pk)},
        "phone": "+50688881234",
        "status_label": "Completada",
        "label": "Llamada 00:42 · COMPLETADA",
    }
    assert ended["payload"]["started_at"] == "2026-03-02T15:00:00Z"
    assert ended["payload"]["ended_at"] == "2026-03-02T15:00:42Z"
    assert ended["payload"]["duration_seconds"] == 42
    figures = team()
    assert figures["event"] == "dialer.metrics"
    assert figures["payload"] == {"user_id": agente.pk, "username": "agente", "call_id": call.pk, **answer["today"]}
    assert mine() is None and team() is None


def test_a_repeated_end_pushes_nothing(agente, listen, django_capture_on_commit_callbacks):
    call, _ = services.call_start(user=agente, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=T0)
    services.call_end(user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=T0)
    mine = listen(user_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.call_end(user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=T0)
    assert mine() is None


def test_a_rolled_back_start_never_reaches_a_screen(agente, listen):
    mine = listen(user_group(agente.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.call_start(user=agente, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=T0)
        raise RuntimeError("rollback")
    assert mine() is None


def test_an_agent_without_a_team_only_reaches_their_own_screen(outsider, listen, django_capture_on_commit_callbacks):
    outsider.supervisor = None
    outsider.save()
    mine = listen(user_group(outsider.pk))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.call_start(user=outsider, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=T0)
    assert len(callbacks) == 2  # the user's screen and the widget's call flag: no team to tell
    assert mine()["event"] == "call.started"


def test_a_dial_request_wakes_the_workstations_poll(agente, debtor, listen, django_capture_on_commit_callbacks):
    wake = listen(services.dialer_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    assert wake()["payload"] == {"reason": "dial", "user_id": agente.pk}
    with django_capture_on_commit_callbacks(execute=True):
        services.hangup_request(user=agente, dial_request=request)
    assert wake() is None  # cancelled in the queue: nothing to tell the workstation

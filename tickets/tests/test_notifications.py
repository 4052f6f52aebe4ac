"""Who hears about what: bell notifications, live events, emails; internal notes reach only
support; the "about to breach" warning is a one-shot task checked when it runs."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from core.models import Notification
from core.realtime import user_group
from tickets import services
from tickets.choices import Priority, SlaTarget, Status
from tickets.conversation import comment_add
from tickets.tests.conftest import CR

pytestmark = pytest.mark.django_db


def create(requester, **kwargs):
    kwargs.setdefault("aplicativo", "crm")
    return services.ticket_create(requester=requester, title="Dialer caído", description="x", **kwargs)


def texts(user):
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("text", flat=True))


def drain(receive):
    events = []
    while (message := receive()) is not None:
        events.append((message["event"], message["payload"]))
    return events


def test_new_ticket_reaches_the_assignee_live_and_by_email(
    desk, agente, soporte, listen, django_capture_on_commit_callbacks
):
    receive = listen(user_group(soporte.pk))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(agente)
    events = drain(receive)
    created = [payload for event, payload in events if event == "notification.created"]
    assert created and created[0]["text"] == f"Se te asignó el ticket {ticket.number}: Dialer caído"
    assert created[0]["link"] == f"/tickets/{ticket.pk}/" and created[0]["unread"] == 1
    assert ("ticket.changed", {"ticket_id": ticket.pk, "number": ticket.number, "change": "created"}) in events
    assert [m.to for m in mail.outbox] == [[soporte.email]]
    assert mail.outbox[0].subject == f"[{ticket.number}] Dialer caído"
    assert f"/tickets/{ticket.pk}/" in mail.outbox[0].body
    assert texts(agente) == []  # the requester opened it: no notice of their own act


def test_a_ticket_nobody_can_take_still_reaches_its_watchers(desk, agente, soporte, soporte_b):
    from core.testing.factories import UserFactory
    from tickets.models import SupportGroupMember

    SupportGroupMember.objects.filter(user=soporte_b).update(active=False)
    soporte.is_active = False  # nobody can take it: it waits in the group's queue
    soporte.save()
    watcher = UserFactory(username="miron")
    ticket = create(agente, watchers=[watcher])
    assert ticket.assignee is None
    assert texts(watcher) == [f"Nuevo ticket {ticket.number}: Dialer caído"]
    assert texts(soporte_b) == [] and texts(soporte) == []  # inactive members and users are out of the queue


def test_public_reply_and_status_change_reach_requester_and_watchers(
    desk, agente, agente_b, soporte, listen, django_capture_on_commit_callbacks
):
    ticket = create(agente, watchers=[agente_b])
    mail.outbox.clear()
    Notification.objects.all().delete()
    receive = listen(user_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(ticket=ticket, author=soporte, body="Reinicia el softphone, por favor.")
        services.ticket_transition(ticket=ticket, by=soporte, status=Status.RESUELTO)
    reply = f"Nueva respuesta en {ticket.number} de {soporte}: Reinicia el softphone, por favor."
    resolved = f"{ticket.number} pasó de «Abierto» a «Resuelto»"
    assert texts(agente) == [reply, resolved] and texts(agente_b) == [reply, resolved]
    changes = [payload["change"] for event, payload in drain(receive) if event == "ticket.changed"]
    assert changes == ["reply", "status"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agente.email, agente_b.email] * 2)


def test_internal_notes_never_reach_the_requester(
    desk, agente, agente_b, soporte, soporte_b, listen, django_capture_on_commit_callbacks
):
    ticket = create(agente, watchers=[agente_b, soporte_b])  # soporte has it; soporte_b watches
    mail.outbox.clear()
    Notification.objects.all().delete()
    requester_events = listen(user_group(agente.pk))
    watcher_events = listen(user_group(agente_b.pk))
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(ticket=ticket, author=soporte, body="La clave del servidor es 1234", internal=True)
    assert texts(agente) == [] and texts(agente_b) == []
    assert drain(requester_events) == [] and drain(watcher_events) == []
    assert all("1234" not in m.body or m.to == [soporte_b.email] for m in mail.outbox)
    assert [m.to for m in mail.outbox] == [[soporte_b.email]]
    assert texts(soporte_b) == [f"Nota interna en {ticket.number} de {soporte}: La clave del servidor es 1234"]


def test_assignment_notice(desk, agente, soporte, soporte_b):
    ticket = create(agente)
    services.ticket_assign(ticket=ticket, by=soporte, assignee=soporte_b)
    assert texts(soporte_b)[-1] == f"Se te asignó el ticket {ticket.number}: Dialer caído"
    assert texts(agente)[-1] == f"{ticket.number} asignado a {soporte_b}"
    assert not any("asignado" in text for text in texts(soporte))  # the actor


def test_a_failing_email_does_not_undo_the_ticket(desk, agente, soporte, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tickets.tests.test_notifications.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(agente)
    assert ticket.pk and texts(soporte)


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


# --- The "about to breach" warning -------------------------------------------------------------

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=CR)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after a batch
class TestSlaWarning:
    @pytest.fixture(autouse=True)
    def database_queue(self, settings):
        settings.TASKS = DB_TASKS

    def warnings(self, task_name="ticket_sla_warn"):
        return [t for t in DBTaskResult.objects.order_by("run_after") if task_name in t.task_path]

    def test_warnings_are_one_shot_tasks_at_the_right_moments(
        self, desk, agente, soporte, django_capture_on_commit_callbacks
    ):
        with time_machine.travel(MONDAY_9, tick=False), django_capture_on_commit_callbacks(execute=True):
            ticket = create(agente, priority=Priority.ALTA)  # 60 min first response, 480 min resolution
        first, resolution = self.warnings()
        assert first.args_kwargs["kwargs"]["target"] == SlaTarget.FIRST_RESPONSE
        assert first.run_after == datetime(2026, 3, 2, 9, 48, tzinfo=CR)  # 20 % of 60 min left
        assert resolution.run_after == datetime(2026, 3, 2, 15, 24, tzinfo=CR)  # 20 % of 480 min left
        with time_machine.travel(MONDAY_9 + timedelta(minutes=30), tick=False):
            run_worker()
        assert not any("SLA" in text for text in texts(soporte))
        with time_machine.travel(datetime(2026, 3, 2, 9, 50, tzinfo=CR), tick=False):
            run_worker()
            run_worker()  # a second run sends nothing more
        warned = [text for text in texts(soporte) if "SLA" in text]
        assert warned == [f"SLA por vencer en {ticket.number}: la primera respuesta vence el 02/03 10:00"]
        assert Notification.objects.get(text=warned[0]).kind == "alert"
        assert not any("SLA" in text for text in texts(agente))  # a target of the desk, not of the requester

    def test_a_ticket_resolved_in_time_sends_nothing(self, desk, agente, soporte, django_capture_on_commit_callbacks):
        with time_machine.travel(MONDAY_9, tick=False), django_capture_on_commit_callbacks(execute=True):
            ticket = create(agente, priority=Priority.ALTA)
            comment_add(ticket=ticket, author=soporte, body="Hola")
            services.ticket_transition(ticket=ticket, by=soporte, status=Status.RESUELTO)
        with time_machine.travel(datetime(2026, 3, 2, 16, 0, tzinfo=CR), tick=False):
            run_worker()
            run_worker()
        assert not any("SLA" in text for text in texts(soporte))

    def test_a_pause_makes_the_pending_warning_stale_and_resuming_schedules_a_new_one(
        self, desk, agente, soporte, django_capture_on_commit_callbacks
    ):
        with time_machine.travel(MONDAY_9, tick=False), django_capture_on_commit_callbacks(execute=True):
            ticket = create(agente, priority=Priority.ALTA)
            comment_add(ticket=ticket, author=soporte, body="Hola")
        with (
            time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_ESPERA)
        with (
            time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=CR), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            run_worker()  # the Monday 15:24 warning: the ticket is paused, nothing is sent
            services.ticket_transition(ticket=ticket, by=soporte, status=Status.EN_PROGRESO)
        assert not any("SLA" in text for text in texts(soporte))
        ticket.refresh_from_db()
        # 420 working minutes were left; the new warning comes when 96 are left: Tuesday 14:24.
        assert ticket.resolution_due_at == datetime(2026, 3, 3, 16, 0, tzinfo=CR)
        assert self.warnings()[-1].run_after == datetime(2026, 3, 3, 14, 24, tzinfo=CR)
        with time_machine.travel(datetime(2026, 3, 3, 14, 30, tzinfo=CR), tick=False):
            run_worker()
        assert [t for t in texts(soporte) if "SLA" in t] == [
            f"SLA por vencer en {ticket.number}: la resolución vence el 03/03 16:00"
        ]

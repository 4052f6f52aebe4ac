"""Follow-ups: services, scoping, the due-time reminder task, and the pages."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from core import services
from core.models import FollowUp, Notification
from core.testing.factories import CampaignFactory, FollowUpFactory

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


def test_create_attaches_any_record(agente):
    campaign = CampaignFactory()
    follow_up = services.follow_up_create(
        owner=agente, due_at=timezone.now() + timedelta(hours=1), note="Revisar campaña", record=campaign
    )
    assert follow_up.record == campaign
    assert follow_up.history.count() == 1


def test_create_requires_a_note(agente):
    with pytest.raises(Exception) as exc:
        services.follow_up_create(owner=agente, due_at=timezone.now(), note="")
    assert "note" in exc.value.message_dict
    assert not FollowUp.objects.exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after a batch
class TestReminderTask:
    @pytest.fixture(autouse=True)
    def database_queue(self, settings):
        settings.TASKS = DB_TASKS

    def test_reminder_is_a_one_shot_task_at_the_due_time(self, agente, django_capture_on_commit_callbacks):
        due = timezone.now() + timedelta(minutes=10)
        with django_capture_on_commit_callbacks(execute=True):
            follow_up = services.follow_up_create(owner=agente, due_at=due, note="Llamar a don Luis")
        task = DBTaskResult.objects.get()
        assert task.run_after == due
        assert task.args_kwargs["kwargs"] == {"follow_up_id": follow_up.pk}

        run_worker()  # before the due time nothing runs
        assert not Notification.objects.exists()

        with (
            time_machine.travel(due + timedelta(seconds=5), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            run_worker()
        notification = Notification.objects.get(user=agente)
        assert notification.text == "Seguimiento pendiente: Llamar a don Luis"
        assert notification.link.endswith(f"?highlight={follow_up.pk}")
        follow_up.refresh_from_db()
        assert follow_up.notified_at is not None

    def test_done_before_due_sends_nothing(self, agente, django_capture_on_commit_callbacks):
        due = timezone.now() + timedelta(minutes=5)
        with django_capture_on_commit_callbacks(execute=True):
            follow_up = services.follow_up_create(owner=agente, due_at=due, note="x")
        services.follow_up_complete(follow_up=follow_up)
        with time_machine.travel(due + timedelta(minutes=1), tick=False):
            run_worker()
        assert not Notification.objects.exists()

    def test_rescheduled_follow_up_fires_once_at_the_new_time(self, agente, django_capture_on_commit_callbacks):
        first = timezone.now() + timedelta(minutes=5)
        later = first + timedelta(hours=2)
        with django_capture_on_commit_callbacks(execute=True):
            follow_up = services.follow_up_create(owner=agente, due_at=first, note="Mover")
            services.follow_up_update(follow_up=follow_up, due_at=later, note="Mover")
        assert DBTaskResult.objects.count() == 2
        with time_machine.travel(first + timedelta(minutes=1), tick=False):
            run_worker()
        assert not Notification.objects.exists()
        with time_machine.travel(later + timedelta(minutes=1), tick=False):
            run_worker()
            run_worker()
        assert Notification.objects.filter(user=agente).count() == 1


def test_immediate_backend_reminds_at_once_when_already_due(agente, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_up_create(owner=agente, due_at=timezone.now() - timedelta(minutes=1), note="Atrasado")
    assert Notification.objects.get(user=agente).text == "Seguimiento pendiente: Atrasado"


def test_scoping(users):
    mine = FollowUpFactory(owner=users["agente"])
    teammate = FollowUpFactory(owner=users["agente_b"])
    other = FollowUpFactory(owner=users["outsider"])
    visible = lambda role: set(FollowUp.objects.visible_to(users[role]))  # noqa: E731
    assert visible("agente") == {mine}
    assert visible("supervisor") == {mine, teammate}
    assert visible("backoffice") == set()
    assert visible("admin") == {mine, teammate, other}


def test_create_page(login, agente):
    client = login(agente)
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("core:follow_up_create"), {"due_at": due, "note": "Confirmar pago"})
    assert response.status_code == 302
    assert FollowUp.objects.get(owner=agente).note == "Confirmar pago"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"due_at": "", "note": "x"}, "obligatorio"),
        ({"due_at": "mañana", "note": "x"}, "Introduzca una fecha/hora válida"),
        ({"due_at": "2020-01-01T10:00", "note": "x"}, "ya pasó"),
        ({"due_at": "2030-01-01T10:00", "note": ""}, "obligatorio"),
    ],
)
def test_create_page_bad_input(login, agente, data, message):
    response = login(agente).post(reverse("core:follow_up_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FollowUp.objects.exists()


def test_supervisor_sets_a_follow_up_for_a_team_member(login, supervisor, agente, outsider):
    client = login(supervisor)
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("core:follow_up_create"), {"owner": agente.pk, "due_at": due, "note": "Revisar"})
    assert FollowUp.objects.get().owner == agente
    response = client.post(reverse("core:follow_up_create"), {"owner": outsider.pk, "due_at": due, "note": "No"})
    assert response.status_code == 200 and FollowUp.objects.count() == 1


def test_list_filters_export_and_query_budget(login, agente, django_assert_max_num_queries):
    now = timezone.now()
    FollowUpFactory(owner=agente, due_at=now - timedelta(hours=2), note="nota-vencida")
    FollowUpFactory(owner=agente, due_at=now + timedelta(hours=2), note="nota-pendiente")
    FollowUpFactory(owner=agente, due_at=now - timedelta(hours=3), note="nota-hecha", done_at=now)
    client = login(agente)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("core:follow_up_list") + "?status=overdue").content.decode()
    assert "nota-vencida" in body and "nota-pendiente" not in body and "nota-hecha" not in body
    bad = client.get(reverse("core:follow_up_list") + "?due_from=ayer")
    assert bad.status_code == 200 and "Introduzca una fecha válida" in bad.content.decode()
    export = client.get(reverse("core:follow_up_list") + "?status=open&export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert rows[0][:2] == ("Vence", "Nota")
    assert sorted(r[1] for r in rows[1:]) == ["nota-pendiente", "nota-vencida"]


def test_toggle_with_htmx_returns_the_row(login, agente):
    follow_up = FollowUpFactory(owner=agente)
    response = login(agente).post(reverse("core:follow_up_toggle", args=[follow_up.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Hecho" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.done


def test_calendar_events(login, agente, outsider):
    inside = FollowUpFactory(owner=agente, due_at=timezone.now(), note="En rango")
    FollowUpFactory(owner=outsider, due_at=timezone.now(), note="Ajeno")
    client = login(agente)
    today = timezone.localdate()
    response = client.get(
        reverse("core:follow_up_events"),
        {"start": (today - timedelta(days=3)).isoformat(), "end": (today + timedelta(days=3)).isoformat()},
    )
    events = response.json()
    assert [e["id"] for e in events] == [inside.pk]
    assert events[0]["start"].startswith(timezone.localtime(inside.due_at).strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.parametrize(
    "query", ["", "start=hoy&end=mañana", "start=2026-01-10&end=2026-01-01", "start=2026-01-01&end=2026-06-01"]
)
def test_calendar_events_bad_input(login, agente, query):
    response = login(agente).get(reverse("core:follow_up_events") + "?" + query)
    assert response.status_code == 400 and "error" in response.json()

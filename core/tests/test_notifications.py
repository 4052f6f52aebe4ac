"""Notifications: services, the live push through notify_on_commit, pages and notices."""

from io import BytesIO

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from core import services
from core.models import Notification
from core.realtime import user_group
from core.testing.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_create_pushes_on_commit_with_the_unread_count(agente, listen, django_capture_on_commit_callbacks):
    NotificationFactory(user=agente)
    receive = listen(user_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_create(user=agente, text="Nuevo pago registrado", link="/x/")
    message = receive()
    assert message["event"] == "notification.created"
    assert message["payload"] == {
        "id": notification.pk,
        "text": "Nuevo pago registrado",
        "link": "/x/",
        "kind": "info",
        "unread": 2,
    }


def test_rolled_back_write_never_reaches_a_screen(agente, listen):
    receive = listen(user_group(agente.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notification_create(user=agente, text="No debe llegar")
        raise RuntimeError("rollback")
    assert receive() is None
    assert not Notification.objects.exists()


def test_mark_read_and_all_read(agente, listen, django_capture_on_commit_callbacks):
    first, second, third = NotificationFactory.create_batch(3, user=agente)
    receive = listen(user_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_mark_read(notification=first)
    assert receive()["payload"]["unread"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_mark_all_read(user=agente) == 2
    assert receive()["payload"]["unread"] == 0
    assert Notification.objects.unread().count() == 0


def test_notifications_are_personal(users):
    NotificationFactory(user=users["agente"])
    assert Notification.objects.visible_to(users["admin"]).count() == 0
    assert Notification.objects.visible_to(users["agente"]).count() == 1


def test_open_marks_read_and_follows_only_local_links(login, agente):
    local = NotificationFactory(user=agente, link="/seguimientos/")
    evil = NotificationFactory(user=agente, link="https://evil.example.com/")
    client = login(agente)
    assert client.post(reverse("core:notification_open", args=[local.pk]))["Location"] == "/seguimientos/"
    assert client.post(reverse("core:notification_open", args=[evil.pk]))["Location"] == reverse(
        "core:notification_list"
    )
    assert Notification.objects.unread().count() == 0


def test_list_filters_export_count_and_menu(login, agente, django_assert_max_num_queries):
    NotificationFactory(user=agente, text="aviso-leido", read_at="2026-01-01T00:00Z")
    NotificationFactory(user=agente, text="aviso-nuevo")
    client = login(agente)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("core:notification_list") + "?status=unread").content.decode()
    assert "aviso-nuevo" in body and "aviso-leido" not in body
    export = client.get(reverse("core:notification_list") + "?export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert {r[2] for r in rows[1:]} == {"aviso-leido", "aviso-nuevo"}
    assert client.get(reverse("core:notification_count")).json() == {"unread": 1}
    menu = client.get(reverse("core:notification_menu")).content.decode()
    assert "aviso-nuevo" in menu and "aviso-leido" not in menu
    bad = client.get(reverse("core:notification_list") + "?kind=nope&page=abc")
    assert bad.status_code == 200


def test_supervisor_notice_reaches_the_whole_team(login, supervisor, agente, agente_b, outsider):
    response = login(supervisor).post(
        reverse("core:notice_send"), {"audience": "team", "text": "Reunión a las 3"}, follow=True
    )
    assert "Aviso enviado a 2 persona(s)" in response.content.decode()
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"agente", "agente_b"}
    assert Notification.objects.first().text == f"Aviso de {supervisor}: Reunión a las 3"


def test_notice_to_one_person_and_bad_input(login, supervisor, agente, agente_b, outsider):
    client = login(supervisor)
    client.post(reverse("core:notice_send"), {"audience": "person", "person": agente.pk, "text": "Hola"})
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["agente"]
    empty = client.post(reverse("core:notice_send"), {"audience": "team", "text": "   "})
    assert empty.status_code == 200 and "obligatorio" in empty.content.decode()
    nobody = client.post(reverse("core:notice_send"), {"audience": "person", "text": "x"})
    assert "Elige a quién enviar el aviso" in nobody.content.decode()
    foreign = client.post(reverse("core:notice_send"), {"audience": "person", "person": outsider.pk, "text": "x"})
    assert foreign.status_code == 200 and not Notification.objects.filter(user=outsider).exists()

"""Login, lockout (django-axes), session expiry and password change."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def post_login(client, username, password, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login") + (f"?next={next_url}" if next_url else ""), data)


def test_login_page_is_spanish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="es"' in body and "Ingresar" in body and "Contraseña" in body


def test_login_then_home(client, agente, password):
    response = post_login(client, "agente", password)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200
    assert AccessLog.objects.filter(username="agente").exists()


def test_wrong_password_shows_a_spanish_error(client, agente):
    response = post_login(client, "agente", "wrong")
    assert response.status_code == 200
    assert "Por favor, introduzca un nombre de usuario y clave correctos" in response.content.decode()


def test_pages_require_login_and_return_afterwards(client, agente, password):
    response = client.get("/seguimientos/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/seguimientos/"
    response = post_login(client, "agente", password, next_url="/seguimientos/")
    assert response["Location"] == "/seguimientos/"


def test_lockout_after_five_failures_for_thirty_minutes(client, agente, password, admin):
    for _ in range(5):
        post_login(client, "agente", "wrong")
    locked = post_login(client, "agente", password)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Cuenta bloqueada temporalmente" in body and "30 minutos" in body
    assert AccessAttempt.objects.get(username="agente").failures_since_start >= 5

    # Admins see it on the activity page and can lift it.
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("core:activity") + "?tab=lockouts").content.decode()
    assert "agente" in page and "Desbloquear" in page
    client.logout()

    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert post_login(client, "agente", password).status_code == 302


def test_admin_unlock_lets_the_user_in_at_once(client, agente, admin, password):
    for _ in range(5):
        post_login(client, "agente", "wrong")
    assert post_login(client, "agente", password).status_code == 429
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("core:unlock_user"), {"username": "agente"}, follow=True)
    assert "desbloqueado" in response.content.decode()
    client.logout()
    assert post_login(client, "agente", password).status_code == 302


def test_lockout_limits_are_configurable(client, agente, password, settings):
    settings.AXES_FAILURE_LIMIT = 2
    post_login(client, "agente", "wrong")
    post_login(client, "agente", "wrong")
    assert post_login(client, "agente", password).status_code == 429


def test_session_expires_after_twelve_hours_and_returns_to_the_page(client, agente, password):
    post_login(client, "agente", password)
    assert client.get("/notificaciones/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=11, minutes=50), tick=False):
        assert client.get("/notificaciones/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=5), tick=False):
        response = client.get("/notificaciones/")
        assert response.status_code == 302 and response["Location"] == "/login/?next=/notificaciones/"
        assert "sesión terminó" in client.get(response["Location"]).content.decode()


def test_password_change(client, agente, password):
    post_login(client, "agente", password)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "Otra-Clave-Segura-91", "new_password2": "Otra-Clave-Segura-91"},
    )
    assert response.status_code == 302
    agente.refresh_from_db()
    assert agente.check_password("Otra-Clave-Segura-91")


def test_password_change_rejects_a_weak_password(client, agente, password):
    post_login(client, "agente", password)
    response = client.post(
        reverse("password_change"), {"old_password": password, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert "contraseña" in response.content.decode().lower()
    agente.refresh_from_db()
    assert agente.check_password(password)


def test_logout(client, agente, password):
    post_login(client, "agente", password)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_login_updates_last_login_without_a_history_entry(client, agente, password):
    before = agente.history.count()
    post_login(client, "agente", password)
    agente.refresh_from_db()
    assert agente.last_login is not None
    assert agente.history.count() == before


def test_activity_lists_changes_with_spanish_actions(client, admin, agente):
    agente.extension = "4321"
    agente.save()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    body = client.get(reverse("core:activity") + "?tab=changes&model=usuarios").content.decode()
    assert "Modificado" in body and "extension:  → 4321" in body and "Creado" in body

"""Each role's home page and shell: real data, own menu, query budget, error pages."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core.menu import entries_for
from core.testing.factories import FollowUpFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def menu_labels(user):
    return {entry["label"] for section in entries_for(user) for entry in section["entries"]}


def test_menus_follow_the_role(users):
    base = {
        "Inicio",
        "Mis seguimientos",
        "Calendario",
        "Notificaciones",
        "Campañas",
        "Deudores",
        "Acuerdos",
        "Gestiones",
        "Pagos",
        "Llamadas",
        "Nuevo ticket",
        "Mis tickets",
    }
    cartera_managers = {"Importar", "Importaciones", "Dashboard"}
    ticket_leads = {"Todos los tickets", "Dashboard de soporte"}
    assert menu_labels(users["agente"]) == base | {"Siguiente", "Métricas"}
    assert menu_labels(users["backoffice"]) == base | cartera_managers
    assert (
        menu_labels(users["supervisor"])
        == base | {"Siguiente", "Asignar", "Mi equipo", "Enviar aviso", "Métricas"} | cartera_managers | ticket_leads
    )
    assert menu_labels(users["admin"]) == base | cartera_managers | ticket_leads | {
        "Mi cola",
        "Métricas",
        "Asignar",
        "Enviar aviso",
        "Usuarios",
        "Actividad",
        "Admin Django",
    }
    # someone only in a Telefónica campaign does not see the Cartera section
    from core.testing.factories import MembershipFactory, UserFactory

    seller = UserFactory(username="vendedor")
    MembershipFactory(user=seller, campaign=users["agente_b"].campaigns.get(module="telefonica"))
    assert "Deudores" not in menu_labels(seller)


def test_module_entries_show_only_to_members_of_that_module(users):
    from core.menu import MenuEntry, _entries, register

    register(MenuEntry("Telefónica", "Bandeja", "core:campaign_list", "bi-inbox", module="telefonica"))
    try:
        # agente_b is in a Telefónica campaign, agente is not.
        assert any(e["label"] == "Bandeja" for s in entries_for(users["agente_b"]) for e in s["entries"])
        assert not any(e["label"] == "Bandeja" for s in entries_for(users["agente"]) for e in s["entries"])
    finally:
        del _entries[("Telefónica", "core:campaign_list")]


def test_agent_home(login, agente, outsider, django_assert_max_num_queries):
    now = timezone.localtime()
    FollowUpFactory(owner=agente, due_at=now.replace(hour=23, minute=0), note="hoy-propio")
    FollowUpFactory(owner=agente, due_at=now + timedelta(days=2), note="futuro-propio")
    FollowUpFactory(owner=outsider, due_at=now.replace(hour=23), note="hoy-ajeno")
    NotificationFactory(user=agente, text="notif-sin-leer")
    client = login(agente)
    with django_assert_max_num_queries(10):
        response = client.get("/")
    body = response.content.decode()
    assert 'data-testid="home-agente"' in body
    assert "hoy-propio" in body and "futuro-propio" not in body and "hoy-ajeno" not in body
    assert "notif-sin-leer" in body and "Cobranza CR" in body
    assert 'data-testid="role-badge">Agente<' in body
    assert 'id="bell-count" data-testid="bell-count"' in body and ">1</span>" in body


def test_supervisor_home(login, supervisor, agente, agente_b, outsider, django_assert_max_num_queries):
    FollowUpFactory(owner=agente, due_at=timezone.now() - timedelta(hours=1), note="seguimiento-del-equipo")
    client = login(supervisor)
    # The first page also reads the call log for the top bar's widget; after it the cache knows
    # the user has no call running until one starts (dialer/call_flags.py).
    client.get("/")
    with django_assert_max_num_queries(10):
        body = client.get("/").content.decode()
    assert 'data-testid="team-card"' in body
    assert str(agente) in body and str(agente_b) in body and str(outsider) not in body
    assert "seguimiento-del-equipo" in body


def test_admin_home(login, users, django_assert_max_num_queries):
    client = login(users["admin"])
    with django_assert_max_num_queries(10):
        body = client.get("/").content.decode()
    assert 'data-testid="users-by-role"' in body
    assert "Otra campaña" in body and "Telefónica CR" in body  # admins see every campaign


def test_lists_are_scoped(login, users):
    client = login(users["agente"])
    body = client.get(reverse("core:campaign_list")).content.decode()
    assert "Cobranza CR" in body and "Otra campaña" not in body
    body = login(users["supervisor"]).get(reverse("core:team")).content.decode()
    assert "agente_b" in body and "outsider" not in body
    admin_body = login(users["admin"]).get(reverse("core:user_list") + "?role=agente").content.decode()
    assert "outsider" in admin_body and ">supervisor<" not in admin_body


def test_custom_403_and_404(login, agente):
    client = login(agente)
    forbidden = client.get(reverse("core:activity"))
    assert forbidden.status_code == 403 and "Tu rol no tiene acceso" in forbidden.content.decode()
    missing = client.get("/no-existe/")
    assert missing.status_code == 404 and "Página no encontrada" in missing.content.decode()
    assert 'data-testid="sidebar"' in missing.content.decode()


@override_settings(DEBUG=False)
def test_custom_500(agente, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    urlconf = type("urls", (), {"urlpatterns": [path("boom/", boom)], "handler500": "core.views.errors.server_error"})
    settings.ROOT_URLCONF = urlconf
    client = Client(raise_request_exception=False)
    client.force_login(agente, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/boom/")
    assert response.status_code == 500 and "Error del servidor" in response.content.decode()


def test_team_list_filters_and_exports(login, supervisor, agente, agente_b):
    from io import BytesIO

    from openpyxl import load_workbook

    client = login(supervisor)
    body = client.get(reverse("core:team") + "?q=agente_b").content.decode()
    assert "agente_b" in body and ">agente<" not in body
    rows = list(load_workbook(BytesIO(client.get(reverse("core:team") + "?export=xlsx").content)).active.values)
    assert rows[0][0] == "Asesor" and {r[1] for r in rows[1:]} == {"agente", "agente_b"}

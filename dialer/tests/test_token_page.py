"""The "Tokens de estación" page: create (shown once), last seen, revoke."""

import re

import pytest
from django.urls import reverse

from dialer import services
from dialer.models import WorkstationToken
from dialer.tests.conftest import Api

pytestmark = pytest.mark.django_db


def test_the_user_menu_links_to_the_page(login, agente):
    page = login(agente).get(reverse("core:home"))
    assert reverse("dialer:token_list") in page.content.decode()


def test_create_shows_the_token_once_and_it_works(login, agente):
    client = login(agente)
    response = client.post(reverse("dialer:token_create"), {"name": "PC-07 piso 2"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = re.search(r'id="new-token"[^>]*value="([^"]+)"', html).group(1)
    token = WorkstationToken.objects.get()
    assert (token.user, token.name) == (agente, "PC-07 piso 2")
    assert secret not in token.token_hash and token.prefix in secret
    assert Api(secret).get("/api/dialer/ping").status_code == 200
    # Never again: the list shows only the prefix.
    listing = client.get(reverse("dialer:token_list")).content.decode()
    assert secret not in listing and token.display_prefix in listing


def test_a_name_is_required(login, agente):
    response = login(agente).post(reverse("dialer:token_create"), {"name": "  "})
    assert response.status_code == 400
    assert not WorkstationToken.objects.exists()


def test_the_list_shows_last_seen_and_only_ones_own_tokens(login, agente, agente_b):
    mine = services.token_create(user=agente, name="PC-01")
    services.token_create(user=agente_b, name="PC-AJENA")
    Api(mine.secret).get("/api/dialer/ping")
    html = login(agente).get(reverse("dialer:token_list")).content.decode()
    assert "PC-01" in html and "PC-AJENA" not in html
    assert "Conectada" in html


def test_revoke_stops_the_token(login, agente):
    issued = services.token_create(user=agente, name="PC-01")
    response = login(agente).post(reverse("dialer:token_revoke", args=[issued.token.pk]))
    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked
    assert Api(issued.secret).get("/api/dialer/ping").status_code == 401
    assert "Revocado" in login(agente).get(reverse("dialer:token_list")).content.decode()


def test_nobody_else_revokes_my_token(login, agente, supervisor):
    issued = services.token_create(user=agente, name="PC-01")
    response = login(supervisor).post(reverse("dialer:token_revoke", args=[issued.token.pk]))
    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert not issued.token.revoked


def test_list_query_budget(login, agente, django_assert_max_num_queries):
    for n in range(5):
        services.token_create(user=agente, name=f"PC-{n}")
    client = login(agente)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dialer:token_list")).status_code == 200

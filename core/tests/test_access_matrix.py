"""Every page of the core app × every role (ARCHITECTURE.md §4)."""

import pytest
from django.core.files.base import ContentFile

from core.exports import workbook_bytes
from core.models import ExportJob
from core.testing.access import Route, allow, assert_covered, check_matrix, everyone
from core.testing.factories import FollowUpFactory, NotificationFactory


@pytest.fixture
def records(users):
    export = ExportJob(name="seguimientos", path="/seguimientos/", created_by=users["agente"], status="done")
    export.file.save("seguimientos.xlsx", ContentFile(workbook_bytes(title="s", columns=[("Nota", "note")], rows=[])))
    return {
        "follow_up": FollowUpFactory(owner=users["agente"], note="Llamar a doña Rosa"),
        "notification": NotificationFactory(user=users["agente"], text="Hola", link="/seguimientos/"),
        "export": export,
    }


def routes(records):
    fu = records["follow_up"].pk
    note = records["notification"].pk
    export = records["export"].pk
    creator_only = {**everyone(404), "agente": 200, "admin": 200}  # an export holds what its creator saw
    not_owner = {"agente": 200, "supervisor": 200, "backoffice": 404, "calidad": 404, "admin": 200}
    return [
        Route("health", everyone(200), public=True),
        Route("login", {**everyone(302), "anonymous": 200}, public=True),
        Route("logout", {**everyone(302), "anonymous": 302}, method="post", public=True),
        Route("password_change", everyone(200)),
        Route("password_change_done", everyone(200)),
        Route("core:home", everyone(200)),
        Route("core:follow_up_list", everyone(200)),
        Route("core:follow_up_calendar", everyone(200)),
        Route("core:follow_up_events", everyone(200), query="start=2026-11-01&end=2026-12-01"),
        Route("core:follow_up_create", everyone(200)),
        Route("core:follow_up_edit", not_owner, kwargs=lambda u: {"pk": fu}),
        Route(
            "core:follow_up_toggle",
            {**not_owner, "agente": 302, "supervisor": 302, "admin": 302},
            kwargs=lambda u: {"pk": fu},
            method="post",
        ),
        Route("core:notification_list", everyone(200)),
        Route("core:notification_count", everyone(200)),
        Route("core:notification_menu", everyone(200)),
        # Notifications are personal: not even an admin opens someone else's.
        Route("core:notification_open", {**everyone(404), "agente": 302}, kwargs=lambda u: {"pk": note}, method="post"),
        Route("core:notification_read_all", everyone(302), method="post"),
        Route("core:campaign_list", everyone(200)),
        Route("core:team", allow("supervisor")),
        Route("core:notice_send", allow("supervisor")),
        Route("core:user_list", allow()),
        Route("core:activity", allow()),
        Route("core:unlock_user", allow(status=302), method="post", data={"username": "agente"}),
        Route("core:export_detail", creator_only, kwargs=lambda u: {"pk": export}),
        Route("core:export_download", creator_only, kwargs=lambda u: {"pk": export}),
        Route(
            "core:export_restart",
            {**everyone(404), "agente": 302, "admin": 302},
            kwargs=lambda u: {"pk": export},
            method="post",
        ),
    ]


def test_every_core_url_has_a_row(records):
    assert_covered(routes(records), "core")


def test_access_matrix(client, users, records):
    assert check_matrix(client, users, routes(records)) == []


def test_admin_site_is_for_admins_only(client, users):
    client.force_login(users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/").status_code == 200
    for role in ("agente", "supervisor", "backoffice", "calidad"):
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

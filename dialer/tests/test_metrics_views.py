"""The metrics pages and the call log in the browser: access for every role, the figures shown,
bad filters, the Excel export, and the live event the team table listens to."""

import re
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from core.choices import ExportStatus
from core.models import ExportJob
from core.realtime import team_group, user_group
from core.roles import Role
from core.testing.access import Route, allow, check_matrix, everyone
from core.testing.factories import UserFactory
from dialer.tests.metrics_data import (
    AGENTE_B_DAY,
    AGENTE_DAY,
    DAY,
    NOW,
    TEAM_DAY,
    local,
    make_call,
    make_calls,
)

pytestmark = pytest.mark.django_db

TWO_DAYS = "from=2026-03-01&to=2026-03-02"


def metrics_routes() -> list[Route]:
    """The access-matrix rows of the metrics pages and the call log (also checked for coverage
    in test_access_matrix.py)."""
    no_metrics = {"backoffice": 403, "calidad": 403}
    return [
        Route("dialer:metrics", allow("agente", "supervisor")),
        Route("dialer:metrics", allow("agente", "supervisor"), query=TWO_DAYS),
        # a team's table: its supervisor and the administrators
        Route("dialer:team", allow("supervisor"), kwargs=lambda u: {"supervisor_id": u["supervisor"].pk}),
        Route(
            "dialer:team",
            {**allow("supervisor"), "supervisor": 404},
            kwargs=lambda u: {"supervisor_id": u["outsider"].supervisor_id},
        ),
        # not a supervisor: no team to show
        Route(
            "dialer:team",
            {**allow("supervisor"), "supervisor": 404, "admin": 404},
            kwargs=lambda u: {"supervisor_id": u["agente"].pk},
        ),
        # one person's figures: themselves, their supervisor, the administrators
        Route("dialer:agent", {**everyone(200), **no_metrics}, kwargs=lambda u: {"user_id": u["agente"].pk}),
        Route(
            "dialer:agent",
            {"agente": 404, "supervisor": 404, "admin": 200, **no_metrics},
            kwargs=lambda u: {"user_id": u["outsider"].pk},
        ),
        Route("dialer:agent", {**everyone(404), **no_metrics}, kwargs=lambda u: {"user_id": 999_999}),
        Route("dialer:call_log", everyone(200)),
        Route("dialer:call_log", everyone(200), query="date_from=2026-03-02&status=COMPLETED"),
    ]


@pytest.fixture
def calls(users, campaign, campaign_b):
    with time_machine.travel(NOW, tick=False):
        return make_calls(users, campaign, campaign_b)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_access_matrix(client, users, calls):
    assert check_matrix(client, users, metrics_routes()) == []


def figure(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert match, f"{testid} not on the page"
    return match.group(1).strip()


def team_row(page: str, user_id: int) -> dict[str, str]:
    row = re.search(rf'<tr data-testid="team-row" data-agent-id="{user_id}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {user_id}"
    return dict(re.findall(r'data-figure="(\w+)" data-value="([^"]*)"', row.group(1)))


def as_values(figures: dict) -> dict[str, str]:
    return {name: str(-1 if value is None else value) for name, value in figures.items()}


# --- An agent's own page --------------------------------------------------------------------


def test_agent_sees_todays_figures_live(login, users, calls, frozen):
    page = login(users["agente"]).get(reverse("dialer:metrics")).content.decode()
    assert "Mis métricas" in page
    assert figure(page, "kpi-calls") == "5"
    assert figure(page, "kpi-answered") == "3"
    assert figure(page, "kpi-failed") == "1"
    assert figure(page, "kpi-aht") == "1:15"  # 75 s
    assert figure(page, "kpi-talk") == "3:45"  # 225 s
    assert figure(page, "kpi-success") == "60,0 %"
    assert 'data-live-date="2026-03-02"' in page and 'data-testid="live-badge"' in page
    assert 'id="metrics-chart-data"' in page and "chart.umd.js" in page and "dialer_metrics.js" in page
    # the latest calls of the day, the one still in progress included
    assert page.count("En curso") == 1 and "Promete pagar el viernes" in page


def test_a_past_range_is_not_live(login, users, calls, frozen):
    page = login(users["agente"]).get(reverse("dialer:metrics") + "?" + TWO_DAYS).content.decode()
    assert figure(page, "kpi-calls") == "7"
    assert figure(page, "kpi-aht") == "2:11"  # 131 s
    assert figure(page, "kpi-success") == "57,1 %"
    assert 'data-live-date=""' in page and 'data-testid="live-badge"' not in page
    assert "01/03/2026 – 02/03/2026" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-02-30", "Fecha no válida"),
        ("from=ayer&to=hoy", "Fecha no válida"),
        ("from=2026-03-02&to=2026-03-01", "no puede ser posterior"),
        ("from=2024-01-01&to=2026-03-02", "El rango máximo es de 366 días"),
        ("from=99999-01-01", "Fecha no válida"),
    ],
)
def test_bad_dates_are_a_form_error_and_the_page_shows_today(login, users, calls, frozen, query, message):
    response = login(users["agente"]).get(reverse("dialer:metrics") + "?" + query)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="form-error"' in page and message in page
    assert figure(page, "kpi-calls") == "5"  # today's figures


def test_only_from_means_up_to_today_and_only_to_means_that_day(login, users, calls, frozen):
    client = login(users["agente"])
    page = client.get(reverse("dialer:metrics") + "?from=2026-03-01").content.decode()
    assert figure(page, "kpi-calls") == "7"
    page = client.get(reverse("dialer:metrics") + "?to=2026-03-01").content.decode()
    assert figure(page, "kpi-calls") == "2"


def test_agent_detail_of_oneself_is_the_own_page_and_others_are_404(login, users, calls, frozen):
    client = login(users["agente"])
    own = client.get(reverse("dialer:agent", args=[users["agente"].pk]))
    assert own.status_code == 200 and figure(own.content.decode(), "kpi-aht") == "1:15"
    assert client.get(reverse("dialer:agent", args=[users["agente_b"].pk])).status_code == 404
    assert client.get(reverse("dialer:team", args=[users["supervisor"].pk])).status_code == 403


# --- The supervisor's team ------------------------------------------------------------------


def test_supervisor_team_table(login, users, calls, frozen, django_assert_max_num_queries):
    client = login(users["supervisor"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("dialer:metrics")).content.decode()
    assert "Métricas de mi equipo" in page and 'data-testid="live-badge"' in page
    assert team_row(page, users["agente"].pk) == as_values(AGENTE_DAY)
    assert team_row(page, users["agente_b"].pk) == as_values(AGENTE_B_DAY)
    assert f'data-agent-id="{users["outsider"].pk}"' not in page
    totals = dict(re.findall(r'data-total="(\w+)">([^<]*)<', page))
    assert totals == {
        "calls_made": "9",
        "answered": "6",
        "not_answered": "1",
        "failed": "1",
        "dropped": "1",
        "average_handle_seconds": "1:31",
        "total_talk_seconds": "9:06",
        "success_rate": "66,7 %",
    }
    assert TEAM_DAY["average_handle_seconds"] == 91 and TEAM_DAY["total_talk_seconds"] == 546
    # each row opens that agent's figures for the same period
    assert reverse("dialer:agent", args=[users["agente"].pk]) + "?from=2026-03-02&amp;to=2026-03-02" in page


def test_team_page_queries_do_not_grow_with_the_team(login, users, calls, frozen, django_assert_max_num_queries):
    for n in range(8):
        UserFactory(username=f"extra{n}", role=Role.AGENTE, supervisor=users["supervisor"])
    client = login(users["supervisor"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("dialer:metrics")).content.decode()
    assert page.count('data-testid="team-row"') == 11


def test_team_table_alone_for_htmx(login, users, calls, frozen):
    response = login(users["supervisor"]).get(reverse("dialer:metrics"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="team-metrics"') and "<html" not in page
    assert team_row(page, users["agente"].pk) == as_values(AGENTE_DAY)


def test_supervisor_sees_a_members_detail(login, users, calls, frozen):
    page = login(users["supervisor"]).get(reverse("dialer:agent", args=[users["agente_b"].pk])).content.decode()
    assert "Métricas de" in page and figure(page, "kpi-aht") == "1:56"  # 116 s
    assert reverse("dialer:team", args=[users["supervisor"].pk]) in page  # back to the team


def test_an_idle_agent_shows_dashes_not_errors(login, users, calls, frozen):
    idle = UserFactory(username="zoe", role=Role.AGENTE, supervisor=users["supervisor"])
    page = login(users["supervisor"]).get(reverse("dialer:agent", args=[idle.pk])).content.decode()
    assert figure(page, "kpi-calls") == "0" and figure(page, "kpi-aht") == "0:00"
    assert figure(page, "kpi-success") == "—" and "No hay llamadas en este período." in page


# --- The administrator ----------------------------------------------------------------------


def test_admin_overview_by_campaign_and_team(login, users, calls, frozen):
    page = login(users["admin"]).get(reverse("dialer:metrics")).content.decode()
    assert "Métricas por campaña y equipo" in page
    assert figure(page, "kpi-calls") == "10" and figure(page, "kpi-aht") == "2:29"  # 149 s
    campaign_table = page[page.index('data-testid="campaign-table"') : page.index('data-testid="team-totals-table"')]
    assert "Cobranza CR" in campaign_table and "Telefónica CR" in campaign_table and "Sin campaña" in campaign_table
    team_table = page[page.index('data-testid="team-totals-table"') :]
    assert reverse("dialer:team", args=[users["supervisor"].pk]) + "?from=2026-03-02&amp;to=2026-03-02" in team_table
    assert "1:31" in team_table  # the supervisor's team AHT


def test_admin_opens_any_team_from_the_picker(login, users, calls, frozen):
    client = login(users["admin"])
    other = users["outsider"].supervisor_id
    response = client.get(reverse("dialer:metrics") + f"?supervisor={other}&{TWO_DAYS}")
    assert response.status_code == 302
    assert response["Location"] == reverse("dialer:team", args=[other]) + "?" + TWO_DAYS
    page = client.get(response["Location"]).content.decode()
    assert team_row(page, users["outsider"].pk)["average_handle_seconds"] == "500"
    assert 'data-testid="live-badge"' not in page  # only the supervisor's own socket gets the team's events
    assert client.get(reverse("dialer:metrics") + f"?supervisor={users['agente'].pk}").status_code == 404
    assert client.get(reverse("dialer:metrics") + "?supervisor=abc").status_code == 404


# --- The call log ---------------------------------------------------------------------------


def call_ids(page: str) -> int:
    return page.count('data-testid="call-row"')


@pytest.mark.parametrize(
    "role, expected",
    [
        ("agente", 9),  # their own
        ("supervisor", 13),  # own + team
        ("backoffice", 9),  # the collections campaign's
        ("calidad", 9),
        ("admin", 14),
        ("outsider", 1),
    ],
)
def test_call_log_is_scoped(login, users, calls, frozen, settings, role, expected):
    settings.PAGE_SIZE = 50
    page = login(users[role]).get(reverse("dialer:call_log")).content.decode()
    assert call_ids(page) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("date_from=2026-03-02&date_to=2026-03-02", 10),
        ("date_from=2026-03-03", 1),
        ("date_to=2026-03-01", 2),
        ("status=COMPLETED", 7),
        ("status=IN_PROGRESS", 1),
        ("status=DROPPED", 1),
        ("provider=other", 13),
        ("provider=interphone", 0),
        ("phone=8888 1234", 13),
        ("phone=7777", 0),
    ],
)
def test_call_log_filters(login, users, calls, frozen, settings, query, expected):
    settings.PAGE_SIZE = 50
    page = login(users["supervisor"]).get(reverse("dialer:call_log") + "?" + query).content.decode()
    assert call_ids(page) == expected


def test_call_log_filters_by_agent_and_campaign(login, users, calls, frozen, campaign_b):
    client = login(users["supervisor"])
    page = client.get(reverse("dialer:call_log"), {"agent": users["agente_b"].pk}).content.decode()
    assert call_ids(page) == 3
    page = client.get(reverse("dialer:call_log"), {"campaign": campaign_b.pk}).content.decode()
    assert call_ids(page) == 3
    # someone the supervisor cannot see is not a choice: a form error, no rows, no 500
    response = client.get(reverse("dialer:call_log"), {"agent": users["outsider"].pk})
    assert response.status_code == 200 and call_ids(response.content.decode()) == 0
    assert "Corrige los filtros marcados." in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2026-13-45", "Fecha no válida"),
        ("date_from=2026-03-02&date_to=2026-03-01", "no puede ser anterior"),
        ("status=WHATEVER", "Escoja una opción válida"),
        ("agent=abc", "Escoja una opción válida"),
    ],
)
def test_call_log_bad_filters_are_messages_not_errors(login, users, calls, frozen, query, message):
    response = login(users["supervisor"]).get(reverse("dialer:call_log") + "?" + query)
    page = response.content.decode()
    assert response.status_code == 200 and message in page and call_ids(page) == 0


def test_call_log_pages_and_query_budget(login, users, calls, frozen, settings, django_assert_max_num_queries):
    settings.PAGE_SIZE = 5
    client = login(users["supervisor"])
    with django_assert_max_num_queries(12):
        first = client.get(reverse("dialer:call_log")).content.decode()
    assert call_ids(first) == 5 and "1–5 de 13" in first
    last = client.get(reverse("dialer:call_log") + "?page=3").content.decode()
    assert call_ids(last) == 3


def read(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.values)


def test_call_log_exports_to_excel(login, users, calls, frozen, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 100
    query = "agent={}&date_from=2026-03-02&date_to=2026-03-02&export=xlsx".format(users["agente"].pk)
    response = login(users["supervisor"]).get(reverse("dialer:call_log") + "?" + query)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read(response.content)
    assert rows[0] == (
        "Fecha",
        "Agente",
        "Teléfono",
        "Campaña",
        "Proveedor",
        "Estado",
        "Inicio",
        "Fin",
        "Duración (s)",
        "Notas",
    )
    assert len(rows) == 1 + 6  # a1 a2 a3 a4 a5 a8, newest first
    a8, a5, *_, a1 = rows[1:]
    fecha, agente, phone, campaign, provider, status, start, end, seconds, notes = a1
    assert (fecha.date().isoformat(), phone, campaign, provider, status, seconds, notes) == (
        "2026-03-02",
        "+50688881234",
        "Cobranza CR",
        "Otro",
        "Completada",
        120,
        "Promete pagar el viernes",
    )
    assert agente == str(users["agente"])
    assert (start.isoformat(), end.isoformat()) == ("2026-03-02T09:00:00", "2026-03-02T09:02:00")  # Costa Rica time
    assert a5[5] == "En curso" and a5[7] is None and a5[8] is None
    assert a8[6].isoformat() == "2026-03-02T23:59:50" and a8[7].isoformat() == "2026-03-03T00:00:30"


def test_a_long_call_log_is_exported_in_the_background(
    login, users, calls, frozen, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 3
    client = login(users["backoffice"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("dialer:call_log") + "?status=COMPLETED&export=xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:export_detail", args=[job.pk])
    assert job.status == ExportStatus.DONE and job.query == "status=COMPLETED"
    rows = read(job.file.read())
    # the backoffice's campaign only: agente's answered calls (a1 a2 a8 a6)
    assert sorted(row[8] for row in rows[1:]) == [40, 65, 120, 300]


# --- Live figures ---------------------------------------------------------------------------


def test_a_call_end_pushes_the_row_the_team_table_shows(
    login, users, calls, listen, frozen, django_capture_on_commit_callbacks
):
    """The team table's script replaces a row's figures with the dialer.metrics payload: the
    payload must carry the same figures the page would show for that agent after a reload."""
    agente, supervisor = users["agente"], users["supervisor"]
    team, mine = listen(team_group(supervisor.pk)), listen(user_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        make_call(agente, local(DAY, 15), 100)
    while (event := mine()) and event["event"] != "call.ended":
        pass
    while (message := team()) and message["event"] != "dialer.metrics":
        pass
    payload = message["payload"]
    assert payload["user_id"] == agente.pk and payload["date"] == "2026-03-02"
    page = login(supervisor).get(reverse("dialer:metrics")).content.decode()
    row = team_row(page, agente.pk)
    assert row == {name: str(-1 if payload[name] is None else payload[name]) for name in row}
    # 225 + 100 s over 4 answered = 81.25 → 81; 4 / 6 answered
    assert (payload["average_handle_seconds"], payload["success_rate"]) == (81, 66.7)
    # the agent's own page takes the same figures from call.ended
    assert event["payload"]["today"] == {name: payload[name] for name in event["payload"]["today"]}

"""Dialer metrics in the browser: the supervisor's team table shows a call's new figures the
moment the workstation reports its end, without reloading; the agent's own page too. Screenshots
of the metrics pages of the agent, the supervisor and the administrator, and of the call log."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from e2e_pages import sidebar_link
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]

# A workstation token for the demo agent, as the user menu would issue it (the secret is shown once).
ISSUE_TOKEN = """
from core.models import User
from dialer import services
user = User.objects.get(username="agente2")
print(user.pk, services.token_create(user=user, name="PC-E2E").secret)
"""


def clock(seconds: int) -> str:
    """The pages' m:ss / h:mm:ss."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


@pytest.fixture
def workstation(server_env, e2e_server):
    """``(user_id, post)``: the demo agent "agente2" and a function posting to the machine API
    with their workstation's token, as the dialer agent does."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ISSUE_TOKEN],
        cwd=PROJECT_DIR,
        env=server_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    user_id, secret = result.stdout.strip().splitlines()[-1].split()

    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{e2e_server}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    return int(user_id), post


def test_team_table_shows_the_new_aht_without_reloading(logged_in_page, workstation, screenshot_dir):
    agent_id, post = workstation
    page = logged_in_page("supervisor")
    page.goto("/")
    sidebar_link(page, "Métricas").click()
    expect(page).to_have_url(re.compile(r"/marcador/metricas/$"))
    expect(page.get_by_role("heading", name=re.compile("Métricas de mi equipo"))).to_be_visible()
    expect(page.locator("[data-testid=live-badge]")).to_be_visible()
    expect(page.locator("body[data-live='1']")).to_have_count(1)  # the events socket is open
    row = page.locator(f"[data-testid=team-row][data-agent-id='{agent_id}']")
    calls_before = int(row.locator("[data-figure=calls_made]").inner_text())
    page.evaluate("window.__notReloaded = true")

    # The agent's own page is open too, on another screen.
    agent_page = logged_in_page("agente2")
    agent_page.goto("/marcador/metricas/")
    expect(agent_page.locator("body[data-live='1']")).to_have_count(1)

    # The workstation reports a call of 95 seconds: start, then end.
    call_uuid = str(uuid.uuid4())
    ended_at = datetime.now(UTC).replace(microsecond=0)
    started_at = ended_at - timedelta(seconds=95)
    post("/api/calls/start", {"call_uuid": call_uuid, "phone": "+50688887777", "started_at": started_at.isoformat()})
    answer = post("/api/calls/end", {"call_uuid": call_uuid, "status": "COMPLETED", "ended_at": ended_at.isoformat()})
    today = answer["today"]
    assert answer["duration_seconds"] == 95 and today["calls_made"] == calls_before + 1

    expect(row.locator("[data-figure=calls_made]")).to_have_text(str(today["calls_made"]))
    expect(row.locator("[data-figure=average_handle_seconds]")).to_have_text(clock(today["average_handle_seconds"]))
    expect(row.locator("[data-figure=total_talk_seconds]")).to_have_text(clock(today["total_talk_seconds"]))
    expect(row.locator("[data-figure=success_rate]")).to_have_text(rate(today["success_rate"]))
    assert page.evaluate("window.__notReloaded") is True

    # The totals follow, and they are what the server says after a reload.
    live_totals = page.locator("[data-testid=team-totals]").inner_text()
    expect(agent_page.locator("[data-testid=kpi-aht]")).to_have_text(clock(today["average_handle_seconds"]))
    expect(agent_page.locator("[data-testid=kpi-calls]")).to_have_text(str(today["calls_made"]))
    page.screenshot(path=screenshot_dir / "supervisor-dialer-metrics-team.png", full_page=True)
    page.reload()
    expect(page.locator("[data-testid=team-totals]")).to_have_text(live_totals)

    # Sorting by AHT puts the longest first.
    page.locator("[data-testid=team-table] th", has_text="AHT").click()
    values = [
        int(v)
        for v in page.locator("[data-testid=team-row] [data-figure=average_handle_seconds]").evaluate_all(
            "cells => cells.map(c => c.dataset.value)"
        )
    ]
    assert values == sorted(values, reverse=True)

    # The agent's detail, from the table.
    page.locator(f"[data-testid=team-row][data-agent-id='{agent_id}'] a").click()
    expect(page.locator("[data-testid=kpi-aht]")).to_have_text(clock(today["average_handle_seconds"]))
    expect(page.locator("[data-testid=recent-calls]")).to_contain_text("+50688887777")
    page.screenshot(path=screenshot_dir / "supervisor-dialer-metrics-agent.png", full_page=True)


def test_metrics_pages_of_the_agent_and_the_admin(logged_in_page, screenshot_dir):
    agent = logged_in_page("agente")
    agent.goto("/marcador/metricas/")
    expect(agent.get_by_role("heading", name=re.compile("Mis métricas"))).to_be_visible()
    agent.get_by_role("link", name="Últimos 7 días").click()
    expect(agent.locator("[data-testid=period]")).to_contain_text("–")
    expect(agent.locator("[data-testid=live-badge]")).to_have_count(0)
    expect(agent.locator("canvas[data-testid=chart-by-day]")).to_be_visible()
    agent.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-calls-by-day'))")
    agent.screenshot(path=screenshot_dir / "agente-dialer-metrics.png", full_page=True)

    # A bad range: a message, today's figures, no error page.
    agent.goto("/marcador/metricas/?from=2026-03-05&to=2026-03-01")
    expect(agent.locator("[data-testid=form-error]")).to_contain_text("no puede ser posterior")

    admin = logged_in_page("admin")
    admin.goto("/marcador/metricas/")
    admin.get_by_role("link", name="Últimos 7 días").click()
    expect(admin.locator("[data-testid=period]")).to_contain_text("–")
    expect(admin.get_by_role("heading", name=re.compile("Métricas por campaña y equipo"))).to_be_visible()
    expect(admin.locator("[data-testid=campaign-table]")).to_contain_text("Cobranza Costa Rica")
    expect(admin.locator("[data-testid=team-totals-table]")).to_contain_text("Sergio Supervisor")
    admin.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-calls-by-day'))")
    admin.screenshot(path=screenshot_dir / "admin-dialer-metrics.png", full_page=True)
    admin.locator("[data-testid=team-picker] button").click()
    expect(admin).to_have_url(re.compile(r"/marcador/metricas/equipo/\d+/\?from="))
    expect(admin.get_by_role("heading", name=re.compile("Equipo de"))).to_be_visible()


def test_call_log_filters_and_exports(logged_in_page, screenshot_dir, tmp_path):
    page = logged_in_page("calidad")
    page.goto("/")
    expect(sidebar_link(page, "Métricas")).to_have_count(0)  # quality: the call log only
    sidebar_link(page, "Llamadas").click()
    expect(page.get_by_role("heading", name="Registro de llamadas")).to_be_visible()
    expect(page.locator("[data-testid=call-row]").first).to_be_visible()
    page.locator("#id_status").select_option("COMPLETED")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"status=COMPLETED"))
    statuses = page.locator("[data-testid=call-row] td:nth-child(6)").all_inner_texts()
    assert statuses and set(statuses) == {"Completada"}
    page.screenshot(path=screenshot_dir / "calidad-dialer-call-log.png", full_page=True)
    # Over the e2e server's direct-download limit (100 rows): the Excel is built in the background.
    page.locator("[data-testid=export]").click()
    expect(page).to_have_url(re.compile(r"/exportaciones/\d+/$"))
    expect(page.locator("[data-testid=export-progress][data-status=done]")).to_be_visible(timeout=60_000)
    with page.expect_download() as download_info:
        page.locator("[data-testid=export-download]").click()
    download = download_info.value
    assert download.suggested_filename.startswith("llamadas-"), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        header, *rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    assert header == (
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
    assert len(rows) > 100 and {row[5] for row in rows} == {"Completada"}
    assert {row[3] for row in rows} == {"Cobranza Costa Rica"}  # quality sees its campaign's calls only

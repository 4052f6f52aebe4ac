"""The agent's call journey in the browser, with the real workstation program.

An agent opens a debtor card and presses the call button; ``python -m dialer_agent`` (log driver)
takes the dial request from the live server, "dials" and reports the start; the top bar's widget
counts the seconds (also after a reload); "Colgar" reaches the workstation, which reports the
end; the gestión form then has the call attached and the focus, key 1 saves it, and the gestión
is linked to the call in the database. Without a connected workstation the card offers the
phone's ``tel:`` link and logging the call by hand instead.

Each test works with its own agent and debtor, created in the server's database, so the demo
users the other browser tests use are untouched.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.testing.processes import stop_process

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]
CAMPAIGN = "Cobranza Costa Rica"  # seeded by seed_demo, with its tipificaciones
PHONE, OTHER_PHONE = "+50688123456", "+50622334455"

SEED = """
import json
from cartera.models import Debtor, DebtorPhone
from core import services as core
from core.models import Campaign
from dialer import services
campaign = Campaign.objects.get(name={campaign!r})
# Outside the demo supervisor's team: the other browser tests count its members.
agent = core.user_create(
    username={username!r}, password="crea-demo-2026", role="agente", first_name={first!r}, last_name={last!r},
    campaigns=[campaign],
)
debtor = Debtor.objects.create(campaign=campaign, full_name={name!r}, assigned_agent=agent, amount_due=125000)
DebtorPhone.objects.create(debtor=debtor, e164={phone!r}, raw="8812-3456", is_primary=True)
DebtorPhone.objects.create(debtor=debtor, e164={other_phone!r}, raw="2233-4455")
secret = services.token_create(user=agent, name="PC-E2E").secret if {token} else ""
print(json.dumps({{"debtor": debtor.pk, "secret": secret}}))
"""


def seed(server_env, username: str, agent_name: str, name: str, *, token: bool) -> dict:
    """A new agent of the demo campaign with one debtor of two phones (and a workstation token)."""
    first, last = agent_name.split()
    code = SEED.format(
        campaign=CAMPAIGN,
        username=username,
        first=first,
        last=last,
        name=name,
        phone=PHONE,
        other_phone=OTHER_PHONE,
        token=token,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=PROJECT_DIR,
        env=server_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def rows(server_env, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(server_env["SQLITE_PATH"], timeout=10) as connection:
        return connection.execute(sql, params).fetchall()


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)  # polling another process's progress
    pytest.fail(f"timed out waiting for {what}")


def seconds_on(timer) -> int:
    minutes, seconds = timer.inner_text().strip().split(":")
    return int(minutes) * 60 + int(seconds)


@pytest.fixture
def workstation(server_env, e2e_server, tmp_path):
    """``start(secret)``: the real dialer agent (log driver, calls last two minutes unless hung
    up) polling the live server with that token; stopped after the test."""
    processes = []

    def start(secret: str) -> Path:
        config = tmp_path / "agent.toml"
        log = tmp_path / "agent.log"
        config.write_text(
            f'[server]\nurl = "{e2e_server}"\ntoken = "{secret}"\npoll_wait = 5\ntimeout = 10\n\n'
            '[dialer]\ndriver = "log"\n\n'
            '[drivers.log]\ncall_seconds = 120\nstatus = "COMPLETED"\n\n'
            "[retry]\ninitial_seconds = 0.2\nmax_seconds = 1\nshutdown_flush_seconds = 3\n\n"
            f'[journal]\npath = "{tmp_path / "journal.sqlite3"}"\n\n'
            f'[log]\nfile = "{log}"\nlevel = "DEBUG"\n',
            encoding="utf-8",
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "dialer_agent", "--config", str(config)],
                cwd=PROJECT_DIR,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        return log

    yield start
    for process in processes:
        stop_process(process)


def test_call_from_the_card_timer_hangup_and_gestion_linked(
    server_env, workstation, new_context, login, screenshot_dir
):
    seeded = seed(server_env, "agente_llamadas", "Lucía Llamadas", "Marta Llamadas Solís", token=True)
    debtor_id = seeded["debtor"]
    agent_log = workstation(seeded["secret"])
    token_seen = "select last_seen_at from dialer_workstationtoken where name = 'PC-E2E' and last_seen_at is not null"
    wait_for(lambda: rows(server_env, token_seen), timeout=30, what="the workstation's first poll")

    page = login(new_context(), "agente_llamadas")
    page.goto(f"/cartera/deudores/{debtor_id}/")
    expect(page.locator("body[data-live='1']")).to_have_count(1)  # the events socket is open
    expect(page.locator("[data-testid=station-status]")).to_have_text(re.compile("Estación conectada"))
    widget = page.locator("[data-testid=call-widget]")
    expect(widget).to_be_hidden()

    # 1. The call button of the second phone: the workstation takes the request and starts the call.
    row = page.locator("[data-testid=phones] tbody tr", has_text=OTHER_PHONE)
    row.get_by_role("button", name=f"Llamar al {OTHER_PHONE}").click()
    expect(widget).to_be_visible()
    expect(widget).to_have_attribute("data-state", "call", timeout=20_000)
    expect(widget.locator("[data-testid=call-label]")).to_have_text(OTHER_PHONE)
    calls = wait_for(
        lambda: rows(
            server_env, "select id, provider, phone, object_id from dialer_calllog where phone = ?", OTHER_PHONE
        ),
        timeout=10,
        what="the call's start in the database",
    )
    assert [row[1:] for row in calls] == [("log", OTHER_PHONE, str(debtor_id))]
    call_id = calls[0][0]
    # The gestión form already names the call in progress.
    attached = page.locator("[data-testid=gestion-call]")
    expect(attached).to_contain_text(f"Llamada en curso · {OTHER_PHONE}")

    # 2. The timer counts every second, in green under two minutes.
    timer = widget.locator("[data-testid=call-timer]")
    expect(timer).to_have_text(re.compile(r"^00:0[1-9]$"))
    first = seconds_on(timer)
    page.wait_for_function(
        "([el, first]) => { const [m, s] = el.textContent.split(':').map(Number); return m * 60 + s >= first + 2; }",
        arg=[timer.element_handle(), first],
        timeout=5000,
    )
    assert seconds_on(timer) >= first + 2
    expect(timer).to_have_attribute("data-level", "green")
    expect(timer).to_have_class(re.compile("text-bg-success"))
    page.screenshot(path=screenshot_dir / "agente-call-widget-running.png")

    # 3. A reload in the middle of the call: the widget is drawn with the call, still counting.
    before_reload = seconds_on(timer)
    page.reload()
    expect(widget).to_have_attribute("data-state", "call")
    expect(widget).to_have_attribute("data-call-id", str(call_id))
    page.wait_for_function(
        "([el, before]) => { const [m, s] = el.textContent.split(':').map(Number); return m * 60 + s >= before + 1; }",
        arg=[timer.element_handle(), before_reload],
        timeout=5000,
    )
    expect(page.locator("body[data-live='1']")).to_have_count(1)

    # 4. Colgar: the workstation hangs up on its next poll and reports the end.
    widget.get_by_role("button", name="Colgar").click()
    expect(widget).to_have_attribute("data-state", "ended", timeout=20_000)
    expect(widget.locator("[data-testid=call-label]")).to_have_text("Completada")
    expect(widget.get_by_role("button", name="Colgar")).to_be_hidden()
    ended = rows(server_env, "select status, duration_seconds, notes from dialer_calllog where id = ?", call_id)
    status, duration, notes = ended[0]
    assert status == "COMPLETED" and duration >= first + 2 and "hung up from the CRM" in notes, ended
    expect(timer).to_have_text(f"{duration // 60:02d}:{duration % 60:02d}")

    # 5. The gestión form has the call attached and the focus.
    label = f"Llamada {duration // 60:02d}:{duration % 60:02d} · COMPLETADA · {OTHER_PHONE}"
    expect(attached).to_have_text(label)
    expect(page.locator("#gestion-form")).to_be_focused()
    expect(page.locator("#gestion-form input[name=call]")).to_have_value(str(call_id))
    phone_select = page.locator("#gestion-form select[name=phone]")
    expect(phone_select.locator("option:checked")).to_have_text(OTHER_PHONE)  # the phone that was called
    page.screenshot(path=screenshot_dir / "agente-call-ended-gestion-focus.png")

    # 6. Key 1 (NC) saves the gestión with its call; the queue then moves on.
    page.keyboard.press("1")
    expect(page).not_to_have_url(re.compile(rf"/cartera/deudores/{debtor_id}/$"), timeout=30_000)
    gestiones = rows(
        server_env,
        "select g.call_id, o.code, p.e164 from cartera_gestion g join cartera_outcome o on o.id = g.outcome_id "
        "left join cartera_debtorphone p on p.id = g.phone_id where g.debtor_id = ?",
        debtor_id,
    )
    assert gestiones == [(call_id, "NC", OTHER_PHONE)]

    # The card's timeline shows the call with its gestión.
    page.goto(f"/cartera/deudores/{debtor_id}/")
    link = page.locator("[data-testid=gestion-call-link]")
    expect(link).to_have_count(1)
    expect(link).to_contain_text(f"Llamada {duration // 60:02d}:{duration % 60:02d} · COMPLETADA · {OTHER_PHONE}")
    expect(page.locator("[data-testid=gestion-call]")).to_be_hidden()  # nothing left to attach
    assert "dial request" in agent_log.read_text(errors="replace")


def test_without_a_workstation_tel_link_and_manual_logging(server_env, e2e_server, new_context, login, screenshot_dir):
    seeded = seed(server_env, "agente_sin_estacion", "Mario Manual", "Jorge Manual Vargas", token=False)
    debtor_id = seeded["debtor"]
    page = login(new_context(), "agente_sin_estacion")
    page.goto(f"/cartera/deudores/{debtor_id}/")
    expect(page.locator("[data-testid=station-status]")).to_have_text(re.compile("Estación sin conexión"))
    phones = page.locator("[data-testid=phones]")
    expect(phones.locator("[data-testid=call-button]")).to_have_count(0)
    expect(phones.locator("[data-testid=tel-link]")).to_have_count(2)
    row = phones.locator("tbody tr", has_text=OTHER_PHONE)
    expect(row.locator("[data-testid=tel-link]")).to_have_attribute("href", f"tel:{OTHER_PHONE}")
    # The phones card still fits its column at 1366 px: no horizontal scroll in its table.
    scrolls = page.locator("[data-testid=phones-card] .table-responsive").evaluate(
        "el => el.scrollWidth > el.clientWidth"
    )
    assert scrolls is False

    # Log the call by hand, for the second phone: a mistake first, then right.
    row.locator("[data-testid=manual-call-button]").click()
    dialog = page.locator("#manual-call")
    expect(dialog).to_be_visible()
    form = dialog.locator("[data-testid=manual-call-form]")
    expect(form.locator("select[name=phone]")).to_have_value(OTHER_PHONE)
    form.locator("select[name=status]").select_option("COMPLETED")
    form.locator("input[name=duration_seconds]").fill("1:75")
    form.locator("[data-testid=manual-call-save]").click()
    form = dialog.locator("[data-testid=manual-call-form]")  # the form is drawn again, with the error
    expect(form).to_contain_text("Los segundos y los minutos van de 0 a 59")
    expect(form.locator("select[name=phone]")).to_have_value(OTHER_PHONE)  # what was typed is kept
    page.screenshot(path=screenshot_dir / "agente-manual-call-error.png")
    form.locator("input[name=duration_seconds]").fill("1:05")
    form.locator("textarea[name=notes]").fill("Llamó desde el celular de la oficina")
    form.locator("[data-testid=manual-call-save]").click()

    expect(dialog).to_be_hidden()
    expect(page.locator(".modal-backdrop")).to_have_count(0)  # faded out: the screenshot shows the card
    logged = page.locator("#toasts .toast", has_text="Llamada 01:05 · COMPLETADA registrada.")
    expect(logged).to_be_visible()
    expect(logged).to_have_css("opacity", "1")
    attached = page.locator("[data-testid=gestion-call]")
    expect(attached).to_have_text(f"Llamada 01:05 · COMPLETADA · {OTHER_PHONE}")
    expect(page.locator("#gestion-form")).to_be_focused()
    calls = rows(
        server_env,
        "select id, provider, status, duration_seconds, notes from dialer_calllog where object_id = ?",
        str(debtor_id),
    )
    assert [row[1:] for row in calls] == [("manual", "COMPLETED", 65, "Llamó desde el celular de la oficina")]
    page.screenshot(path=screenshot_dir / "agente-manual-call-attached.png")

    # The gestión is saved with that call (staying on the card), and its timeline shows it.
    page.locator("#stay").check()
    page.locator("[data-testid=outcomes] button", has_text="CUELGA").click()
    expect(page.locator("#toasts .toast", has_text="Gestión CUELGA guardada")).to_be_visible()
    expect(page.locator("[data-testid=gestion-call-link]")).to_contain_text("Llamada 01:05 · COMPLETADA")
    linked = rows(server_env, "select call_id from cartera_gestion where debtor_id = ?", debtor_id)
    assert linked == [(calls[0][0],)]
    widget = page.locator("[data-testid=call-widget]")
    expect(widget).to_be_hidden()  # a call logged by hand never ran in the widget
    page.screenshot(path=screenshot_dir / "agente-manual-call-timeline.png", full_page=True)


def test_the_timer_turns_yellow_then_red_at_the_configured_seconds(logged_in_page, screenshot_dir):
    """The thresholds come from the settings (defaults: yellow from 2 min, red from 5 min). Calls
    that long are fed to the widget as the server's call.started events would bring them."""
    page = logged_in_page("agente")
    page.goto("/")
    widget = page.locator("[data-testid=call-widget]")
    expect(widget).to_have_attribute("data-yellow", "120")
    expect(widget).to_have_attribute("data-red", "300")
    timer = widget.locator("[data-testid=call-timer]")
    label = widget.locator("[data-testid=call-label]")
    # Between the call button and the call's start: "Marcando…", grey, and Colgar cancels.
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent("crm:dial.requested", {detail: {dial_request_id: 77,
        user_id: document.body.dataset.userId, phone: "+50688887777"}}))"""
    )
    expect(widget).to_have_attribute("data-state", "dialling")
    expect(label).to_have_text("Marcando… +50688887777")
    expect(timer).to_have_attribute("data-level", "idle")
    expect(widget.locator("input[name=dial_request]")).to_have_value("77")
    page.screenshot(
        path=screenshot_dir / "agente-call-widget-dialling.png", clip={"x": 560, "y": 0, "width": 806, "height": 56}
    )
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent("crm:dial.cancelled", {detail: {dial_request_id: 77,
        user_id: document.body.dataset.userId}}))"""
    )
    expect(label).to_have_text("Llamada cancelada")
    started = """([callId, secondsAgo]) => document.dispatchEvent(new CustomEvent("crm:call.started", {detail: {
        call_id: callId, user_id: document.body.dataset.userId, phone: "+50688887777",
        started_at: new Date(Date.now() - secondsAgo * 1000).toISOString()}}))"""
    for call_id, seconds_ago, level, css in [(9001, 115, "green", "success"), (9002, 125, "yellow", "warning")]:
        page.evaluate(started, [call_id, seconds_ago])
        expect(timer).to_have_attribute("data-level", level)
        expect(timer).to_have_class(re.compile(f"text-bg-{css}"))
    assert 125 <= seconds_on(timer) <= 130
    page.evaluate(started, [9003, 299])
    expect(timer).to_have_attribute("data-level", "red", timeout=4000)  # 5:00 is reached while counting
    expect(timer).to_have_text(re.compile(r"^05:0\d$"))
    page.screenshot(path=screenshot_dir / "agente-call-widget-red.png")
    # Someone else's call (a supervisor hears the team's starts) does not move the widget.
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent("crm:call.started", {detail: {call_id: 9100,
        user_id: -1, phone: "+50611112222", started_at: new Date().toISOString()}}))"""
    )
    expect(label).to_have_text("+50688887777")
    expect(timer).to_have_attribute("data-level", "red")

    # The socket drops and comes back: whatever was missed meanwhile, the widget asks the server
    # what is running — nothing, for this agent — and stops counting.
    page.evaluate("() => window.CRM.socket.close()")
    expect(label).to_have_text("Llamada terminada", timeout=10_000)
    expect(widget).to_have_attribute("data-state", "ended")
    expect(page.locator("body[data-live='1']")).to_have_count(1)

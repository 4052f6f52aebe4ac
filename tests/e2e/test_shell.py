"""The shell every role works in: login, home page per role, sidebar, live bell, 1366×768 layout."""

from __future__ import annotations

import re

import pytest
from e2e_pages import bell_count, sidebar_link
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

AGENT_ENTRIES = ["Inicio", "Mis seguimientos", "Calendario", "Notificaciones", "Campañas"]
TEAM_ENTRIES = ["Mi equipo", "Enviar aviso"]
ADMIN_ENTRIES = ["Usuarios", "Actividad"]


def test_agent_home(new_context, login, screenshot_dir):
    page = login(new_context(), "agente")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-testid=home-agente]")).to_be_visible()
    for label in AGENT_ENTRIES:
        expect(sidebar_link(page, label)).to_be_visible()
    for label in TEAM_ENTRIES + ADMIN_ENTRIES:
        expect(sidebar_link(page, label)).to_have_count(0)
    expect(page.locator("[data-testid=role-badge]")).to_have_text("Agente")
    follow_ups = page.locator("[data-testid=today-follow-ups]")
    expect(follow_ups).to_be_visible()
    expect(follow_ups).to_contain_text("Mis seguimientos de hoy")
    # No team or admin blocks on an agent's home.
    expect(page.locator("[data-testid=team-card]")).to_have_count(0)
    expect(page.locator("[data-testid=users-by-role]")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "agente-home.png", full_page=True)


def test_supervisor_home(new_context, login, screenshot_dir):
    page = login(new_context(), "supervisor")

    expect(page.locator("[data-testid=home-supervisor]")).to_be_visible()
    expect(page.locator("[data-testid=role-badge]")).to_have_text("Supervisor")
    team = page.locator("[data-testid=team-card]")
    expect(team).to_be_visible()
    # Demo users (core/demo_data.py): agente = Andrea Agente, agente2 = Alberto Agente.
    expect(team.locator("tbody tr")).to_have_count(2)
    expect(team).to_contain_text("Andrea Agente")
    expect(team).to_contain_text("Alberto Agente")
    for label in TEAM_ENTRIES:
        expect(sidebar_link(page, label)).to_be_visible()
    for label in ADMIN_ENTRIES:
        expect(sidebar_link(page, label)).to_have_count(0)
    page.screenshot(path=screenshot_dir / "supervisor-home.png", full_page=True)


def test_notice_reaches_agent_bell_live(new_context, login, screenshot_dir):
    notice = "Reunión de equipo a las 15:00 en la sala 2"
    agent = login(new_context(), "agente")
    expect(agent.locator("[data-testid=home-agente]")).to_be_visible()
    expect(agent.locator("body[data-live='1']")).to_have_count(1)  # the event socket is open
    before = bell_count(agent)
    # A marker that a reload would wipe: proves the update arrived without one.
    agent.evaluate("window.__e2eNoReload = true")

    supervisor = login(new_context(), "supervisor")
    supervisor.goto("/equipo/aviso/")
    form = supervisor.locator("[data-testid=notice-form]")
    form.locator("[name=audience]").select_option("team")
    form.locator("[name=text]").fill(notice)
    form.get_by_role("button", name="Enviar").click()
    expect(supervisor.locator("#toasts")).to_contain_text("Aviso enviado a 2 persona(s).")

    badge = agent.locator("[data-testid=bell-count]")
    expect(badge).to_be_visible(timeout=5_000)
    expect(badge).to_have_text(str(before + 1), timeout=5_000)
    toast = agent.locator("#toasts .toast", has_text=notice)
    expect(toast).to_be_visible(timeout=5_000)
    expect(toast).to_contain_text("Aviso de Sergio Supervisor")
    # The home page's unread card grows too, without a reload.
    expect(agent.locator("[data-testid=unread-notifications]")).to_contain_text(notice)
    assert agent.evaluate("window.__e2eNoReload === true"), "la página del agente se recargó"
    # Let Bootstrap's fade-in finish so the screenshot shows the toast fully drawn.
    expect(toast).to_have_css("opacity", "1")
    agent.screenshot(path=screenshot_dir / "agente-bell-live.png")


def test_login_failure_shows_spanish_error(new_context, submit_login):
    page = new_context().new_page()
    page.goto("/login/")
    submit_login(page, "backoffice", "contraseña-equivocada")

    expect(page).to_have_url(re.compile(r"/login/$"))
    error = page.locator("form .alert-danger, form .invalid-feedback, form .errorlist").first
    expect(error).to_be_visible()
    expect(error).to_contain_text("introduzca")
    expect(error).to_contain_text("correctos")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(0)


def test_login_returns_to_requested_page(new_context, e2e_server, submit_login):
    page = new_context().new_page()
    page.goto("/seguimientos/")

    expect(page).to_have_url(f"{e2e_server}/login/?next=/seguimientos/")
    expect(page.locator("#id_username")).to_be_visible()
    submit_login(page, "agente2")
    expect(page).to_have_url(f"{e2e_server}/seguimientos/")
    expect(page.locator("[data-testid=user-menu]")).to_be_visible()
    expect(sidebar_link(page, "Mis seguimientos")).to_have_class(re.compile(r"\bactive\b"))


def test_admin_home(new_context, login, screenshot_dir):
    page = login(new_context(), "admin")

    expect(page.locator("[data-testid=home-administrador]")).to_be_visible()
    expect(page.locator("[data-testid=role-badge]")).to_have_text("Administrador")
    for label in ADMIN_ENTRIES:
        expect(sidebar_link(page, label)).to_be_visible()
    by_role = page.locator("[data-testid=users-by-role]")
    expect(by_role).to_be_visible()
    for role in ["Agente", "Supervisor", "Backoffice", "Calidad", "Administrador"]:
        expect(by_role).to_contain_text(role)
    page.screenshot(path=screenshot_dir / "admin-home.png", full_page=True)


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("agente", "/"),
        ("agente", "/seguimientos/"),
        ("agente", "/seguimientos/calendario/"),
        ("agente", "/notificaciones/"),
        ("supervisor", "/"),
        ("supervisor", "/equipo/"),
        ("supervisor", "/equipo/aviso/"),
        ("admin", "/"),
        ("admin", "/usuarios/"),
        ("admin", "/actividad/"),
    ],
)
def test_layout_fits_1366x768(logged_in_page, username, path):
    page = logged_in_page(username)
    page.goto(path)
    expect(page.locator("[data-testid=user-menu]")).to_be_visible()  # signed in, not bounced to login
    page.wait_for_load_state("load")

    assert page.viewport_size == {"width": 1366, "height": 768}
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_visible()
    expect(page.locator("[data-testid=sidebar]")).to_be_visible()
    # Not collapsed into the off-canvas drawer: docked at the left, full width, no menu button.
    box = sidebar.bounding_box()
    assert box is not None
    assert box["x"] == 0
    assert box["width"] >= 200
    expect(page.locator("button[aria-controls=sidebar]")).to_be_hidden()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 1366, f"{path} como {username}: scroll horizontal ({scroll_width}px > 1366px)"

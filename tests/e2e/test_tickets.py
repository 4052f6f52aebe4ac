"""Support tickets in the browser: an agent opens a ticket with a screenshot attached; the
support member gets it live, opens the screenshot, leaves an internal note, answers with a
canned response and resolves it; the agent sees the answer and the resolution arrive (never the
note) and confirms the solution. Then the queue and the dashboard as support and supervisor."""

from __future__ import annotations

import re

import pytest
from e2e_pages import bell_count, sidebar_link
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TITLE = "El marcador se congela al tipificar"
NOTE = "Revisé el log del servidor: timeout en la base"


def test_agent_opens_a_ticket_support_answers_and_resolves_it(new_context, login, screenshot_dir, tmp_path):
    support = login(new_context(), "soporte")
    support.goto("/tickets/cola/")
    expect(support.locator("[data-testid=ticket-table]")).to_be_visible()
    expect(support.locator("body[data-live='1']")).to_have_count(1)  # the event socket is open
    before = bell_count(support)
    support.evaluate("window.__e2eNoReload = true")

    agent = login(new_context(), "agente")
    sidebar_link(agent, "Nuevo ticket").click()
    expect(agent).to_have_url(re.compile(r"/tickets/nuevo/$"))
    shot = tmp_path / "pantallazo.png"
    agent.screenshot(path=shot)  # a real screenshot of the agent's screen, attached to the ticket
    form = agent.locator("[data-testid=ticket-form]")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=aplicativo]").select_option("crm")
    form.locator("[name=priority]").select_option("alta")
    form.locator("[name=description]").fill("Desde las 9:00, al presionar una tipificación la pantalla queda gris.")
    form.locator("[name=files]").set_input_files(shot)
    form.get_by_role("button", name="Crear ticket").click()

    expect(agent).to_have_url(re.compile(r"/tickets/\d+/$"))
    number = re.search(r"TCK-\d{6}", agent.locator("h1").inner_text()).group(0)
    expect(agent.locator("#toasts")).to_contain_text(f"Ticket {number} creado. Asignado a Sofía Soporte.")
    expect(agent.locator("[data-testid=ticket-status]")).to_have_text("Abierto")
    expect(agent.locator("[data-testid=ticket-files] [data-testid=attachment]")).to_contain_text("pantallazo.png")
    expect(agent.locator("[data-testid=sla-first-response]")).to_contain_text("Primera respuesta")
    agent.evaluate("window.__e2eNoReload = true")
    agent.screenshot(path=screenshot_dir / "tickets-agente-ticket-creado.png", full_page=True)

    # Support hears about it at once, without reloading the queue.
    badge = support.locator("[data-testid=bell-count]")
    expect(badge).to_have_text(str(before + 1), timeout=5_000)
    toast = support.locator("#toasts .toast", has_text=f"Se te asignó el ticket {number}")
    expect(toast).to_be_visible(timeout=5_000)
    assert support.evaluate("window.__e2eNoReload === true"), "la cola de soporte se recargó"
    expect(support.locator("[data-testid=tickets-changed]")).to_contain_text("Hay novedades")
    expect(toast).to_have_css("opacity", "1")
    support.screenshot(path=screenshot_dir / "tickets-soporte-aviso-en-vivo.png")

    toast.get_by_role("link").click()
    expect(support).to_have_url(re.compile(r"/tickets/\d+/$"))
    attachment = support.locator("[data-testid=ticket-files] [data-testid=attachment]")
    download = support.request.get(attachment.get_attribute("href"))
    assert download.status == 200 and download.headers["content-type"] == "image/png"
    assert download.body()[:8] == b"\x89PNG\r\n\x1a\n"

    reply = support.locator("[data-testid=reply-form]")
    reply.locator("[name=body]").fill(NOTE)
    reply.locator("[name=internal]").check()
    reply.locator("[data-testid=send]").click()
    expect(support.locator("#toasts")).to_contain_text("Nota interna guardada.")
    expect(support.locator("[data-testid=note]")).to_contain_text(NOTE)

    reply = support.locator("[data-testid=reply-form]")
    reply.locator("[data-testid=canned]").select_option(label="Recibido")
    body = reply.locator("[name=body]")
    expect(body).to_have_value(re.compile(rf"^Hola Andrea Agente: recibimos el ticket {number}"))
    body.press("End")
    body.type(" Ya quedó corregido: vuelve a entrar al CRM.")
    reply.locator("[data-testid=send]").click()
    expect(support.locator("#toasts")).to_contain_text("Respuesta enviada.")
    expect(support.locator("[data-testid=sla-first-response]")).to_contain_text("Cumplido")

    # Meanwhile the agent's open ticket page shows the answer by itself…
    answer = agent.locator("[data-testid=reply]", has_text="Ya quedó corregido")
    expect(answer).to_be_visible(timeout=5_000)
    assert agent.evaluate("window.__e2eNoReload === true"), "la página del agente se recargó por una respuesta"

    support.locator("[data-testid=to-resuelto]").click()
    expect(support.locator("[data-testid=ticket-status]")).to_have_text("Resuelto")
    support.screenshot(path=screenshot_dir / "tickets-soporte-ticket-resuelto.png", full_page=True)

    # …and the resolution (the page reloads itself for a status change).
    expect(agent.locator("[data-testid=ticket-status]")).to_have_text("Resuelto", timeout=5_000)
    expect(agent.locator("[data-testid=reply]", has_text="Ya quedó corregido")).to_be_visible()
    expect(agent.locator("[data-testid=timeline]")).to_contain_text("Estado: Abierto → Resuelto")
    expect(agent.locator("[data-testid=note]")).to_have_count(0)
    assert NOTE not in agent.content()
    expect(agent.locator("[data-testid=to-abierto]")).to_have_text("Reabrir")
    expect(agent.locator("[data-testid=bell-count]")).not_to_have_text("0")
    agent.screenshot(path=screenshot_dir / "tickets-agente-ve-respuesta-y-resolucion.png", full_page=True)

    agent.locator("[data-testid=to-cerrado]").click()
    expect(agent.locator("[data-testid=ticket-status]")).to_have_text("Cerrado")
    expect(agent.locator("[data-testid=to-abierto]")).to_have_count(0)


def test_queue_filters_and_dashboard(logged_in_page, screenshot_dir):
    support = logged_in_page("soporte")
    support.goto("/tickets/cola/")
    rows = support.locator("[data-testid=ticket-row]")
    expect(rows.first).to_be_visible()
    expect(support.locator("[data-testid=sla]").first).to_be_visible()
    support.screenshot(path=screenshot_dir / "tickets-soporte-cola.png", full_page=True)

    support.locator("[data-testid=filters] [name=priority]").select_option("alta")
    support.locator("[data-testid=filters]").get_by_role("button", name="Filtrar").click()
    expect(support).to_have_url(re.compile(r"priority=alta"))
    for text in rows.locator("td:nth-child(5)").all_inner_texts():  # after the check box, number, title, status
        assert text.strip() == "Alta"
    saver = support.locator("[data-testid=save-filter]")
    saver.locator("[name=name]").fill("Alta prioridad")
    saver.get_by_role("button", name="Guardar filtro").click()
    expect(support.locator("[data-testid=saved-filter]", has_text="Alta prioridad")).to_be_visible()

    supervisor = logged_in_page("supervisor")
    supervisor.goto("/tickets/dashboard/")
    expect(supervisor.locator("[data-testid=kpi-open]")).not_to_have_text("0")
    expect(supervisor.locator("[data-testid=assignee-row]").first).to_be_visible()
    supervisor.wait_for_function("document.querySelectorAll('canvas').length === 4 && Boolean(window.Chart)")
    supervisor.wait_for_timeout(600)  # Chart.js' entry animation, for the screenshot only
    supervisor.screenshot(path=screenshot_dir / "tickets-supervisor-dashboard.png", full_page=True)
    scroll_width = supervisor.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 1366, f"scroll horizontal en el dashboard ({scroll_width}px)"

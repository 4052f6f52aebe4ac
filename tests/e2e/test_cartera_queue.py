"""The agent's core loop: Siguiente → payment agreement → PROMESA_PAGO → the next debtor.

The queue hands out whichever debtor comes next (the import test adds debtors to the same
campaign in the same session), so names and ids are read from the page, never assumed. The test
works as ``agente2`` so the queue it drains is not the one the other tests' ``agente`` sees.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from e2e_pages import sidebar_link
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

AGENT = "agente2"  # Alberto Agente (core/demo_data.py)
AGENT_NAME = "Alberto Agente"
CAMPAIGN = "Cobranza Costa Rica"  # seeded by seed_demo, with its tipificaciones
INSTALMENTS = 3
NOTE = "Promete pagar la primera cuota"
FOLLOW_UP_LABEL = "Promesa de pago"  # label of PROMESA_PAGO: the follow-up note starts with it
NAV_TIMEOUT_MS = 30_000  # a CI run may share the CPU: saving a gestión and claiming the next can be slow
CARD_URL = re.compile(r"/cartera/deudores/(\d+)/$")
CENT = Decimal("0.01")


def parse_amount(text: str) -> Decimal:
    """A Spanish-formatted amount ("CRC 33 333,33", "33.333,33") as a Decimal."""
    digits = re.sub(r"[^\d,-]", "", text)
    assert re.fullmatch(r"-?\d+(,\d{1,2})?", digits), f"no es un monto: {text!r}"
    return Decimal(digits.replace(",", "."))


def card_value(page, label: str):
    """The <dd> next to the <dt> ``label`` in the debtor card's data list."""
    return page.locator("[data-testid=debtor-card]").locator(
        f"xpath=.//dt[normalize-space()='{label}']/following-sibling::dd[1]"
    )


def card_header(page):
    """The debtor's full name in the header of the card's data panel (beside the inactivity badge)."""
    return page.locator("[data-testid=debtor-card] .card-header > span:first-child").first


def not_debtor(*ids: str) -> re.Pattern:
    """The URL of a debtor card other than ``ids``."""
    excluded = "|".join(re.escape(i) for i in ids)
    return re.compile(rf"/cartera/deudores/(?!(?:{excluded})/)\d+/$")


def open_card(page) -> tuple[str, str]:
    """Wait for a debtor card ready to work on (scripts loaded); return its (id, full name)."""
    expect(page).to_have_url(CARD_URL, timeout=NAV_TIMEOUT_MS)
    page.wait_for_load_state("load")  # the 1–9 shortcuts are bound by a script at the end of the page
    expect(page.locator("[data-testid=debtor-card]")).to_be_visible()
    expect(page.locator("[data-testid=gestion-form]")).to_be_visible()  # workable, not "en gestión por"
    expect(page.locator("[data-testid=held-by]")).to_have_count(0)
    debtor_id = CARD_URL.search(page.url).group(1)
    name = card_header(page).inner_text().strip()
    assert name, "la ficha no muestra el nombre del deudor"
    expect(page).to_have_title(f"{name} · CREA CRM")
    return debtor_id, name


def expect_toast(page, text: str):
    toast = page.locator("#toasts .toast", has_text=text)
    expect(toast).to_be_visible()
    expect(toast).to_have_css("opacity", "1")  # Bootstrap's fade-in done: drawn fully in screenshots
    return toast


def test_agent_promise_with_agreement_then_next_debtor(logged_in_page, e2e_server, screenshot_dir):
    page = logged_in_page(AGENT)
    page.set_default_navigation_timeout(NAV_TIMEOUT_MS)
    page.goto("/")
    expect(page.locator("[data-testid=user-menu]")).to_be_visible()

    # 1. Sidebar → Cartera · Siguiente claims a debtor and opens its card (the campaign chooser
    #    only appears when the agent works more than one collections campaign).
    sidebar_link(page, "Siguiente").click()
    chooser = page.locator("[data-testid=queue-choose]")
    expect(page.locator("[data-testid=debtor-card], [data-testid=queue-choose]").first).to_be_visible(
        timeout=NAV_TIMEOUT_MS
    )
    if chooser.is_visible():
        chooser.get_by_role("link", name=CAMPAIGN).click()
    first_id, first_name = open_card(page)
    saldo = parse_amount(card_value(page, "Saldo").inner_text())
    first_agent = card_value(page, "Agente").inner_text().strip()  # "Sin asignar" for a pool debtor
    assert saldo > 0, f"el deudor {first_name} no tiene saldo"

    # 2. A 3-instalment agreement, no discount, no down payment, monthly, first due in 10 days.
    first_due = date.today() + timedelta(days=10)
    page.locator("[data-testid=new-agreement]").click()
    expect(page).to_have_url(re.compile(rf"/cartera/deudores/{first_id}/acuerdo/$"))
    form = page.locator("[data-testid=agreement-form]")
    expect(form).to_contain_text(first_name)
    form.locator("#id_discount_pct").fill("0")
    form.locator("#id_down_payment").fill("0")
    form.locator("#id_instalments_count").fill(str(INSTALMENTS))
    form.locator("#id_frequency").select_option(label="Mensual")
    form.locator("#id_first_due_date").fill(first_due.isoformat())
    form.locator("button[type=submit]").click()  # the page has other (hidden) submit buttons: scope to the form

    expect(page).to_have_url(re.compile(r"/cartera/acuerdos/\d+/$"), timeout=NAV_TIMEOUT_MS)
    expect_toast(page, "Acuerdo de pago registrado.")
    expect(page.locator("[data-testid=agreement-status]")).to_have_text("Vigente")
    schedule = page.locator("[data-testid=schedule]")
    rows = schedule.locator("tbody tr")
    expect(rows).to_have_count(INSTALMENTS)
    expect(rows.locator("td:first-child")).to_have_text([f"Cuota {n}" for n in range(1, INSTALMENTS + 1)])
    expect(rows.first.locator("td").nth(1)).to_have_text(first_due.strftime("%d/%m/%Y"))
    amounts = [parse_amount(text) for text in rows.locator("td:nth-child(3)").all_inner_texts()]
    total = parse_amount(schedule.locator("tfoot td").nth(1).inner_text())
    # Equal cents on every instalment, the rounding remainder on the last; no discount: total = saldo.
    share = (saldo / INSTALMENTS).quantize(CENT, rounding=ROUND_DOWN)
    assert total == saldo, f"total {total} ≠ saldo {saldo}"
    assert sum(amounts) == total, f"las cuotas {amounts} no suman el total {total}"
    assert amounts == [share] * (INSTALMENTS - 1) + [saldo - share * (INSTALMENTS - 1)], amounts
    page.screenshot(path=screenshot_dir / "agente-agreement.png", full_page=True)

    # 3. Back to the card; record the promise of the first instalment, follow-up that day at 09:00.
    page.locator("main").get_by_role("link", name=first_name, exact=True).click()
    assert open_card(page) == (first_id, first_name)
    gestion = page.locator("#gestion-form")
    gestion.locator("#id_promised_amount").fill(f"{amounts[0]:.2f}")
    gestion.locator("#id_promised_date").fill(first_due.isoformat())
    gestion.locator("#id_next_action_at").fill(f"{first_due.isoformat()}T09:00")
    gestion.locator("#id_notes").fill(NOTE)
    promise = page.locator("[data-testid=outcomes] button", has_text="PROMESA_PAGO")
    expect(promise).to_have_count(1)
    promise.click()

    # 4. Saved: the queue hands over the next debtor at once, with a toast naming the previous one.
    expect(page).to_have_url(not_debtor(first_id), timeout=NAV_TIMEOUT_MS)
    second_id, second_name = open_card(page)
    expect_toast(page, f"Gestión PROMESA_PAGO guardada para {first_name}")
    page.screenshot(path=screenshot_dir / "agente-next-debtor.png")

    # 6. (Before reopening the first card: opening a card claims it again.) Key "1" = NC, typed
    #    outside any field, saves and moves on to yet another debtor.
    card_header(page).click()  # focus out of the form's inputs
    page.keyboard.press("1")
    expect(page).to_have_url(not_debtor(first_id, second_id), timeout=NAV_TIMEOUT_MS)
    open_card(page)
    expect_toast(page, f"Gestión NC guardada para {second_name}")

    # 5. Mis seguimientos lists the follow-up for the first debtor, due the promised day at 09:00 …
    sidebar_link(page, "Mis seguimientos").click()
    expect(page).to_have_url(f"{e2e_server}/seguimientos/")
    follow_up = page.locator("[data-testid=follow-up-table] tbody tr", has_text=re.compile(rf"#{first_id}\b"))
    expect(follow_up).to_have_count(1)
    expect(follow_up).to_contain_text(f"{FOLLOW_UP_LABEL}: {first_name}")
    expect(follow_up.locator("td").first).to_have_text(f"{first_due.strftime('%d/%m/%Y')} 09:00")
    expect(follow_up).to_contain_text("Pendiente")

    # … and the first debtor's card, opened again, shows the promise in its timeline and as its
    # last outcome (the agent must be able to open it to follow the promise up).
    page.goto(f"/cartera/deudores/{first_id}/")
    expect(
        page.locator("[data-testid=debtor-card]"),
        f"{AGENT} no puede volver a abrir la ficha de {first_name} (#{first_id}, agente: {first_agent}) "
        f"tras registrar su promesa: {page.title()!r}",
    ).to_be_visible()
    expect(card_header(page)).to_have_text(first_name)
    expect(card_value(page, "Última tipificación")).to_contain_text("PROMESA_PAGO")
    timeline_header = page.locator(".card-header", has_text=re.compile(r"^\W*Gestiones$"))
    timeline = page.locator("[data-testid=debtor-card] .card", has=timeline_header)
    entry = timeline.locator(".list-group-item", has_text="PROMESA_PAGO")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(NOTE)
    expect(entry).to_contain_text(AGENT_NAME)
    expect(page.locator("[data-testid=agreements]")).to_contain_text("Vigente")

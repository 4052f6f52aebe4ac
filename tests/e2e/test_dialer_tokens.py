"""An agent creates a token for their workstation from the user menu, sees it once, revokes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_agent_creates_and_revokes_a_workstation_token(new_context, login, screenshot_dir):
    page = login(new_context(), "agente")
    page.locator("[data-testid=user-menu]").click()
    page.get_by_role("link", name="Tokens de estación").click()
    expect(page).to_have_url(re.compile(r"/estaciones/$"))

    form = page.locator("[data-testid=token-form]")
    form.get_by_role("textbox").first.fill("PC-12 Cobranza")
    form.get_by_role("button", name="Crear token").click()
    shown = page.locator("[data-testid=new-token]")
    expect(shown).to_contain_text("No se vuelve a mostrar")
    secret = page.locator("#new-token").input_value()
    assert re.fullmatch(r"crea_[0-9a-f]{8}_\S{20,}", secret), secret
    row = page.locator("[data-testid=token-table] tbody tr", has_text="PC-12 Cobranza")
    expect(row).to_contain_text("Nunca")
    expect(row).to_contain_text(secret.split("_")[1])  # the non-secret prefix names it in the table
    page.screenshot(path=screenshot_dir / "agente-dialer-tokens.png", full_page=True)

    page.goto("/marcador/estaciones/")  # shown once: the list page no longer has it
    expect(page.locator("[data-testid=new-token]")).to_have_count(0)
    assert secret not in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revocar").click()
    expect(page.locator("[data-testid=token-table] tbody tr", has_text="PC-12 Cobranza")).to_contain_text("Revocado")

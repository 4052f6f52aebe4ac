"""A supervisor exports a list too big for a direct download: progress page → notification → file."""

from __future__ import annotations

import re

import openpyxl
import pytest
from e2e_pages import bell_count, sidebar_link
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EXPORT_TIMEOUT_MS = 60_000


def spanish(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def test_supervisor_exports_the_debtor_list_in_the_background(new_context, login, screenshot_dir, tmp_path):
    page = login(new_context(accept_downloads=True), "supervisor")
    unread_before = bell_count(page)
    sidebar_link(page, "Deudores").click()
    expect(page.locator("[data-testid=debtor-table]")).to_be_visible()
    listed = int(re.search(r"de (\d+)", page.locator("nav[aria-label=Paginación] small").inner_text()).group(1))
    assert listed > 100  # above the e2e server's EXPORT_SYNC_MAX_ROWS
    page.screenshot(path=screenshot_dir / "supervisor-debtor-list.png", full_page=True)

    page.locator("[data-testid=export]").click()
    expect(page).to_have_url(re.compile(r"/exportaciones/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("el Excel se prepara en segundo plano")
    page.evaluate("window.__e2eNoReload = true")  # the card must update in place (HTMX), not reload
    page.screenshot(path=screenshot_dir / "supervisor-export-progress.png", full_page=True)
    done = page.locator("[data-testid=export-progress][data-status=done]")
    expect(done).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
    assert page.evaluate("window.__e2eNoReload === true"), "la página de la exportación se recargó"
    expect(done).to_contain_text(f"{spanish(listed)} filas")
    page.screenshot(path=screenshot_dir / "supervisor-export-done.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("[data-testid=export-download]").click()
    download = download_info.value
    assert re.fullmatch(r"deudores-\d{8}-\d{4}(_\w+)?\.xlsx", download.suggested_filename), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        header, *rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    assert header[:4] == ("Campaña", "Tipo doc.", "Documento", "Nombre") and len(rows) == listed

    page.reload()  # the bell polls every 30 s
    assert bell_count(page) >= unread_before + 1
    page.goto("/notificaciones/")
    expect(page.locator("main")).to_contain_text(f"Tu Excel de deudores está listo: {spanish(listed)} filas.")

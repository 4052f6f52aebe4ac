"""A supervisor imports a collections portfolio: upload → column preview → live progress → result.

The import runs once per session server (a second run of the same file would create nothing), so
the whole journey is one test. The sample file lives in the ``shared/`` checkout beside the repo.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from e2e_pages import bell_count, sidebar_link
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "cartera_cobranza.xlsx"
CAMPAIGN = "Cobranza Costa Rica"  # seeded by seed_demo, with its tipificaciones
# Column of the file → field the layout detection proposes for it (value of its select).
PROPOSED_FIELDS = {
    "RUT": "document",
    "NOMBRE": "full_name",
    "TELEFONO": "phone",
    "MONTO": "amount_due",
    "FECHA_VENC": "due_date",
}
IMPORT_TIMEOUT_MS = 60_000
# shared/samples/cartera_cobranza.expected.json: 132 rows, 120 debtors, 10 repeats, 2 rejected.
EXPECTED = {"created": "120", "updated": "10", "rejected": "2"}
REJECTED_ROWS = {132, 133}  # spreadsheet rows: no phone; an impossible phone
NOTIFICATION = "Importación de cartera_cobranza.xlsx terminada"


def test_supervisor_imports_collections_portfolio(new_context, login, e2e_server, screenshot_dir, tmp_path):
    if not SAMPLE.is_file():
        pytest.skip(f"falta el archivo de ejemplo {SAMPLE} (el repositorio `shared/` va junto a este)")
    page = login(new_context(accept_downloads=True), "supervisor")
    unread_before = bell_count(page)  # the seed already leaves the supervisor a welcome notification

    # 1. Sidebar → Cartera · Importar.
    sidebar_link(page, "Importar").click()
    expect(page).to_have_url(f"{e2e_server}/cartera/importaciones/nueva/")

    # 2. Upload the file for the collections campaign (the page has other submit buttons: scope to the form).
    form = page.locator("[data-testid=import-form]")
    form.locator("#id_campaign").select_option(label=CAMPAIGN)
    form.locator("#id_file").set_input_files(SAMPLE)
    form.locator("button[type=submit]").click()

    # 3. Column preview: the collections layout, each header with its proposed field.
    expect(page).to_have_url(re.compile(r"/cartera/importaciones/\d+/columnas/$"))
    expect(page.locator("[data-testid=layout]")).to_have_text("cartera")
    mapping = page.locator("[data-testid=mapping-form]")
    rows = mapping.locator("tbody tr")
    expect(rows).to_have_count(len(PROPOSED_FIELDS))
    for index, (header, field) in enumerate(PROPOSED_FIELDS.items()):
        row = rows.nth(index)
        expect(row.locator("td").first).to_have_text(header)
        expect(row.locator("select")).to_have_value(field)
    page.screenshot(path=screenshot_dir / "supervisor-import-preview.png", full_page=True)
    mapping.locator("button[type=submit]").click()

    # 4. The progress card polls by itself (HTMX) until the background worker is done.
    expect(page).to_have_url(re.compile(r"/cartera/importaciones/\d+/$"))
    progress = page.locator("[data-testid=import-progress]")
    expect(progress).to_be_visible()
    page.evaluate("window.__e2eNoReload = true")  # a reload would wipe it: the card must swap in place
    expect(page.locator("[data-testid=import-progress][data-status=done]")).to_be_visible(timeout=IMPORT_TIMEOUT_MS)
    assert page.evaluate("window.__e2eNoReload === true"), "la página de la importación se recargó"
    for testid, count in EXPECTED.items():
        expect(progress.locator(f"[data-testid={testid}]")).to_have_text(count)
    page.screenshot(path=screenshot_dir / "supervisor-import-done.png", full_page=True)

    # 5. The rejected rows come back as a workbook listing spreadsheet rows 132 and 133.
    with page.expect_download() as download_info:
        progress.get_by_role("link", name=re.compile("Descargar filas rechazadas")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    rejected_path = tmp_path / download.suggested_filename
    download.save_as(rejected_path)
    workbook = openpyxl.load_workbook(rejected_path, read_only=True)
    try:
        sheet = workbook["Rechazadas"]
        header, *data = list(sheet.iter_rows(values_only=True))
        assert header[0] == "Fila", header
        listed = {row[0] for row in data if row and row[0] not in (None, "")}
        assert listed == REJECTED_ROWS, data
    finally:
        workbook.close()

    # 6. Search by the phone written differently from storage, then open the debtor's card.
    page.goto("/cartera/deudores/?q=8450-1283")
    table = page.locator("[data-testid=debtor-table]")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("DANIELA ARAYA SOLÍS")
    table.get_by_role("link", name="DANIELA ARAYA SOLÍS").click()
    expect(page).to_have_url(re.compile(r"/cartera/deudores/\d+/$"))
    expect(page.locator("[data-testid=debtor-card]")).to_be_visible()
    phone = page.locator("[data-testid=phones] tbody tr").first
    expect(phone.locator("td").nth(0)).to_have_text("+506 8450-1283")  # as imported
    expect(phone.locator("td").nth(1)).to_have_text("+50684501283")  # normalised E.164
    expect(phone.locator("td").nth(2)).to_have_text("84501283")  # the digits the dialler sends
    page.screenshot(path=screenshot_dir / "debtor-card.png", full_page=True)

    # 7. The worker notified the supervisor; the bell only polls every 30 s, so reload instead.
    page.reload()
    expect(page.locator("[data-testid=bell-count]")).to_be_visible()
    assert bell_count(page) >= max(1, unread_before + 1)
    page.goto("/notificaciones/")
    expect(page.locator("main")).to_contain_text(NOTIFICATION)

"""The import engine on the shared samples, on hand-made awkward files and on broken uploads.

No database: the engine is pure Python, so these are plain functions.
"""

import datetime as dt
import io
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.imports import (
    IGNORE,
    Deduper,
    ImportFileError,
    ImportReport,
    ImportSpec,
    MappingError,
    coerce_mapping,
    dedupe_key,
    detect_layout,
    iter_records,
    merge_results,
    normalize_header,
    open_table,
    parse_age,
    parse_amount,
    parse_date,
    parse_email,
    parse_int,
    parse_phone_cell,
    parse_phones_cell,
    parse_text,
)

SAMPLES = Path("/work/shared/samples")
CARTERA_HEADERS = ["RUT", "NOMBRE", "TELEFONO", "MONTO", "FECHA_VENC"]

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")


def write_xlsx(path: Path, rows: list, *, title: str = "Hoja1", extra_sheets: dict | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = workbook.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    workbook.save(path)
    return path


def import_file(source, file_name=None, spec=None, **kwargs):
    with open_table(source, file_name, **kwargs) as reader:
        layout = detect_layout(reader.headers)
        spec = spec or ImportSpec.for_layout(layout.name, region="CR")
        report = ImportReport.for_reader(reader)
        results = list(iter_records(reader, layout.mapping, spec))
    for result in results:
        report.add(result)
    return layout, results, report


# ---------------------------------------------------------------------------------------------
# The shared samples


@pytest.mark.parametrize(
    ("name", "layout", "mapping"),
    [
        (
            "cartera_cobranza",
            "cartera",
            {0: "document", 1: "full_name", 2: "phone", 3: "amount_due", 4: "due_date"},
        ),
        ("marketing", "marketing", {0: "full_name", 1: "phone", 2: "email", 3: "age", 4: "city"}),
        ("generico", "generico", {0: "full_name", 1: "phone", 2: None, 3: None}),
    ],
)
def test_samples_layout_and_mapping(name, layout, mapping):
    with open_table(SAMPLES / f"{name}.xlsx") as reader:
        detected = detect_layout(reader.headers)
        assert reader.header_row == 1
        assert reader.kind == "xlsx"
    assert detected.name == layout
    assert detected.mapping == mapping
    assert json.loads(json.dumps(detected.as_dict()))["mapping"] == {str(k): v for k, v in mapping.items()}


def test_cartera_sample_matches_expected_outcome():
    expected = json.loads((SAMPLES / "cartera_cobranza.expected.json").read_text())
    _, results, report = import_file(SAMPLES / "cartera_cobranza.xlsx")

    assert len(results) == report.rows == expected["rows"] == 132
    assert report.rejected == expected["rejected_rows"] == 2
    rejected = {result.row_number: result for result in results if result.rejected}
    assert [result.data.get("full_name") for result in rejected.values()] == ["SIN TELEFONO", "TELEFONO MALO"]
    no_phone, bad_phone = rejected.values()
    assert [(error.column, error.reason) for error in no_phone.errors] == [
        ("TELEFONO", "Sin teléfono válido ni documento")
    ]
    assert {error.column for error in bad_phone.errors} == {"RUT", "TELEFONO"}
    assert any("12-34" in error.reason for error in bad_phone.errors)
    assert all(error.fatal and error.row == bad_phone.row_number for error in bad_phone.errors)

    accepted = [result for result in results if not result.rejected]
    assert all("document" in result.data and result.phones for result in accepted)  # every RUT is a valid cédula
    keys = {dedupe_key(result) for result in accepted}
    assert len(keys) == expected["distinct_debtors"] == 120
    duplicates = [result for result in accepted if result.duplicate_of]
    assert len(duplicates) == report.duplicates_in_file == expected["updated_by_duplicates"] == 10
    assert {result.row_number for result in duplicates} == set(range(122, 132))
    assert expected["default_region"] == "CR"


def test_cartera_sample_values_and_merge_of_repeated_debtor():
    _, results, _ = import_file(SAMPLES / "cartera_cobranza.xlsx")
    by_row = {result.row_number: result for result in results}
    first, repeat = by_row[2], by_row[122]
    assert first.data["full_name"] == "DANIELA ARAYA SOLÍS"
    assert first.data["amount_due"] == Decimal("250291.00")
    assert first.data["due_date"] == dt.date(2026, 2, 20)
    assert first.data["document_type"] == "cedula"
    assert [phone.e164 for phone in first.phones] == ["+50684501283"]
    assert repeat.duplicate_of == 2
    assert dedupe_key(repeat) == dedupe_key(first) == ("document", first.data["document"])

    merged = merge_results(first, repeat)
    assert merged.row_number == 2
    assert merged.data["amount_due"] == Decimal("251291.00")  # the later row wins
    assert [phone.e164 for phone in merged.phones] == ["+50684501283"]  # written differently, same number


def test_marketing_sample():
    layout, results, report = import_file(SAMPLES / "marketing.xlsx")
    assert len(results) == 60 and report.rejected == 0
    assert {"email", "age", "city"} <= layout.fields
    assert layout.free_columns == []
    assert all(result.free_vars == {} for result in results)
    first = results[0]
    assert first.data == {
        "full_name": "Jorge Araya Araya",
        "email": "cliente0@example.com",
        "age": 46,
        "city": "Heredia",
    }


def test_generic_sample_keeps_free_variables():
    layout, results, report = import_file(SAMPLES / "generico.xlsx")
    assert len(results) == 40 and report.rejected == 0
    assert layout.free_columns == ["var1", "var2"]
    assert all(set(result.free_vars) == {"var1", "var2"} for result in results)
    assert results[0].free_vars == {"var1": "C", "var2": 4}
    assert results[0].data == {"full_name": "Lucía Hernández Alvarado"}


# ---------------------------------------------------------------------------------------------
# Awkward but valid files

DATA = [
    ["102340567", "Ana Mora", "8888-1234", "₡1.250.389", "20/02/2026"],
    ["203450678", "Luis Solís", "+506 2222 3333", "1,250,389.50", "2026-03-01"],
]


@pytest.mark.parametrize(
    "titles", [[["CARTERA NOVIEMBRE 2026"]], [["CARTERA NOVIEMBRE 2026"], []], [["Banco X"], ["Cortes"]]]
)
def test_title_rows_above_the_header(tmp_path, titles):
    path = write_xlsx(
        tmp_path / "cartera.xlsx",
        [*titles, CARTERA_HEADERS, *DATA, [], ["304560789", "Eva Ruiz", "8777 6543", 5, None]],
    )
    header_row = len(titles) + 1
    _, results, report = import_file(path)
    assert [result.row_number for result in results] == [header_row + 1, header_row + 2, header_row + 4]
    assert report.rejected == 0
    assert results[0].data["amount_due"] == Decimal("1250389.00")
    assert results[1].data["amount_due"] == Decimal("1250389.50")
    assert results[1].data["due_date"] == dt.date(2026, 3, 1)


def test_headers_with_accents_case_and_english_synonyms(tmp_path):
    headers = ["Cédula", "Nombre Completo", "TELÉFONO", "Celular 2", "E-mail", "Saldo Total", "Fecha de Vencimiento",
               "Dirección", "Producto", "Observaciones"]  # fmt: skip
    layout = detect_layout(headers)
    assert layout.name == "cartera"
    assert layout.mapping == {0: "document", 1: "full_name", 2: "phone", 3: "phone2", 4: "email", 5: "amount_due",
                              6: "due_date", 7: "address", 8: "product", 9: None}  # fmt: skip
    english = detect_layout(["Document Number", "Full Name", "Mobile", "Amount Due", "Due Date", "City"])
    assert english.name == "cartera"
    assert list(english.mapping.values()) == ["document", "full_name", "phone", "amount_due", "due_date", "city"]
    assert detect_layout(["Nombre", "Teléfono", "Teléfono"]).mapping == {0: "full_name", 1: "phone", 2: "phone2"}
    assert detect_layout(["Cliente", "Móvil", "Correo", "Edad"]).name == "marketing"
    assert detect_layout(["nombre", "fono", "campo1"]).name == "generico"
    assert normalize_header("  Teléfono  Nº.1 ") == "telefono_no_1"


def test_csv_with_semicolons_in_cp1252(tmp_path):
    text = "Cédula;Nombre;Teléfono;Monto;Vencimiento\r\n" + "102340567;José Peña;8888-1234;1.250.389,50;20/02/2026\r\n"
    path = tmp_path / "cartera.csv"
    path.write_bytes(text.encode("cp1252"))
    with open_table(path) as reader:
        assert (reader.kind, reader.encoding, reader.delimiter) == ("csv", "cp1252", ";")
        assert reader.headers == ["Cédula", "Nombre", "Teléfono", "Monto", "Vencimiento"]
    layout, results, report = import_file(path)
    assert layout.name == "cartera" and report.rejected == 0
    assert results[0].row_number == 2
    assert results[0].data["full_name"] == "José Peña"
    assert results[0].data["amount_due"] == Decimal("1250389.50")
    assert results[0].data["due_date"] == dt.date(2026, 2, 20)


@pytest.mark.parametrize(("delimiter", "encoding"), [(",", "utf-8-sig"), ("\t", "utf-8"), ("|", "latin-1")])
def test_csv_delimiters_and_encodings_with_a_title_line(tmp_path, delimiter, encoding):
    lines = [
        "Campaña Diciembre",
        "",
        delimiter.join(["nombre", "teléfono", "ciudad"]),
        delimiter.join(["Ñandú", "8888-1234", "San José"]),
    ]
    path = tmp_path / "lista.csv"
    path.write_bytes("\n".join(lines).encode(encoding))
    layout, results, _ = import_file(path)
    assert layout.name == "marketing"
    assert [(result.row_number, result.data["full_name"], result.data["city"]) for result in results] == [
        (4, "Ñandú", "San José")
    ]


def test_django_upload_peek_progress_and_named_sheet(tmp_path):
    rows = [["nombre", "telefono"], *[[f"Cliente {n}", f"8888{n:04d}"] for n in range(1200)]]
    path = write_xlsx(tmp_path / "x.xlsx", [["otra"], ["hoja"]], title="Portada", extra_sheets={"Datos": rows})
    upload = SimpleUploadedFile("lista.xlsx", path.read_bytes())
    progress = []
    with open_table(upload, sheet="Datos") as reader:
        assert reader.sheet_names == ["Portada", "Datos"] and reader.file_name == "lista.xlsx"
        assert reader.total_rows == 1200
        assert [row.number for row in reader.peek(3)] == [2, 3, 4]
        results = list(iter_records(reader, on_progress=lambda done, total: progress.append((done, total))))
    assert len(results) == 1200 and results[0].row_number == 2
    assert progress == [(500, 1200), (1000, 1200), (1200, 1200)]
    with pytest.raises(RuntimeError):
        list(reader)  # one pass only: rows are streamed, not kept
    with pytest.raises(ImportFileError, match="La hoja «Nada» no existe"):
        open_table(upload, sheet="Nada")


@pytest.mark.parametrize("wrap", [lambda handle: handle, File], ids=["file", "django-file"])
def test_reader_leaves_the_callers_file_open(tmp_path, wrap):
    path = tmp_path / "lista.csv"
    path.write_text("nombre,telefono,var1\nAna,8888-1234,7.0\n", encoding="utf-8")
    with path.open("rb") as handle:
        with open_table(wrap(handle)) as reader:  # the name (and so the format) comes from the handle
            (result,) = iter_records(reader)
        assert not handle.closed
    assert result.free_vars == {"var1": "7.0"} and result.phones[0].e164 == "+50688881234"


# ---------------------------------------------------------------------------------------------
# Broken uploads


def test_refuses_broken_files(tmp_path):
    cases = {
        "informe.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "Tipo de archivo no admitido (.pdf)"),
        "viejo.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "no se admiten"),
        "basura.xlsx": (os.urandom(2048), "El archivo no es un Excel (.xlsx) válido"),
        "zip.xlsx": (b"PK\x03\x04" + os.urandom(500), "El archivo no es un Excel (.xlsx) válido"),
        "vacio.xlsx": (b"", "El archivo está vacío"),
        "vacio.csv": (b"", "El archivo está vacío"),
        "pdf.csv": (b"%PDF-1.4\n", "es un PDF"),
        "binario.csv": (b"a,b\n\x00\x01\x02", "no es un CSV de texto válido"),
        "solo_encabezado.csv": ("nombre;teléfono\n".encode(), "El archivo no tiene filas de datos"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ImportFileError, match=re.escape(message)):
            open_table(path)


@pytest.mark.parametrize(
    "rows",
    [[], [CARTERA_HEADERS], [["CARTERA NOVIEMBRE 2026"], [], CARTERA_HEADERS], [[None], []]],
    ids=["no-rows", "header-only", "title-and-header", "blank-cells"],
)
def test_refuses_sheets_without_data(tmp_path, rows):
    path = write_xlsx(tmp_path / "vacio.xlsx", rows)
    with pytest.raises(ImportFileError, match="^El archivo no tiene filas de datos$"):
        open_table(path)


def test_refuses_files_over_the_size_limit_before_parsing(tmp_path):
    path = tmp_path / "enorme.xlsx"
    path.write_bytes(os.urandom(20 * 1024 * 1024 + 1))  # junk: only the size check can answer first
    with pytest.raises(ImportFileError, match="^El archivo supera el límite de 20 MB$"):
        open_table(path)
    with pytest.raises(ImportFileError, match="^El archivo supera el límite de 20 MB$"):
        open_table(SimpleUploadedFile("enorme.xlsx", path.read_bytes()))
    with pytest.raises(ImportFileError, match="límite de 0.5 MB"):
        open_table(io.BytesIO(b"x" * (600 * 1024)), "lista.csv", max_bytes=512 * 1024)


# ---------------------------------------------------------------------------------------------
# Row rules


def rows_of(tmp_path, headers, rows, spec=None):
    path = write_xlsx(tmp_path / "filas.xlsx", [headers, *rows])
    return import_file(path, spec=spec)[1]


def test_document_rule_and_secondary_phones(tmp_path):
    results = rows_of(
        tmp_path,
        ["RUT", "NOMBRE", "TELEFONO", "TELEFONO2", "MONTO"],
        [
            ["999", "Doc malo, tel bueno", "8888-1234", None, 10],
            ["102340567", "Doc bueno, sin tel", None, None, 10],
            ["102340567", "Doc repetido, tel nuevo", "8777-6543", None, 11],
            ["999", "Doc malo, tel malo", "12-34", None, 10],
            [None, "Tel malo, tel2 bueno", "12-34", "2222-3333 / 12", 10],
            [None, None, "8999-0000", None, 10],
            [None, "Monto malo", "8999-1111", None, "mucho"],
            [None, "Tel repetido", "+506 8888 1234", None, 12],
        ],
    )
    doc_bad, doc_only, doc_repeat, nothing, second_phone, no_name, bad_amount, phone_repeat = results
    assert not doc_bad.rejected and "document" not in doc_bad.data
    assert [(e.column, e.fatal) for e in doc_bad.errors] == [("RUT", False)]
    assert "se identifica por el teléfono" in doc_bad.errors[0].reason
    assert not doc_only.rejected and doc_only.phones == [] and doc_only.data["document"]
    assert doc_repeat.duplicate_of == doc_only.row_number
    assert nothing.rejected and [e.column for e in nothing.errors] == ["RUT", "TELEFONO"]
    assert not second_phone.rejected and [p.e164 for p in second_phone.phones] == ["+50622223333"]
    assert [(e.column, e.fatal) for e in second_phone.errors] == [("TELEFONO", False), ("TELEFONO2", False)]
    assert no_name.rejected and no_name.errors[0].reason == "Campo obligatorio vacío: Nombre"
    assert bad_amount.rejected and bad_amount.errors[0].reason == "Monto inválido: mucho"
    assert phone_repeat.duplicate_of == doc_bad.row_number  # no document: matched by phone


def test_deduper_and_keys_without_document():
    deduper = Deduper()
    from core.imports import RowResult
    from core.phones import parse_phone

    first = RowResult(1, phones=[parse_phone("8888-1234", "CR"), parse_phone("2222-3333", "CR")])
    second = RowResult(2, phones=[parse_phone("2222 3333", "CR")])
    other_doc = RowResult(3, data={"document": "0102340567"}, phones=[parse_phone("8888-1234", "CR")])
    assert [deduper.check(result) for result in (first, second, other_doc)] == [None, 1, None]
    assert dedupe_key(second) == ("phone", "+50622223333") and dedupe_key(RowResult(4)) == ()
    merged = merge_results(first, RowResult(5, data={"city": "Heredia"}, phones=[parse_phone("7000-0000", "CR")]))
    assert [p.e164 for p in merged.phones] == ["+50688881234", "+50622223333", "+50670000000"]


def test_mapping_round_trip_and_errors(tmp_path):
    layout = detect_layout(CARTERA_HEADERS)
    assert coerce_mapping(json.loads(json.dumps(layout.mapping)), 5) == layout.mapping
    with pytest.raises(MappingError, match="mismo campo"):
        coerce_mapping({"0": "phone", "1": "phone"})
    with pytest.raises(MappingError, match="Campo desconocido"):
        coerce_mapping({"0": "salary"})
    with pytest.raises(MappingError, match="no existe"):
        coerce_mapping({"7": "phone"}, 5)
    path = write_xlsx(tmp_path / "c.xlsx", [CARTERA_HEADERS, DATA[0]])
    with open_table(path) as reader, pytest.raises(MappingError, match="nombre"):
        iter_records(reader, {0: "document", 1: None, 2: "phone"}, ImportSpec.for_layout("cartera"))
    with open_table(path) as reader:
        (result,) = iter_records(reader, {0: IGNORE, 1: "full_name", 2: "phone", 3: None, 4: None})
    assert "document" not in result.data and result.free_vars == {"MONTO": "₡1.250.389", "FECHA_VENC": "20/02/2026"}


def test_rejected_rows_workbook(tmp_path):
    _, _, report = import_file(SAMPLES / "cartera_cobranza.xlsx")
    report.created, report.updated = 120, 10
    assert report.as_dict()["rejected"] == 2 and report.as_dict()["accepted"] == 130
    workbook = load_workbook(io.BytesIO(report.rejected_workbook_bytes()))
    assert workbook.sheetnames == ["Rechazadas", "Advertencias"]
    rows = list(workbook["Rechazadas"].iter_rows(values_only=True))
    assert rows[0] == ("Fila", "Columna", "Motivo", *CARTERA_HEADERS)
    assert [(row[0], row[1]) for row in rows[1:]] == [(132, "TELEFONO"), (133, "RUT"), (133, "TELEFONO")]
    assert rows[1][4] == "SIN TELEFONO" and rows[3][5] == "12-34"
    assert "12-34" in rows[3][2]


# ---------------------------------------------------------------------------------------------
# Cell parsers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (250291, "250291.00"),
        (1250.5, "1250.50"),
        (Decimal("10.005"), "10.01"),
        ("₡1.250.389", "1250389.00"),
        ("1,250,389.50", "1250389.50"),
        ("$ 1.250.389,50", "1250389.50"),
        ("CRC 250291", "250291.00"),
        ("1 250 389", "1250389.00"),
        ("1\u00a0250\u00a0389,5", "1250389.50"),
        ("(1.500)", "-1500.00"),
        ("-₡2.000,25", "-2000.25"),
        ("₡-2.000", "-2000.00"),
        ("1.250", "1250.00"),
        ("1,250", "1250.00"),
        ("0,250", "0.25"),
        ("1250,5", "1250.50"),
        ("1.250.389 colones", "1250389.00"),
        ("US$ 30", "30.00"),
        ("1.25E+06", "1250000.00"),
    ],
)
def test_parse_amount(value, expected):
    assert parse_amount(value) == (Decimal(expected), None)


@pytest.mark.parametrize("value", ["abc", "12abc34", "1.25.389", "1,2,3", "$", "--5", True, float("inf")])
def test_parse_amount_garbage(value):
    amount, error = parse_amount(value)
    assert amount is None and error.startswith("Monto inválido: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 2, 20, 15, 30), dt.date(2026, 2, 20)),
        (dt.date(2026, 2, 20), dt.date(2026, 2, 20)),
        (46073, dt.date(2026, 2, 20)),
        (46073.75, dt.date(2026, 2, 20)),
        ("46073", dt.date(2026, 2, 20)),
        ("20/02/2026", dt.date(2026, 2, 20)),
        ("20-02-2026", dt.date(2026, 2, 20)),
        ("3/4/26", dt.date(2026, 4, 3)),  # day first
        ("02/20/2026", dt.date(2026, 2, 20)),  # only month-first makes sense
        ("2026-02-20", dt.date(2026, 2, 20)),
        ("2026-02-20 00:00:00", dt.date(2026, 2, 20)),
        ("20260220", dt.date(2026, 2, 20)),
        ("20 de febrero de 2026", dt.date(2026, 2, 20)),
        ("20-feb-26", dt.date(2026, 2, 20)),
        ("5 setiembre 2026", dt.date(2026, 9, 5)),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == (expected, None)


@pytest.mark.parametrize(
    "value", ["31/02/2026", "ayer", "2026-13-01", "12/13/14/15", -5, True, "20 de brumario de 2026"]
)
def test_parse_date_garbage(value):
    date, error = parse_date(value)
    assert date is None and error.startswith("Fecha inválida: ")


def test_empty_cells_are_neither_values_nor_errors():
    for parser in (parse_amount, parse_date, parse_text, parse_email, parse_int, parse_phone_cell):
        assert parser(None) == (None, None)
        assert parser("  \u00a0") == (None, None)


def test_phone_email_text_and_integer_parsers():
    phone, error = parse_phone_cell(" 8888-1234 ", "CR")
    assert error is None and phone.e164 == "+50688881234"
    assert parse_phone_cell("12-34", "CR") == (None, "Número inválido para CR: 12-34 (demasiado corto)")
    phones, errors = parse_phones_cell("8888-1234 / 2222 3333 y 12", "CR")
    assert [p.e164 for p in phones] == ["+50688881234", "+50622223333"] and len(errors) == 1
    assert parse_email(" Ana.Mora@Example.COM ") == ("ana.mora@example.com", None)
    assert parse_email("mailto:ana@example.cr") == ("ana@example.cr", None)
    for bad in ("ana@", "ana@example", "ana mora@example.com", "a@@b.com", "ana@ex..com"):
        assert parse_email(bad) == (None, f"Correo inválido: {bad}")
    assert parse_text("  Ana   María\u00a0Mora ") == ("Ana María Mora", None)
    assert parse_text(102340567.0) == ("102340567", None)
    assert parse_int("45 años") == (45, None) and parse_int(45.0) == (45, None) and parse_int("45,0") == (45, None)
    assert parse_int(4.5)[1] == "Número inválido: 4.5"
    assert parse_age(150) == (None, "Edad inválida: 150") and parse_age("treinta")[0] is None


@pytest.mark.parametrize("name", ["cartera_cobranza.xlsx", "marketing.xlsx", "generico.xlsx"])
def test_parsing_on_worker_processes_gives_the_same_records_in_order(name):
    """Big files parse on several processes; the records must not differ from a one-process run
    in anything (values, phones, errors, repeats found), nor come back in another order."""

    def records(workers):
        with open_table(SAMPLES / name) as reader:
            layout = detect_layout(reader.headers)
            spec = ImportSpec.for_layout(layout.name, region="CR")
            return list(iter_records(reader, layout.mapping, spec, workers=workers))

    inline, pooled = records(1), records(2)
    assert len(pooled) == len(inline) > 30
    assert [r.row_number for r in pooled] == sorted(r.row_number for r in pooled)
    assert pooled == inline  # dataclass equality: data, phones, errors, duplicate_of, raw


def test_parallel_parsing_in_small_chunks_keeps_file_order(tmp_path):
    from core.imports.engine import _RowParser
    from core.imports.parallel import parse_rows

    rows = [["NOMBRE", "TELEFONO"]] + [[f"Cliente {i}", f"8850{i:04d}"] for i in range(1, 251)]
    path = write_xlsx(tmp_path / "chunks.xlsx", rows)
    with open_table(path) as reader:
        layout = detect_layout(reader.headers)
        spec = ImportSpec.for_layout(layout.name, region="CR")
        parser = _RowParser(reader.headers, coerce_mapping(layout.mapping, len(reader.headers)), spec)
        results = list(parse_rows(reader, parser, workers=2, chunk_rows=7))
    assert [r.row_number for r in results] == list(range(2, 252))
    assert [r.phones[0].e164 for r in results[:2]] == ["+50688500001", "+50688500002"]
    assert not any(r.rejected for r in results)

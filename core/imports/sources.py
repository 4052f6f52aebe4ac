"""Low-level row sources for ``reader``: raw numbered rows of an .xlsx sheet or a CSV file.

Each ``*_rows`` function takes a seekable binary stream and returns ``(rows, info, close)``:
a generator of ``SourceRow`` (blank rows included, so numbers match the spreadsheet), facts
about the file for the reader, and a callable releasing what the source opened.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from typing import IO, NamedTuple

from python_calamine import CalamineWorkbook

CHUNK = 256 * 1024
CSV_DELIMITERS = ",;\t|"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and .xlsx files protected with a password
BAD_XLSX = "El archivo no es un Excel (.xlsx) válido"
NO_DATA = "El archivo no tiene filas de datos"
_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 50


class ImportFileError(ValueError):
    """A file that cannot be imported at all; ``str(error)`` is the Spanish message for the user."""


class SourceRow(NamedTuple):
    number: int  # the spreadsheet's own 1-based row number
    values: tuple


Source = tuple[Iterator[SourceRow], dict, Callable[[], None]]


def _cell(value):
    """calamine's cell as openpyxl would give it: blank → None, whole floats → int."""
    if value == "":
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def xlsx_rows(stream: IO[bytes], sheet: str | None = None) -> Source:
    """Rows of one sheet through calamine (Rust): the sheet is decoded once, rows are converted to
    Python lazily. An order of magnitude faster than openpyxl's read-only mode on large files."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(
            "El archivo es un Excel antiguo (.xls) o está protegido con contraseña: guárdelo como .xlsx sin contraseña"
        )
    if not head.startswith(ZIP_MAGIC):
        raise ImportFileError(BAD_XLSX)
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        names = list(workbook.sheet_names)
    except Exception:  # ZipError, XmlError, a zip that is not a workbook…
        raise ImportFileError(BAD_XLSX) from None
    if not names or (sheet is not None and sheet not in names):
        workbook.close()
        if not names:
            raise ImportFileError(NO_DATA)
        raise ImportFileError(f"La hoja «{sheet}» no existe en el archivo (hojas: {', '.join(names)})")
    name = sheet or names[0]
    try:
        worksheet = workbook.get_sheet_by_name(name)
    except Exception:
        workbook.close()
        raise ImportFileError("El archivo Excel está dañado y no se pudo leer completo") from None
    # calamine starts each row at the first used column; pad so column letters stay the sheet's.
    start, end = worksheet.start, worksheet.end
    pad = (None,) * (start[1] if start else 0)
    declared = end[0] + 1 if end else 0

    def rows() -> Iterator[SourceRow]:
        if not start:
            return
        for number, values in enumerate(worksheet.iter_rows(), start=1):
            yield SourceRow(number, pad + tuple(_cell(value) for value in values))

    info = {"sheet_name": name, "sheet_names": names, "declared_rows": declared}
    return rows(), info, workbook.close


def sniff_encoding(stream: IO[bytes]) -> tuple[str, int]:
    """Encoding (UTF-8, else cp1252, else latin-1) and the number of lines, in one cheap pass."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(b"%PDF"):
        raise ImportFileError("El archivo es un PDF, no un CSV")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(CHUNK), b""))
        stream.seek(0)
        return "utf-16", lines
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8-sig", "cp1252")}
    lines, last = 0, b""
    while block := stream.read(CHUNK):
        if b"\x00" in block:
            raise ImportFileError("El archivo no es un CSV de texto válido")
        lines += block.count(b"\n")
        last = block
        for name, decoder in list(decoders.items()):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                del decoders[name]
    for name, decoder in list(decoders.items()):
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[name]
    stream.seek(0)
    return next(iter(decoders), "latin-1"), lines + (1 if last and not last.endswith(b"\n") else 0)


def sniff_delimiter(sample: str) -> str:
    """The delimiter giving the most lines with the same number (>1) of fields; ``,`` by default."""
    lines = [line for line in sample.splitlines()[:_SNIFF_LINES] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        try:
            counts = [len(record) for record in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        wide = [count for count in counts if count > 1]
        if not wide:
            continue
        mode = max(set(wide), key=lambda count: (wide.count(count), count))
        score = (wide.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_rows(stream: IO[bytes]) -> Source:
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(ZIP_MAGIC):  # an Excel file saved with a .csv name: read it for what it is
        return xlsx_rows(stream)
    encoding, lines = sniff_encoding(stream)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(stream.read(_SNIFF_CHARS))
    stream.seek(0)
    delimiter = sniff_delimiter(sample)

    def rows() -> Iterator[SourceRow]:
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        number = 0
        try:
            for number, record in enumerate(csv.reader(text, delimiter=delimiter), start=1):  # noqa: B007
                yield SourceRow(number, tuple(cell if cell.strip() else None for cell in record))
        except csv.Error as exc:
            raise ImportFileError(f"El CSV está mal formado cerca de la fila {number + 1}: {exc}") from None
        finally:
            with contextlib.suppress(ValueError):
                text.detach()  # leave the caller's stream open

    info = {"encoding": encoding, "delimiter": delimiter, "declared_rows": lines}
    return rows(), info, lambda: None

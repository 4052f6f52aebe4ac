"""Open an uploaded .xlsx or .csv file as a stream of numbered rows under a detected header row.

``open_table`` refuses what it cannot read with an ``ImportFileError`` in Spanish, before the
caller touches any row. A sheet is decoded once by calamine (the 20 MB upload limit bounds it)
and its rows converted to Python lazily; a CSV is read as a stream. Row numbers are the ones the
user sees in Excel: 1-based, counting title and blank rows.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from itertools import chain
from typing import IO

from openpyxl.utils import get_column_letter

from .headers import canonical_field
from .sources import CHUNK, NO_DATA, ImportFileError, SourceRow, csv_rows, xlsx_rows

__all__ = ["DEFAULT_MAX_BYTES", "ImportFileError", "SourceRow", "TableReader", "open_table"]

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB
HEADER_SEARCH_ROWS = 10
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
TEXT_EXTENSIONS = (".csv", ".txt", ".tsv")


def _is_empty(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _header_text(value, index: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"Columna {get_column_letter(index + 1)}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for header in headers:
        key = header.lower()
        seen[key] = seen.get(key, 0) + 1
        result.append(header if seen[key] == 1 else f"{header} ({seen[key]})")
    return result


def _header_score(values: tuple) -> int:
    return len({canonical_field(value) for value in values if isinstance(value, str)} - {None})


def _is_text_header(values: tuple) -> bool:
    texts = [value for value in values if isinstance(value, str) and value.strip()]
    return len(texts) >= 2 and not any(value.strip().replace(".", "").isdigit() for value in texts)


class TableReader:
    """Rows of one sheet below its header row. Iterate once; use ``peek`` for a preview first.

    ``total_rows`` is an estimate of the data rows (the sheet's declared size, or the CSV's line
    count) for progress bars; it may be ``None`` or slightly off, never used for logic.
    """

    def __init__(self, *, file_name: str, kind: str, rows: Iterator[SourceRow], closer=None, **info):
        self.file_name = file_name
        self.kind = kind
        self.sheet_name: str | None = info.get("sheet_name")
        self.sheet_names: list[str] = info.get("sheet_names", [])
        self.encoding: str | None = info.get("encoding")
        self.delimiter: str | None = info.get("delimiter")
        self._closer = closer
        self._buffer: list[SourceRow] = []
        self._started = False
        try:
            self._rows = self._find_header(row for row in rows if not _is_empty(row.values))
        except Exception:
            self.close()
            raise
        declared = info.get("declared_rows")
        self.total_rows: int | None = max(declared - self.header_row, 0) if declared else None

    def _find_header(self, rows: Iterator[SourceRow]) -> Iterator[SourceRow]:
        candidates: list[SourceRow] = []
        lookahead: list[SourceRow] = []
        for row in rows:
            if row.number > HEADER_SEARCH_ROWS:
                lookahead.append(row)
                break
            candidates.append(row)
        if not candidates:
            raise ImportFileError(NO_DATA)
        scores = [_header_score(row.values) for row in candidates]
        best = max(range(len(candidates)), key=lambda index: (scores[index], -index))
        if not scores[best]:
            # No known column names: take the first row of text labels that has rows below it.
            followed = [i for i, row in enumerate(candidates) if i + 1 < len(candidates) or lookahead]
            best = next((i for i in followed if _is_text_header(candidates[i].values)), None)
            if best is None:
                if len(candidates) + len(lookahead) <= 1:
                    raise ImportFileError(NO_DATA)
                raise ImportFileError(
                    f"No se encontró la fila de encabezados en las primeras {HEADER_SEARCH_ROWS} filas"
                )
        header = candidates[best]
        values = list(header.values)
        while values and _is_empty(values[-1:]):
            values.pop()
        self.header_row = header.number
        self.headers = _unique([_header_text(value, index) for index, value in enumerate(values)])
        fitted = self._fit(chain(candidates[best + 1 :], lookahead, rows))
        first = next(fitted, None)
        if first is None:
            raise ImportFileError(NO_DATA)
        return chain([first], fitted)

    def _fit(self, rows: Iterator[SourceRow]) -> Iterator[SourceRow]:
        width = len(self.headers)
        for number, values in rows:
            values = tuple(values[:width])
            if not _is_empty(values):  # cells beyond the last header are ignored
                yield SourceRow(number, values + (None,) * (width - len(values)))

    def peek(self, count: int = 10) -> list[SourceRow]:
        """The first ``count`` data rows, which iteration still yields afterwards."""
        while len(self._buffer) < count:
            row = next(self._rows, None)
            if row is None:
                break
            self._buffer.append(row)
        return self._buffer[:count]

    def __iter__(self) -> Iterator[SourceRow]:
        if self._started:
            raise RuntimeError("TableReader can only be iterated once")
        self._started = True
        return self._iterate()

    def _iterate(self) -> Iterator[SourceRow]:
        try:
            yield from self._buffer
            self._buffer = []
            yield from self._rows
        finally:
            self.close()

    def close(self) -> None:
        if self._closer:
            closer, self._closer = self._closer, None
            closer()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _open_binary(source, max_bytes: int) -> tuple[IO[bytes], bool]:
    """A seekable binary stream over ``source`` and whether we opened it (and must close it)."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), True
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True  # noqa: SIM115 - the reader closes it
    if isinstance(source, io.TextIOBase):
        raise TypeError("open_table needs a binary file, not a text one")
    stream = source
    for _ in range(3):  # Django's File, FieldFile and UploadedFile wrap the real file object
        if isinstance(stream, io.IOBase) or getattr(stream, "file", None) is None:
            break
        stream = stream.file
    if isinstance(stream, io.IOBase) and stream.seekable():
        stream.seek(0)
        return stream, False
    # Not seekable, or not a real file object: copy it (up to the limit, which it then exceeds).
    copy = tempfile.SpooledTemporaryFile(max_size=8 * MB)  # noqa: SIM115 - the reader closes it
    if hasattr(source, "seek"):
        with contextlib.suppress(OSError, ValueError):
            source.seek(0)
    while block := source.read(CHUNK):
        copy.write(block)
        if copy.tell() > max_bytes:
            break
    copy.seek(0)
    return copy, True


def open_table(
    source, file_name: str | None = None, *, sheet: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> TableReader:
    """Open ``source`` (a path, bytes, or a binary file object such as a Django upload) as a table.

    ``file_name`` is the name the user uploaded (its extension decides the format); it defaults to
    the source's own name. Raises ``ImportFileError`` for anything that cannot be imported.
    """
    name = (
        file_name
        or getattr(source, "name", None)
        or (os.fspath(source) if isinstance(source, str | os.PathLike) else "")
    )
    name = os.path.basename(str(name))
    extension = os.path.splitext(name)[1].lower()
    if extension == ".xls":
        raise ImportFileError("Los archivos .xls (Excel 97-2003) no se admiten: guárdelo como .xlsx o .csv")
    if extension not in EXCEL_EXTENSIONS + TEXT_EXTENSIONS:
        shown = extension or "sin extensión"
        raise ImportFileError(f"Tipo de archivo no admitido ({shown}): suba un Excel (.xlsx) o un CSV (.csv)")
    too_big = f"El archivo supera el límite de {max_bytes / MB:g} MB"
    declared = getattr(source, "size", None)  # Django uploads know their size: refuse before reading
    if isinstance(declared, int) and declared > max_bytes:
        raise ImportFileError(too_big)
    stream, owned = _open_binary(source, max_bytes)
    try:
        size = stream.seek(0, os.SEEK_END)
        stream.seek(0)
        if size > max_bytes:
            raise ImportFileError(too_big)
        if size == 0:
            raise ImportFileError("El archivo está vacío")
        if extension in EXCEL_EXTENSIONS:
            rows, info, release = xlsx_rows(stream, sheet)
        else:
            rows, info, release = csv_rows(stream)
    except BaseException:
        if owned:
            stream.close()
        raise

    def close() -> None:
        rows.close()
        release()
        if owned:
            stream.close()

    kind = "csv" if "encoding" in info else "xlsx"
    return TableReader(file_name=name, kind=kind, rows=rows, closer=close, **info)

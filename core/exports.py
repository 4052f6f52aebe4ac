"""Excel export for every table, columns as (header, accessor) pairs.

Small lists are answered inside the request (:func:`xlsx_response`); big ones are written by a
background task to a file on disk (:func:`workbook_file`, see ``core.export_jobs``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

Column = tuple[str, Callable[[Any], Any] | str]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_ROWS = 200_000  # answers built inside the request
EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet, header included
EXCEL_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _value(row: Any, accessor: Callable[[Any], Any] | str) -> Any:
    if callable(accessor):
        value = accessor(row)
    else:
        value = row
        for part in accessor.split("."):
            value = getattr(value, part, None) if value is not None else None
            if callable(value) and part.startswith("get_"):
                value = value()
    if isinstance(value, datetime):
        # Excel has no time zones: write the local wall-clock time the user sees on screen.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    if value is None or isinstance(value, (int, float, bool, Decimal)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class ExportTooLarge(Exception):
    """More rows than one Excel sheet holds (``rows`` when counted, else found while writing)."""

    def __init__(self, rows: int | None = None):
        self.rows = rows
        counted = f"{thousands(rows)} filas" if rows else f"más de {thousands(EXCEL_MAX_DATA_ROWS)} filas"
        super().__init__(
            f"La lista tiene {counted} y una hoja de Excel admite como máximo {thousands(EXCEL_MAX_DATA_ROWS)}. "
            "Filtra la lista (por ejemplo por fechas) y expórtala por partes."
        )


def _new_workbook(title: str, columns: list[Column]) -> tuple[Workbook, Any]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return workbook, sheet


def workbook_bytes(*, title: str, columns: list[Column], rows: Iterable[Any]) -> bytes:
    """A small workbook in memory, for answers built inside the request (capped at MAX_EXPORT_ROWS)."""
    workbook, sheet = _new_workbook(title, columns)
    for count, row in enumerate(rows):
        if count >= MAX_EXPORT_ROWS:
            break
        sheet.append([_value(row, accessor) for _, accessor in columns])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_file(
    *,
    path: str | os.PathLike,
    title: str,
    columns: list[Column],
    rows: Iterable[Any],
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 5000,
) -> int:
    """Write every row to an .xlsx file at ``path`` in constant memory; the number of data rows.

    openpyxl's write-only sheet streams rows to a temporary file and zips it on save, so memory
    does not grow with the row count. Raises :class:`ExportTooLarge` past Excel's sheet limit.
    """
    workbook, sheet = _new_workbook(title, columns)
    count = 0
    try:
        for row in rows:
            if count >= EXCEL_MAX_DATA_ROWS:
                raise ExportTooLarge()
            sheet.append([_value(row, accessor) for _, accessor in columns])
            count += 1
            if on_progress and count % progress_every == 0:
                on_progress(count)
        workbook.save(os.fspath(path))
    except BaseException:
        _discard(sheet)
        raise
    if on_progress:
        on_progress(count)
    return count


def _discard(sheet) -> None:
    """Remove the half-written sheet's temporary file now: openpyxl would only do it at process
    exit, and the task worker runs for days."""
    with contextlib.suppress(Exception):
        if not sheet.closed:
            sheet.close()  # ends the row stream and closes the file in order
    writer = getattr(sheet, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def xlsx_response(*, filename: str, title: str, columns: list[Column], rows: Iterable[Any]) -> HttpResponse:
    response = HttpResponse(workbook_bytes(title=title, columns=columns, rows=rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stamped_filename(filename)}"'
    return response


def stamped_filename(name: str, when: datetime | None = None) -> str:
    """``gestiones-20261122-2105.xlsx``: the list's name and the local time it was exported."""
    return f"{name}-{timezone.localtime(when).strftime('%Y%m%d-%H%M')}.xlsx"

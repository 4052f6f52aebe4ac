"""The outcome of an import: counts for the summary screen and the rejected-rows workbook."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .engine import RowError, RowResult

MAX_DETAILED_ROWS = 20_000  # beyond this only the counts grow; the workbook says so
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class ImportReport:
    """Feed it every ``RowResult`` with ``add``; the caller counts created/updated/unchanged."""

    file_name: str = ""
    headers: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates_in_file: int = 0
    warning_count: int = 0
    rejected_rows: list[RowResult] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @classmethod
    def for_reader(cls, reader) -> ImportReport:
        return cls(file_name=getattr(reader, "file_name", ""), headers=list(reader.headers))

    def add(self, result: RowResult) -> None:
        self.rows += 1
        if result.rejected:
            self.rejected += 1
            if len(self.rejected_rows) < MAX_DETAILED_ROWS:
                self.rejected_rows.append(result)
            return
        if result.duplicate_of:
            self.duplicates_in_file += 1
        notes = result.warnings
        self.warning_count += len(notes)
        self.warnings.extend(notes[: max(MAX_DETAILED_ROWS - len(self.warnings), 0)])

    @property
    def accepted(self) -> int:
        return self.rows - self.rejected

    def as_dict(self) -> dict:
        """JSON-ready summary (for a task result or the activity log)."""
        return {
            "file_name": self.file_name,
            "rows": self.rows,
            "accepted": self.accepted,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "duplicates_in_file": self.duplicates_in_file,
            "warnings": self.warning_count,
        }

    def rejected_workbook_bytes(self) -> bytes:
        """An .xlsx with a "Rechazadas" sheet (row, column, reason and the row as it came, one line
        per problem) and an "Advertencias" sheet with the notes on rows that were imported.
        """
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Rechazadas")
        sheet.append(_bold(sheet, ["Fila", "Columna", "Motivo", *self.headers]))
        for result in self.rejected_rows:
            for error in result.errors:
                sheet.append(_cells(sheet, [result.row_number, error.column, error.reason, *result.raw]))
        if self.rejected > len(self.rejected_rows):
            missing = self.rejected - len(self.rejected_rows)
            sheet.append(_cells(sheet, ["", "", f"… y {missing} filas rechazadas más (no se detallan)"]))
        notes = workbook.create_sheet("Advertencias")
        notes.append(_bold(notes, ["Fila", "Columna", "Motivo"]))
        for error in self.warnings:
            notes.append(_cells(notes, [error.row, error.column, error.reason]))
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _bold(sheet, values: list) -> list[WriteOnlyCell]:
    cells = _cells(sheet, values)
    for cell in cells:
        cell.font = Font(bold=True)
    return cells


def _cells(sheet, values: list) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        if isinstance(value, dt.datetime) and value.tzinfo:
            value = value.replace(tzinfo=None)
        elif isinstance(value, str):
            value = _ILLEGAL.sub("", value)
        elif value is not None and not isinstance(value, int | float | dt.date | dt.time):
            value = str(value)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # the user's text, never a formula
        cells.append(cell)
    return cells

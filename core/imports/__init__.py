"""Import engine for Excel/CSV files: read, map columns, parse cells, check rows, report.

Pure Python (calamine reads .xlsx, openpyxl writes reports), no database access; apps (cartera
first) upsert the records::

    with open_table(upload, upload.name) as reader:
        layout = detect_layout(reader.headers)            # preview: layout.as_dict(), reader.peek()
        spec = ImportSpec.for_layout(layout.name, region="CR")
        report = ImportReport.for_reader(reader)
        for result in iter_records(reader, layout.mapping, spec):
            report.add(result)
            if not result.rejected:
                ...  # upsert by dedupe_key(result); a result.duplicate_of row updates the earlier one
"""

from .engine import Deduper, ImportSpec, RowError, RowResult, dedupe_key, iter_records, merge_results
from .headers import (
    CANONICAL_FIELDS,
    FIELD_LABELS,
    IGNORE,
    SYNONYMS,
    Layout,
    MappingError,
    canonical_field,
    coerce_mapping,
    detect_layout,
    normalize_header,
)
from .reader import DEFAULT_MAX_BYTES, ImportFileError, SourceRow, TableReader, open_table
from .report import ImportReport
from .values import (
    parse_age,
    parse_amount,
    parse_date,
    parse_email,
    parse_int,
    parse_phone_cell,
    parse_phones_cell,
    parse_text,
)

__all__ = [
    "CANONICAL_FIELDS",
    "DEFAULT_MAX_BYTES",
    "FIELD_LABELS",
    "IGNORE",
    "SYNONYMS",
    "Deduper",
    "ImportFileError",
    "ImportReport",
    "ImportSpec",
    "Layout",
    "MappingError",
    "RowError",
    "RowResult",
    "SourceRow",
    "TableReader",
    "canonical_field",
    "coerce_mapping",
    "dedupe_key",
    "detect_layout",
    "iter_records",
    "merge_results",
    "normalize_header",
    "open_table",
    "parse_age",
    "parse_amount",
    "parse_date",
    "parse_email",
    "parse_int",
    "parse_phone_cell",
    "parse_phones_cell",
    "parse_text",
]

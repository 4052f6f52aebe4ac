"""Turn table rows into clean records: parse every cell, check what a row needs, spot repeats.

Nothing here knows about models: ``iter_records`` yields ``RowResult`` objects and the caller
(cartera's debtor import, later others) upserts the accepted ones and feeds an ``ImportReport``.

Documents and phones (``ImportSpec.require_contact``): a row is kept when it has at least one
valid phone or a valid document. A document that does not validate for the campaign's country
is only a warning when the row has a valid phone — the row is kept, identified by its phone, and
the document is dropped so a mistyped number never becomes a dedupe key. A row whose document is
junk and whose only phone is impossible (``123`` and ``12-34``) has nothing to identify or call,
so it is rejected with one reason per column. An invalid extra phone is likewise only a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from operator import itemgetter

from core.ids import InvalidDocument, validate_document
from core.phones import ParsedPhone

from .headers import CANONICAL_FIELDS, FIELD_LABELS, IGNORE, PHONE_FIELDS, MappingError, coerce_mapping, detect_layout
from .parallel import parse_rows
from .values import parse_age, parse_amount, parse_date, parse_email, parse_phones_cell, parse_text

PARSERS: dict[str, Callable] = {
    "full_name": parse_text,
    "email": parse_email,
    "amount_due": parse_amount,
    "original_amount": parse_amount,
    "due_date": parse_date,
    "city": parse_text,
    "address": parse_text,
    "product": parse_text,
    "age": parse_age,
}


@dataclass(frozen=True)
class ImportSpec:
    """What an import needs from each row; ``region`` is the campaign's country (phones, documents)."""

    name: str = "generico"
    fields: frozenset[str] = frozenset(CANONICAL_FIELDS)
    required: frozenset[str] = frozenset()  # must be present and valid
    strict: frozenset[str] = frozenset()  # may be empty, but an unreadable value rejects the row
    require_contact: bool = True  # at least one valid phone or a valid document
    dedupe_keys: tuple[str, ...] = ("document", "phone")
    region: str = "CR"
    document_country: str = ""  # defaults to ``region``

    @classmethod
    def for_layout(cls, layout: str, *, region: str = "CR") -> ImportSpec:
        if layout == "cartera":
            return cls(name=layout, required=frozenset({"full_name"}), strict=frozenset({"amount_due"}), region=region)
        return cls(name=layout, region=region)

    @property
    def country(self) -> str:
        return (self.document_country or self.region).upper()


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str  # the header text as the user wrote it
    reason: str
    fatal: bool = True  # False: a note on a row that is still imported

    def __reduce__(self):  # positional: cheap to move between parsing processes
        return RowError, (self.row, self.column, self.reason, self.fatal)


@dataclass(slots=True)
class RowResult:
    """One data row: canonical ``data`` (only the values that were present and valid; ``document``
    is the compact form, with ``document_type``), free variables under their original header, valid
    phones in column order without repeats, every problem found, and the cells as they came
    (``raw``, kept for rejected rows only: the report shows them, nothing else reads them).
    """

    row_number: int
    data: dict = field(default_factory=dict)
    free_vars: dict = field(default_factory=dict)
    phones: list[ParsedPhone] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rejected: bool = False
    duplicate_of: int | None = None  # row number of the earlier row with the same key
    raw: tuple = ()

    @property
    def warnings(self) -> list[RowError]:
        return [error for error in self.errors if not error.fatal]

    def __reduce__(self):
        # Parsing processes send every row back: positional values pickle far cheaper than fields.
        return RowResult, (
            self.row_number,
            self.data,
            self.free_vars,
            self.phones,
            self.errors,
            self.rejected,
            self.duplicate_of,
            self.raw,
        )


def dedupe_key(result: RowResult, keys: Iterable[str] = ("document", "phone")) -> tuple:
    """``("document", compact)`` if the row has a valid document, else ``("phone", e164)``; ``()`` if neither."""
    for name in keys:
        if name == "phone" and result.phones:
            return ("phone", result.phones[0].e164)
        if name != "phone" and result.data.get(name):
            return (name, str(result.data[name]).upper() if name == "document" else result.data[name])
    return ()


class Deduper:
    """Remembers the keys seen in a file; ``check`` returns the earlier row a result repeats.

    A row with a document matches on the document only (two people may share a home phone); a
    row without one matches any earlier row sharing one of its phones. Only keys are kept, so
    100,000 rows cost a few megabytes.
    """

    def __init__(self, keys: Iterable[str] = ("document", "phone")):
        self.keys = tuple(keys)
        self._primary = tuple(name for name in self.keys if name != "phone")
        self._phones = "phone" in self.keys
        self._seen: dict[tuple, int] = {}
        self.duplicates = 0

    def check(self, result: RowResult) -> int | None:
        seen = self._seen
        primary = dedupe_key(result, self._primary)
        phone_keys = [("phone", phone.e164) for phone in result.phones] if self._phones else []
        if primary:
            earlier = seen.get(primary)
            seen.setdefault(primary, earlier or result.row_number)
        else:
            earlier = next((seen[key] for key in phone_keys if key in seen), None)
        group = earlier or result.row_number
        for key in phone_keys:
            seen.setdefault(key, group)
        if earlier:
            self.duplicates += 1
        return earlier


def merge_results(earlier: RowResult, later: RowResult) -> RowResult:
    """The record a repeated row leaves: later values win, phones are the union in order of appearance."""
    known = {phone.e164 for phone in earlier.phones}
    phones = earlier.phones + [phone for phone in later.phones if phone.e164 not in known]
    return replace(
        earlier,
        data={**earlier.data, **later.data},
        free_vars={**earlier.free_vars, **later.free_vars},
        phones=phones,
        errors=earlier.errors + later.errors,
        duplicate_of=None,
    )


def _free_value(value):
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Excel keeps every number as a float
    return parse_text(value)[0] if isinstance(value, str) else value


class _RowParser:
    def __init__(self, headers: list[str], mapping: dict[int, str | None], spec: ImportSpec):
        self.headers = headers
        self.spec = spec
        self.columns: dict[str, int] = {}
        self.free: list[int] = []
        for index, target in sorted(mapping.items()):
            if target == IGNORE or index >= len(headers):
                continue
            if target and target in spec.fields:
                self.columns[target] = index
            else:
                self.free.append(index)
        self.phone_columns = [self.columns[name] for name in PHONE_FIELDS if name in self.columns]
        missing = [FIELD_LABELS[name].lower() for name in sorted(spec.required) if name not in self.columns]
        if missing:
            raise MappingError(f"Falta asignar la columna de {', '.join(missing)}")
        if spec.require_contact and not self.phone_columns and "document" not in self.columns:
            raise MappingError("Falta asignar una columna de teléfono o de documento")
        # What ``parse`` does per row, worked out once: every lookup here would repeat 100,000 times.
        self.value_columns = [
            (name, index, PARSERS[name], name in spec.required or name in spec.strict, name in spec.required)
            for name, index in self.columns.items()
            if name in PARSERS
        ]
        self.document_index = self.columns.get("document")
        self.country = spec.country
        self.region = spec.region

    def contact_column(self) -> str:
        index = (self.phone_columns or [self.columns.get("document", 0)])[0]
        return self.headers[index]

    def parse(self, number: int, values: tuple) -> RowResult:
        headers = self.headers
        data: dict = {}
        errors: list[RowError] = []
        for name, index, parse_value, fatal, required in self.value_columns:
            value, error = parse_value(values[index])
            if error:
                errors.append(RowError(number, headers[index], error, fatal))
            elif value is not None:
                data[name] = value
            elif required:
                errors.append(RowError(number, headers[index], f"Campo obligatorio vacío: {FIELD_LABELS[name]}"))
        phones: list[ParsedPhone] = []
        problems: list[tuple[int, str]] = []  # (column index, reason) of contact values not understood
        for index in self.phone_columns:
            found, failed = parse_phones_cell(values[index], self.region)
            for phone in found:
                if all(phone.e164 != kept.e164 for kept in phones):
                    phones.append(phone)
            problems.extend((index, error) for error in failed)
        index = self.document_index
        if index is not None and values[index] is not None and str(values[index]).strip():
            try:
                document = validate_document(self.country, values[index])
            except InvalidDocument as exc:
                note = "" if not phones else " (se identifica por el teléfono)"
                problems.append((index, f"{exc}{note}"))
            else:
                data["document"] = document.compact
                data["document_type"] = document.doc_type
        lost = self.spec.require_contact and not (phones or "document" in data)
        if problems:
            for index, reason in sorted(problems, key=itemgetter(0)):
                errors.append(RowError(number, headers[index], reason, fatal=lost))
        elif lost:
            wanted = "Sin teléfono válido" + (" ni documento" if self.document_index is not None else "")
            errors.append(RowError(number, self.contact_column(), wanted))
        free_vars = {}
        for index in self.free:
            value = _free_value(values[index])
            if value is not None:
                free_vars[headers[index]] = value
        rejected = any(error.fatal for error in errors) if errors else False
        return RowResult(
            row_number=number,
            data=data,
            free_vars=free_vars,
            phones=phones,
            errors=errors,
            rejected=rejected,
            raw=values if rejected else (),
        )


def iter_records(
    reader,
    mapping: Mapping | None = None,
    spec: ImportSpec | None = None,
    *,
    dedupe: bool = True,
    on_progress: Callable[[int, int | None], None] | None = None,
    progress_every: int = 500,
    workers: int = 1,
) -> Iterator[RowResult]:
    """Parse every row of ``reader`` (a ``TableReader``: ``headers`` and ``SourceRow`` items).

    ``mapping`` defaults to the detected layout's proposal (columns left out of a mapping are
    ignored), ``spec`` to that layout's spec. With
    ``dedupe``, accepted rows repeating an earlier key get ``duplicate_of``. ``on_progress(done,
    total)`` is called every ``progress_every`` rows and at the end. Raises ``MappingError`` at
    once when the mapping cannot work; ``ImportFileError`` can still surface while reading.
    ``workers`` > 1 parses on that many processes (see ``parallel``); results keep file order.
    """
    headers = list(reader.headers)
    layout = detect_layout(headers)
    mapping = coerce_mapping(layout.mapping if mapping is None else mapping, len(headers))
    spec = spec or ImportSpec.for_layout(layout.name)
    parser = _RowParser(headers, mapping, spec)
    deduper = Deduper(spec.dedupe_keys) if dedupe else None
    return _records(reader, parser, deduper, on_progress, progress_every, workers)


def _records(reader, parser: _RowParser, deduper, on_progress, every: int, workers: int) -> Iterator[RowResult]:
    total = getattr(reader, "total_rows", None)
    done = 0
    if workers > 1:
        results = parse_rows(reader, parser, workers)
    else:
        results = (parser.parse(number, tuple(values)) for number, values in reader)
    for result in results:
        if deduper and not result.rejected:
            result.duplicate_of = deduper.check(result)
        yield result
        done += 1
        if on_progress and done % every == 0:
            on_progress(done, total)
    if on_progress:
        on_progress(done, max(done, total or 0))

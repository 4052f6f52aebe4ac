"""Debtor import: an uploaded file → mapping preview → background run → counts and rejected rows.

The file is read twice in spirit: first every row is parsed and in-file repeats are merged by
their key (document, else phone — later rows win for the values they carry, phones are joined),
then each merged debtor is matched against the campaign and created, updated or left unchanged.
Merging first is what makes re-importing the same file change nothing.

Groups are matched and written in batches, one transaction each, with a handful of bulk
statements per batch (debtors and their history rows, updates and theirs, phones) rather than
a few per debtor. A run that dies half-way is marked failed and can simply be run again
(matching makes it idempotent).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cartera.models import Debtor, DebtorPhone
from core.bulk import AnyOf, bulk_session, frozen_heap, insert_history, insert_rows, stored_text, update_rows
from core.choices import ImportStatus, NotificationKind
from core.imports import (
    FIELD_LABELS,
    ImportFileError,
    ImportReport,
    ImportSpec,
    MappingError,
    coerce_mapping,
    detect_layout,
    iter_records,
    open_table,
)
from core.jobs import JobSuperseded, job_claim, job_progress, job_restart, job_still_mine
from core.models import Campaign, ImportJob, User

logger = logging.getLogger(__name__)
KIND = "cartera.debtors"
BATCH = 2000  # groups matched and written per transaction
REASON = "Importación"
# Debtor fields an import may fill, from the engine's canonical names.
FIELDS = {
    "full_name": "full_name",
    "email": "email",
    "city": "city",
    "address": "address",
    "product": "product",
    "amount_due": "amount_due",
    "original_amount": "original_amount",
    "due_date": "due_date",
}
MAPPABLE = ["document", "full_name", "phone", "phone2", "phone3", "phone4", *list(FIELDS)[1:]]


def mapping_choices() -> list[tuple[str, str]]:
    return [(name, FIELD_LABELS[name]) for name in MAPPABLE if name in FIELD_LABELS]


def _spec(campaign: Campaign) -> ImportSpec:
    return ImportSpec(
        name="cartera",
        required=frozenset({"full_name"}),
        strict=frozenset({"amount_due", "due_date"}),
        region=campaign.phone_region,
    )


@transaction.atomic
def import_job_create(*, campaign: Campaign, upload, user: User) -> ImportJob:
    """Read the header of ``upload`` and save a job awaiting the user's mapping confirmation.
    Raises ``ValidationError`` (nothing saved) when the file cannot be read."""
    try:
        with open_table(upload, upload.name) as reader:
            layout = detect_layout(reader.headers)
            total = reader.total_rows or 0
    except ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    upload.seek(0)
    job = ImportJob(
        kind=KIND,
        campaign=campaign,
        original_name=upload.name[:255],
        layout=layout.name,
        headers=layout.headers,
        mapping=layout.as_dict()["mapping"],
        total_rows=total,
        created_by=user,
    )
    job.file.save(upload.name, upload, save=False)
    job.full_clean()
    job.save()
    return job


def import_job_preview(*, job: ImportJob, rows: int = 5) -> list[tuple]:
    """The first rows as the user will recognise them (dates without a midnight time)."""

    def shown(value):
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            return value.strftime("%d/%m/%Y")
        return value

    with job.file.open("rb") as handle, open_table(handle, job.original_name) as reader:
        return [tuple(shown(value) for value in row.values) for row in reader.peek(rows)]


@transaction.atomic
def import_job_confirm(*, job: ImportJob, mapping: dict) -> ImportJob:
    """Fix the mapping and queue the run; a mapping that cannot work is refused with a reason."""
    if job.status != ImportStatus.PENDING:
        raise ValidationError("Esta importación ya fue confirmada.")
    try:
        # Building the row parser validates the mapping (required columns, a contact column).
        iter_records(_NoRows(job.headers), coerce_mapping(mapping, len(job.headers)), _spec(job.campaign))
    except MappingError as exc:
        raise ValidationError(str(exc)) from exc
    job.mapping = mapping
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["mapping", "status"])
    from cartera.tasks import debtor_import_run

    job_id = job.pk
    transaction.on_commit(lambda: debtor_import_run.enqueue(job_id=job_id))
    return job


class _NoRows:
    def __init__(self, headers):
        self.headers = headers
        self.total_rows = 0

    def __iter__(self):
        return iter(())


@dataclass
class _Group:
    """One debtor as the file describes it, possibly over several rows."""

    rows: int = 0
    data: dict = field(default_factory=dict)
    variables: dict = field(default_factory=dict)
    phones: dict = field(default_factory=dict)  # e164 → (raw, type)

    def add(self, result) -> None:
        self.rows += 1
        self.data.update(result.data)  # the engine keeps only values that were present and valid
        self.variables.update(result.free_vars)
        for phone in result.phones:
            self.phones.setdefault(phone.e164, (str(phone.raw)[:60], phone.number_type))


PROGRESS_MIN_SECONDS = 1.0  # the page polls every second; more writes only cost commits


def _set_progress(job: ImportJob, done: int) -> None:
    """Write the progress (and heartbeat) at most once a second: on PostgreSQL each write is a
    commit waiting for the disk, and the parse phase reports every 500 rows."""
    now = time.monotonic()
    if now - getattr(job, "_progress_written", float("-inf")) >= PROGRESS_MIN_SECONDS:
        job_progress(job, processed_rows=done)
        job._progress_written = now


@transaction.atomic
def import_job_restart(*, job: ImportJob) -> ImportJob:
    """Run again an import whose worker died (``job.stalled``). The whole file is read again:
    the batches already written are matched as existing debtors, so nothing is duplicated."""
    job = job_restart(job, extra={"processed_rows": 0, "started_at": None})
    from cartera.tasks import debtor_import_run

    job_id = job.pk
    transaction.on_commit(lambda: debtor_import_run.enqueue(job_id=job_id))
    return job


def debtor_import_run(*, job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("campaign", "created_by").get(pk=job_id)
    if not job_claim(job, ready=(ImportStatus.QUEUED, ImportStatus.FAILED)):
        return job
    try:
        report = _run(job)
    except JobSuperseded:
        logger.warning("import %s attempt %s stopped: the import was started again", job.pk, job.attempt)
        return job
    except (ImportFileError, MappingError) as exc:
        return _finish(job, status=ImportStatus.FAILED, error=str(exc))
    except Exception as exc:  # recorded on the job for the user; the worker keeps running
        logger.exception("import %s failed", job.pk)
        return _finish(job, status=ImportStatus.FAILED, error=f"Error inesperado: {exc}")
    if report.rejected:
        job.rejected_file.save(f"rechazados-{job.pk}.xlsx", ContentFile(report.rejected_workbook_bytes()), save=False)
    return _finish(job, status=ImportStatus.DONE, report=report)


def _parse_workers(rows: int | None) -> int:
    big = (rows or 0) >= settings.IMPORT_PARALLEL_MIN_ROWS
    return settings.IMPORT_PARSE_WORKERS if big else 1


def _write_threaded(rows: int) -> bool:
    """Big imports into PostgreSQL write on a second connection while the next batch is matched:
    the server works on another core. SQLite works inside this process, on one core either way;
    measured, a writer thread there only added contention (writes 7.7–9.6 s → 11.6–11.9 s)."""
    return connection.vendor == "postgresql" and (rows or 0) >= settings.IMPORT_PARALLEL_MIN_ROWS


def _run(job: ImportJob) -> ImportReport:
    with frozen_heap() as freeze:
        return _run_frozen(job, freeze)


FREEZE_EVERY = 10_000  # rows between two ``gc.freeze`` while parsing


def _run_frozen(job: ImportJob, freeze) -> ImportReport:
    started = time.monotonic()
    groups: dict[int, _Group] = {}
    with job.file.open("rb") as handle, open_table(handle, job.original_name) as reader:
        report = ImportReport.for_reader(reader)
        total = reader.total_rows or job.total_rows
        job_progress(job, total_rows=total)
        records = iter_records(
            reader,
            coerce_mapping(job.mapping, len(reader.headers)),
            _spec(job.campaign),
            on_progress=lambda done, _total: _set_progress(job, done // 2),
            workers=_parse_workers(total),
        )
        for result in records:
            report.add(result)
            if not result.rejected:
                groups.setdefault(result.duplicate_of or result.row_number, _Group()).add(result)
            if report.rows % FREEZE_EVERY == 0:
                freeze()  # the groups stay to the end: out of the cycle collector's way
    job.total_rows = report.rows
    parsed = time.monotonic()
    freeze()
    with _Writer(job, threaded=_write_threaded(report.rows)) as writer:
        chunk: list[_Group] = []
        for group in groups.values():
            chunk.append(group)
            if len(chunk) == BATCH:
                _write_batch(job, chunk, report, writer)
                chunk = []
        if chunk:
            _write_batch(job, chunk, report, writer)
    logger.info(
        "import %s: %d rows read and parsed in %.1f s, %d debtors written in %.1f s",
        job.pk,
        report.rows,
        parsed - started,
        len(groups),
        time.monotonic() - parsed,
    )
    return report


class _Target:
    """A debtor the batch writes, as a row of column values: a new one (inserted at the end of the
    batch) or an existing one (updated when the file changed it)."""

    def __init__(self, row: dict, phones: set[str], *, new: bool):
        self.row = row
        self.new = new
        self.phones = phones  # every E.164 the debtor has or will have
        self.new_phones: list[dict] = []
        self.changed: set[str] = set()
        self.listed = False  # in its batch's list of targets

    @classmethod
    def create(cls, campaign: Campaign, group: _Group, now) -> _Target:
        row = {"campaign_id": campaign.pk, "variables": group.variables, "last_seen_at": now, **_values(group)}
        target = cls(row, set(), new=True)
        target._add_phones(group)
        return target

    def merge(self, group: _Group) -> bool:
        """Merge the file's values; True when anything but ``last_seen_at`` changed."""
        row, changed = self.row, False
        for name, value in _values(group).items():
            if not _same(row.get(name), value):
                row[name] = value
                self.changed.add(name)
                changed = True
        variables = {**row["variables"], **group.variables}
        if variables != row["variables"]:
            row["variables"] = variables
            self.changed.add("variables")
            changed = True
        return self._add_phones(group) or changed

    def _add_phones(self, group: _Group) -> bool:
        added = False
        for e164, (raw, kind) in group.phones.items():
            if e164 in self.phones:
                continue
            primary = not self.phones  # a debtor without phones gets its first one as primary
            self.phones.add(e164)
            self.new_phones.append({"e164": e164, "raw": raw, "phone_type": _phone_type(kind), "is_primary": primary})
            added = True
        return added


class _Batch:
    """The debtors of one batch of groups, matched against the campaign by document or phone."""

    def __init__(self, campaign: Campaign, groups: list[_Group]):
        self.campaign = campaign
        self.targets: list[_Target] = []
        self.by_document: dict[str, _Target] = {}
        self.by_phone: dict[str, _Target] = {}
        documents = {g.data["document"] for g in groups if g.data.get("document")}
        phones = {e164 for g in groups for e164 in g.phones}
        debtors = Debtor.objects.filter(campaign=campaign).order_by()
        rows = _rows_by_pk(debtors.filter(AnyOf(F("document_number"), documents)))
        # No join here: joined to the debtors, the planner may walk the whole campaign per batch.
        owners = DebtorPhone.objects.filter(AnyOf(F("e164"), phones)).order_by().values_list("debtor_id", flat=True)
        missing = set(owners) - rows.keys()
        if missing:
            rows.update(_rows_by_pk(debtors.filter(AnyOf(F("pk"), missing))))
        known: dict[int, set[str]] = {pk: set() for pk in rows}
        if rows:
            for debtor_id, e164 in (
                DebtorPhone.objects.filter(AnyOf(F("debtor_id"), rows)).order_by().values_list("debtor_id", "e164")
            ):
                known[debtor_id].add(e164)
        for pk, row in rows.items():
            self._register(_Target(row, known[pk], new=False))
        self.existing_ids = set(rows)

    def _register(self, target: _Target) -> None:
        if not target.listed:
            target.listed = True
            self.targets.append(target)
        if target.row.get("document_number"):
            self.by_document[target.row["document_number"]] = target
        for e164 in target.phones:
            self.by_phone[e164] = target

    def find(self, group: _Group) -> _Target | None:
        """The debtor with the group's document; else one holding one of its phones, unless both
        have a document (two people may share a home phone: the file's rows are merged the same way)."""
        document = group.data.get("document")
        if document in self.by_document:
            return self.by_document[document]
        for e164 in group.phones:
            target = self.by_phone.get(e164)
            if target is not None and not (document and target.row.get("document_number")):
                return target
        return None

    def add(self, group: _Group, now) -> str:
        """Match the group to a debtor (existing, earlier in the batch, or new) and merge it in:
        ``"created"``, ``"updated"`` or ``"unchanged"``."""
        target = self.find(group)
        if target is None:
            outcome, target = "created", _Target.create(self.campaign, group, now)
        else:
            outcome = "updated" if target.merge(group) else "unchanged"
        self._register(target)
        return outcome

    def save(self, now, user) -> None:
        """A few multi-row statements per batch, whatever its size: new debtors and their history
        rows, changed debtors and theirs, one ``last_seen_at`` refresh, the new phones."""
        created = [t.row for t in self.targets if t.new]
        insert_rows(Debtor, created, now=now, returning=True)
        insert_history(Debtor, created, history_type="+", when=now, user=user, reason=REASON)
        updated = [t for t in self.targets if not t.new and t.changed]
        if updated:
            for target in updated:
                target.row["last_seen_at"] = target.row["updated_at"] = now
            fields = set().union(*(t.changed for t in updated)) | {"last_seen_at", "updated_at"}
            rows = [t.row for t in updated]
            update_rows(Debtor, rows, sorted(fields))
            insert_history(Debtor, rows, history_type="~", when=now, user=user, reason=REASON)
        seen = [t.row["id"] for t in self.targets if not t.new and not t.changed]
        if seen:  # seen again in an import: not a change, no history row
            Debtor.objects.filter(pk__in=seen).update(last_seen_at=now)
        phones = [{**phone, "debtor_id": t.row["id"]} for t in self.targets for phone in t.new_phones]
        insert_rows(DebtorPhone, phones, now=now)


def _write_batch(job: ImportJob, groups: list[_Group], report: ImportReport, writer: _Writer) -> None:
    """Match ``groups``, merge them into their debtors, count the outcomes and hand the batch to
    ``writer``. Matching reads what earlier batches committed; when the batch still being written
    holds a debtor or a key these groups touch, they are matched again once it is committed."""
    busy = writer.in_flight()  # taken before matching: a commit during the reads must not be missed
    batch = _Batch(job.campaign, groups)
    if busy is not None and _overlaps(busy, batch, groups):
        writer.wait()
        batch = _Batch(job.campaign, groups)
    now = timezone.now()
    rows = 0
    for group in groups:
        rows += group.rows
        outcome = batch.add(group, now)
        if outcome == "created":
            report.created += 1
            report.updated += group.rows - 1  # later rows of the file updated what the first created
        elif outcome == "updated":
            report.updated += group.rows
        else:
            report.unchanged += group.rows
    writer.submit(batch, now=now, rows=rows, done=report.rows // 2)


def _overlaps(busy: _Batch, batch: _Batch, groups: list[_Group]) -> bool:
    """Whether ``batch`` (matched, nothing merged yet) loaded a debtor that ``busy`` writes, or
    ``groups`` carry a document or phone of one of its debtors."""
    if not batch.existing_ids.isdisjoint(busy.existing_ids):
        return True
    return any(
        group.data.get("document") in busy.by_document or any(e164 in busy.by_phone for e164 in group.phones)
        for group in groups
    )


class _Writer:
    """Writes the batches, each in its own transaction, in order. ``threaded``: on a second
    database connection in a thread of its own, so that the database works on one batch while this
    thread matches and builds the next (the driver lets go of the GIL while the database works);
    at most one batch is in flight. Otherwise each batch is written as it is submitted."""

    def __init__(self, job: ImportJob, *, threaded: bool):
        self.job = job
        self.threaded = threaded
        self.written = 0
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._idle = threading.Event()
        self._idle.set()
        self._in_flight: _Batch | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._session = contextlib.ExitStack()

    def __enter__(self) -> _Writer:
        if self.threaded:
            self._thread = threading.Thread(target=self._run, name=f"import-{self.job.pk}-writer", daemon=True)
            self._thread.start()
        else:
            self._session.enter_context(bulk_session())
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            if exc_type is None:
                self._raise()
        self._session.close()

    def in_flight(self) -> _Batch | None:
        """The batch being written, if it is not committed yet."""
        return None if self._idle.is_set() else self._in_flight

    def submit(self, batch: _Batch, *, now, rows: int, done: int) -> None:
        if not self.threaded:
            self._write(batch, now, rows, done)
            return
        self.wait()
        self._idle.clear()
        self._in_flight = batch
        self._queue.put((batch, now, rows, done))

    def wait(self) -> None:
        """Until the batch in flight is committed (or failed: its error is raised here)."""
        if self.threaded:
            self._idle.wait()
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            with bulk_session():
                while (item := self._queue.get()) is not None:
                    try:
                        if self._error is None:
                            self._write(*item)
                    except BaseException as exc:  # handed to the importing thread
                        self._error = exc
                    finally:
                        self._idle.set()
        except BaseException as exc:
            self._error = self._error or exc
            self._idle.set()
        finally:
            connection.close()  # this thread's own connection

    def _write(self, batch: _Batch, now, rows: int, done: int) -> None:
        with transaction.atomic():
            batch.save(now, self.job.created_by)
        self.written += rows
        _set_progress(self.job, done + self.written // 2)


_COLUMNS = [f.attname for f in Debtor._meta.concrete_fields]
_READ = stored_text(Debtor, _COLUMNS)  # the batch compares no date-time: they only go to history


def _rows_by_pk(debtors) -> dict[int, dict]:
    """Whole debtor rows by id, as the writer's dicts (tuples zipped here: cheaper than ``values()``)."""
    rows = (dict(zip(_COLUMNS, values, strict=True)) for values in debtors.values_list(*_READ))
    return {row["id"]: row for row in rows}


def _values(group: _Group) -> dict:
    values = {field: group.data[key] for key, field in FIELDS.items() if key in group.data}
    if group.data.get("document"):
        values["document_number"] = group.data["document"]
        values["document_type"] = group.data.get("document_type", "")
    for name, length in _TEXT_LENGTHS:
        if name in values:
            values[name] = str(values[name])[:length]
    return values


_TEXT_LENGTHS = [
    (name, Debtor._meta.get_field(name).max_length) for name in ("full_name", "email", "city", "address", "product")
]


def _same(old, new) -> bool:
    if isinstance(new, Decimal) and old is not None:
        return Decimal(old) == new
    if isinstance(new, date) and old is not None:
        return old == new
    return old == new


def _phone_type(kind: str) -> str:
    return {"mobile": "mobile", "fixed_line": "fixed_line"}.get(kind, "other")


def _finish(job: ImportJob, *, status: str, report: ImportReport | None = None, error: str = "") -> ImportJob:
    from core.services import notification_create

    if not job_still_mine(job):  # started again meanwhile: the newer run reports
        return job
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if report is not None:
        job.total_rows = report.rows
        job.processed_rows = report.rows
        job.created_count, job.updated_count = report.created, report.updated
        job.unchanged_count, job.rejected_count = report.unchanged, report.rejected
    job.save()
    if status == ImportStatus.DONE:
        text = (
            f"Importación de {job.original_name} terminada: {job.created_count} nuevos, "
            f"{job.updated_count} actualizados, {job.unchanged_count} sin cambios, {job.rejected_count} rechazados."
        )
    else:
        text = f"La importación de {job.original_name} falló: {error}"
    from django.urls import reverse

    notification_create(
        user=job.created_by,
        text=text,
        link=reverse("cartera:import_detail", args=[job.pk]),
        kind=NotificationKind.INFO if status == ImportStatus.DONE else NotificationKind.ALERT,
    )
    return job

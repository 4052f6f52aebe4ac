"""Debtor import: an uploaded file → mapping preview → background run → counts and rejected rows.

The file is read twice in spirit: first every row is parsed and in-file repeats are merged by
their key (document, else phone — later rows win for the values they carry, phones are joined),
then each merged debtor is matched against the campaign and created, updated or left unchanged.
Merging first is what makes re-importing the same file change nothing.

A debtor and its phones are written together in one transaction, in batches; a run that dies
half-way is marked failed and can simply be run again (matching makes it idempotent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cartera.models import Debtor, DebtorPhone
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
from core.models import Campaign, ImportJob, User

logger = logging.getLogger(__name__)
KIND = "cartera.debtors"
BATCH = 500
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
        self.data.update({k: v for k, v in result.data.items() if v not in (None, "")})
        self.variables.update(result.free_vars)
        for phone in result.phones:
            self.phones.setdefault(phone.e164, (str(phone.raw)[:60], phone.number_type))


def _set_progress(job_id: int, done: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(processed_rows=done)


def debtor_import_run(*, job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("campaign", "created_by").get(pk=job_id)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now(), error="")
    try:
        report = _run(job)
    except (ImportFileError, MappingError) as exc:
        return _finish(job, status=ImportStatus.FAILED, error=str(exc))
    except Exception as exc:  # recorded on the job for the user; the worker keeps running
        logger.exception("import %s failed", job.pk)
        return _finish(job, status=ImportStatus.FAILED, error=f"Error inesperado: {exc}")
    if report.rejected:
        job.rejected_file.save(f"rechazados-{job.pk}.xlsx", ContentFile(report.rejected_workbook_bytes()), save=False)
    return _finish(job, status=ImportStatus.DONE, report=report)


def _run(job: ImportJob) -> ImportReport:
    groups: dict[int, _Group] = {}
    with job.file.open("rb") as handle, open_table(handle, job.original_name) as reader:
        report = ImportReport.for_reader(reader)
        total = reader.total_rows or job.total_rows
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        records = iter_records(
            reader,
            coerce_mapping(job.mapping, len(reader.headers)),
            _spec(job.campaign),
            on_progress=lambda done, _total: _set_progress(job.pk, done // 2),
        )
        for result in records:
            report.add(result)
            if not result.rejected:
                groups.setdefault(result.duplicate_of or result.row_number, _Group()).add(result)
    job.total_rows = report.rows
    written = 0
    batch: list[_Group] = []
    for group in groups.values():
        batch.append(group)
        if len(batch) == BATCH:
            written += _write_batch(job, batch, report)
            _set_progress(job.pk, report.rows // 2 + written // 2)
            batch = []
    if batch:
        _write_batch(job, batch, report)
    return report


@transaction.atomic
def _write_batch(job: ImportJob, groups: list[_Group], report: ImportReport) -> int:
    campaign = job.campaign
    now = timezone.now()
    documents = {g.data["document"] for g in groups if g.data.get("document")}
    phones = {e164 for g in groups for e164 in g.phones}
    existing = Debtor.objects.filter(campaign=campaign).filter(
        Q(document_number__in=documents) | Q(phones__e164__in=phones)
    )
    by_document, by_phone = {}, {}
    for debtor in existing.distinct().prefetch_related("phones"):
        if debtor.document_number:
            by_document[debtor.document_number] = debtor
        for phone in debtor.phones.all():
            by_phone[phone.e164] = debtor
    rows = 0
    for group in groups:
        rows += group.rows
        debtor = by_document.get(group.data.get("document")) or next(
            (by_phone[e164] for e164 in group.phones if e164 in by_phone), None
        )
        if debtor is None:
            debtor = _create(campaign, group, now)
            report.created += 1
            report.updated += group.rows - 1  # later rows of the file updated what the first created
        elif _update(debtor, group, now):
            report.updated += group.rows
        else:
            report.unchanged += group.rows
        if debtor.document_number:
            by_document[debtor.document_number] = debtor
        for e164 in group.phones:
            by_phone[e164] = debtor
    return rows


def _values(group: _Group) -> dict:
    values = {field: group.data[key] for key, field in FIELDS.items() if key in group.data}
    if group.data.get("document"):
        values["document_number"] = group.data["document"]
        values["document_type"] = group.data.get("document_type", "")
    for name in ("full_name", "email", "city", "address", "product"):
        if name in values:
            values[name] = str(values[name])[: Debtor._meta.get_field(name).max_length]
    return values


def _create(campaign: Campaign, group: _Group, now) -> Debtor:
    debtor = Debtor(campaign=campaign, variables=group.variables, last_seen_at=now, **_values(group))
    debtor.save()
    DebtorPhone.objects.bulk_create(
        [
            DebtorPhone(debtor=debtor, e164=e164, raw=raw, phone_type=_phone_type(kind), is_primary=index == 0)
            for index, (e164, (raw, kind)) in enumerate(group.phones.items())
        ]
    )
    return debtor


def _same(old, new) -> bool:
    if isinstance(new, Decimal) and old is not None:
        return Decimal(old) == new
    if isinstance(new, date) and old is not None:
        return old == new
    return old == new


def _update(debtor: Debtor, group: _Group, now) -> bool:
    """Merge the file's values into ``debtor``; True when anything but ``last_seen_at`` changed."""
    changed = {name: value for name, value in _values(group).items() if not _same(getattr(debtor, name), value)}
    variables = {**debtor.variables, **group.variables}
    if variables != debtor.variables:
        changed["variables"] = variables
    known = {phone.e164 for phone in debtor.phones.all()}
    new_phones = [(e164, raw, kind) for e164, (raw, kind) in group.phones.items() if e164 not in known]
    if new_phones:
        DebtorPhone.objects.bulk_create(
            [
                DebtorPhone(debtor=debtor, e164=e164, raw=raw, phone_type=_phone_type(kind), is_primary=not known)
                for e164, raw, kind in new_phones
            ]
        )
    if changed:
        for name, value in changed.items():
            setattr(debtor, name, value)
        debtor.last_seen_at = now
        debtor._change_reason = "Importación"
        debtor.save()
    else:
        Debtor.objects.filter(pk=debtor.pk).update(last_seen_at=now)  # seen again: not a change
    return bool(changed or new_phones)


def _phone_type(kind: str) -> str:
    return {"mobile": "mobile", "fixed_line": "fixed_line"}.get(kind, "other")


def _finish(job: ImportJob, *, status: str, report: ImportReport | None = None, error: str = "") -> ImportJob:
    from core.services import notification_create

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

"""Big imports into PostgreSQL write each batch on a second connection while the next batch is
matched. The outcome must be exactly the one of writing batch after batch (PostgreSQL only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cartera import importer
from cartera.models import Debtor
from core.bulk import model_row
from core.choices import ImportStatus, Module
from core.roles import Role
from core.testing.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = [f"01045600{n:02d}" for n in (7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84)]  # valid cédulas
PHONES = [f"8{n}{n}0{n}1{n}2" for n in range(3, 9)] + [f"7{n}{n}0{n}1{n}2" for n in range(3, 9)]


def _file() -> SimpleUploadedFile:
    """Eleven groups, three per batch: batch 2 shares a phone with a debtor of batch 1 (another
    document: another person), batch 3 updates the debtor already in the campaign and holds
    another document with that debtor's phone, a phone-only row joins BETO's group, and ANA
    comes back at the end with a new phone."""
    rows = [
        (DOCS[0], "ANA UNO", PHONES[0], "1000"),
        (DOCS[1], "BETO DOS", PHONES[1], "2000"),
        (DOCS[2], "CARLA TRES", PHONES[2], "3000"),
        (DOCS[3], "DARIO CUATRO", PHONES[0], "4000"),  # ANA's phone, another document
        ("", "SIN DOCUMENTO", PHONES[1], "2500"),  # BETO's phone: the same group as BETO
        (DOCS[4], "ELENA CINCO", PHONES[3], "5000"),
        (DOCS[5], "FABIO SEIS", PHONES[4], "6000"),
        (DOCS[9], "GRACIELA EXISTENTE", PHONES[9], "9900"),  # the debtor already in the campaign
        (DOCS[6], "HUGO SIETE", PHONES[5], "7000"),
        (DOCS[7], "IRENE OCHO", PHONES[9], "8000"),  # GRACIELA's phone, another document
        (DOCS[8], "JUAN NUEVE", PHONES[6], "9000"),
        (DOCS[10], "KARLA DIEZ", PHONES[7], "10000"),
        (DOCS[0], "ANA UNO", f"+506 {PHONES[8]}", "1100"),  # ANA again, a new phone
        ("123", "MALA", "12-34", "1"),  # rejected
    ]
    text = "RUT,NOMBRE,TELEFONO,MONTO\n" + "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile("cartera.csv", text.encode())


def _import(campaign, user, monkeypatch, settings, *, threaded: bool):
    settings.IMPORT_PARSE_WORKERS = 1
    settings.IMPORT_PARALLEL_MIN_ROWS = 1 if threaded else 10**6
    monkeypatch.setattr(importer, "BATCH", 3)
    job = importer.import_job_create(campaign=campaign, upload=_file(), user=user)
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["status"])
    return importer.debtor_import_run(job_id=job.pk)


def _snapshot(campaign) -> list[tuple]:
    skip = {"id", "campaign_id", "created_at", "updated_at", "last_seen_at"}
    debtors = Debtor.objects.filter(campaign=campaign).order_by("document_number", "full_name")
    return [
        (
            sorted((k, str(v)) for k, v in model_row(d).items() if k not in skip),
            sorted(d.phones.values_list("e164", "raw", "is_primary")),
            sorted(d.history.values_list("history_type", flat=True)),
        )
        for d in debtors
    ]


def _counts(job) -> tuple:
    return job.status, job.created_count, job.updated_count, job.unchanged_count, job.rejected_count


def test_threaded_writes_give_what_batch_after_batch_gives_and_a_second_run_changes_nothing(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the writer thread is used on PostgreSQL only")
    supervisor = UserFactory(username="sup", role=Role.SUPERVISOR)
    outcomes = {}
    for threaded in (False, True):
        campaign = CampaignFactory(name=f"Cobranza {threaded}", module=Module.CARTERA)
        Debtor.objects.create(campaign=campaign, full_name="GRACIELA EXISTENTE", document_number=DOCS[9])
        Debtor.objects.get(campaign=campaign).phones.create(e164=f"+506{PHONES[9]}", raw=PHONES[9], is_primary=True)
        job = _import(campaign, supervisor, monkeypatch, settings, threaded=threaded)
        outcomes[threaded] = (_counts(job), _snapshot(campaign))

    assert outcomes[True] == outcomes[False]
    counts, debtors = outcomes[True]
    # 14 rows: 10 debtors created (ANA and BETO from two rows each), GRACIELA updated, 1 rejected;
    # DARIO and IRENE share a phone with ANA and GRACIELA but have their own documents.
    assert counts == (ImportStatus.DONE, 10, 3, 0, 1)
    assert len(debtors) == 11

    again = _import(campaign, supervisor, monkeypatch, settings, threaded=True)
    assert (again.created_count, again.updated_count, again.rejected_count) == (0, 0, 1)
    assert again.unchanged_count == 13
    assert _snapshot(campaign) == debtors

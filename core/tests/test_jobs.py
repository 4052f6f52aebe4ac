"""Background jobs whose worker died: shown as interrupted, started again, never raced."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cartera import importer
from cartera.models import Debtor
from cartera.tests.test_import import SAMPLES, run_import
from core import export_jobs
from core.choices import ExportStatus, ImportStatus
from core.jobs import JobSuperseded, job_claim, job_progress
from core.models import ExportJob, ImportJob, Notification
from core.testing.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(agente):
    for n in range(5):
        NotificationFactory(user=agente, text=f"aviso {n}")


def dead_export(user) -> ExportJob:
    """An export a worker claimed and then died on: running, its last heartbeat 11 minutes ago."""
    job = export_jobs.export_job_create(user=user, name="notificaciones", path="/notificaciones/", query="")
    with time_machine.travel(timezone.now() - timedelta(minutes=11), tick=False):
        assert job_claim(job, ready=(ExportStatus.QUEUED,))
        job_progress(job, total_rows=5, processed_rows=2)
    return ExportJob.objects.get(pk=job.pk)


def test_a_running_job_is_stalled_only_after_the_threshold(agente, settings):
    settings.JOB_STALLED_SECONDS = 600
    job = export_jobs.export_job_create(user=agente, name="n", path="/notificaciones/", query="")
    assert not job.is_stalled()  # queued: waiting for a worker is not being stalled
    start = timezone.now()
    job_claim(job, ready=(ExportStatus.QUEUED,))
    assert not job.is_stalled(start + timedelta(seconds=599))
    assert job.is_stalled(start + timedelta(seconds=601))
    job_progress(job, processed_rows=1)  # a heartbeat starts the clock again
    assert not job.is_stalled(job.heartbeat_at + timedelta(seconds=599))
    job.status = ExportStatus.DONE
    assert not job.is_stalled(start + timedelta(days=1))


def test_the_page_says_interrupted_and_the_creator_starts_it_again(
    login, agente, notices, django_capture_on_commit_callbacks
):
    job = dead_export(agente)
    client = login(agente)
    page = client.get(reverse("core:export_detail", args=[job.pk])).content.decode()
    assert "La exportación se interrumpió" in page and "Volver a intentar" in page and "Interrumpida" in page
    assert 'hx-trigger="every 1s"' not in page  # nothing left to poll for
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:export_restart", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempt, job.total_rows, job.processed_rows) == (ExportStatus.DONE, 2, 5, 5)
    assert job.file and Notification.objects.filter(user=agente, text__startswith="Tu Excel").count() == 1


def test_a_live_export_cannot_be_started_twice(login, agente, notices):
    job = export_jobs.export_job_create(user=agente, name="n", path="/notificaciones/", query="")
    job_claim(job, ready=(ExportStatus.QUEUED,))
    response = login(agente).post(reverse("core:export_restart", args=[job.pk]), follow=True)
    assert "no está interrumpido" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.attempt) == (ExportStatus.RUNNING, 1)


def test_restart_is_the_creators(client, users, agente, notices):
    job = dead_export(agente)
    for role in ("supervisor", "agente_b", "backoffice", "calidad"):
        client.force_login(users[role])
        assert client.post(reverse("core:export_restart", args=[job.pk])).status_code == 404, role
    client.force_login(users["agente"])
    assert client.get(reverse("core:export_restart", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.attempt == 1


def test_a_new_click_does_not_wait_on_a_dead_export(agente, notices):
    job = dead_export(agente)
    again = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    assert again.pk != job.pk and again.status == ExportStatus.QUEUED


def test_a_slow_worker_that_was_replaced_stops_and_writes_nothing(agente, notices, monkeypatch):
    """The old worker was only slow: its next progress write finds a newer attempt and stops."""
    job = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    original = export_jobs._set_progress

    def replaced_meanwhile(running, rows):
        ExportJob.objects.filter(pk=running.pk).update(status=ExportStatus.QUEUED, attempt=2)
        original(running, rows)

    monkeypatch.setattr(export_jobs, "_set_progress", replaced_meanwhile)
    export_jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempt, bool(job.file)) == (ExportStatus.QUEUED, 2, False)
    assert not Notification.objects.filter(user=agente, text__contains="Excel").exists()
    with pytest.raises(JobSuperseded):
        job_progress(ExportJob(pk=job.pk, attempt=1), processed_rows=1)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not found")
def test_an_import_whose_worker_died_runs_again_without_duplicates(
    login, supervisor, campaign, monkeypatch, django_capture_on_commit_callbacks
):
    """The worker dies after the first batch was written; the restart reads the whole file again
    and the debtors already written are matched, not created twice."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("cartera_cobranza.xlsx", (SAMPLES / "cartera_cobranza.xlsx").read_bytes())
    monkeypatch.setattr(importer, "BATCH", 50)
    real_write = importer._write_batch
    calls = []

    def dies_after_one_batch(job, groups, report, writer):
        if calls:
            raise SystemExit("worker killed")  # not an Exception: the import leaves its job as it was
        calls.append(1)
        return real_write(job, groups, report, writer)

    monkeypatch.setattr(importer, "_write_batch", dies_after_one_batch)
    with time_machine.travel(timezone.now() - timedelta(minutes=15), tick=False):
        run_import(campaign, supervisor, upload, capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.RUNNING and job.stalled
    assert Debtor.objects.filter(campaign=campaign).count() == 50  # the first batch was committed
    client = login(supervisor)
    page = client.get(reverse("cartera:import_detail", args=[job.pk])).content.decode()
    assert "La importación se interrumpió" in page
    monkeypatch.setattr(importer, "_write_batch", real_write)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cartera:import_restart", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.attempt) == (ImportStatus.DONE, 2)
    assert Debtor.objects.filter(campaign=campaign).count() == 120  # as the file says, none twice
    assert job.created_count + job.unchanged_count + job.updated_count == 130 and job.rejected_count == 2
    assert "Interrumpida" not in client.get(reverse("cartera:import_list")).content.decode()


def test_a_finished_import_cannot_be_restarted(login, supervisor, campaign):
    job = ImportJob.objects.create(
        kind=importer.KIND, campaign=campaign, original_name="x.xlsx", created_by=supervisor, status="done"
    )
    response = login(supervisor).post(reverse("cartera:import_restart", args=[job.pk]), follow=True)
    assert "no está interrumpido" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.attempt) == (ImportStatus.DONE, 1)

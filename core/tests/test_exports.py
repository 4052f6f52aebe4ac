"""Excel exports: the constant-memory writer, background export jobs, their pages and downloads."""

import tempfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from core import export_jobs, exports
from core.choices import ExportStatus, NotificationKind
from core.models import ExportJob, Notification
from core.realtime import user_group
from core.roles import Role
from core.testing.factories import NotificationFactory

pytestmark = pytest.mark.django_db

COLUMNS = [("Número", "n"), ("Texto", lambda row: f"fila {row.n}")]


class Row:
    def __init__(self, n):
        self.n = n


def read(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.values)


def test_workbook_file_streams_rows_to_disk_with_progress(tmp_path):
    seen = []
    target = tmp_path / "out.xlsx"
    written = exports.workbook_file(
        path=target, title="prueba", columns=COLUMNS, rows=(Row(n) for n in range(7)), on_progress=seen.append,
        progress_every=3,
    )  # fmt: skip
    assert written == 7 and seen == [3, 6, 7]
    rows = read(target.read_bytes())
    assert rows[0] == ("Número", "Texto") and rows[1] == (0, "fila 0") and len(rows) == 8


def test_workbook_file_refuses_more_rows_than_a_sheet_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_DATA_ROWS", 5)
    before = set(Path(tempfile.gettempdir()).glob("openpyxl.*"))
    with pytest.raises(exports.ExportTooLarge, match="más de 5 filas"):
        exports.workbook_file(path=tmp_path / "x.xlsx", title="t", columns=COLUMNS, rows=(Row(n) for n in range(9)))
    assert not (tmp_path / "x.xlsx").exists()
    assert set(Path(tempfile.gettempdir()).glob("openpyxl.*")) == before  # the half-written sheet is gone


def test_has_more_rows_than(agente):
    NotificationFactory.create_batch(3, user=agente)
    queryset = Notification.objects.all()
    assert export_jobs.has_more_rows_than(queryset, 2)
    assert not export_jobs.has_more_rows_than(queryset, 3)


@pytest.fixture
def notices(agente, outsider):
    """Five notifications for ``agente`` (two read) and one for someone else."""
    for n in range(5):
        NotificationFactory(user=agente, text=f"aviso {n}", read_at="2026-01-01T00:00Z" if n < 2 else None)
    NotificationFactory(user=outsider, text="ajeno")


def test_small_list_downloads_at_once(login, agente, notices, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 5
    response = login(agente).get(reverse("core:notification_list") + "?export=xlsx")
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert len(read(response.content)) == 6 and not ExportJob.objects.exists()


def test_big_list_becomes_a_background_export(login, agente, notices, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    client = login(agente)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("core:notification_list") + "?status=unread&page=2&export=xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:export_detail", args=[job.pk])
    assert (job.name, job.path, job.query, job.created_by) == (
        "notificaciones",
        reverse("core:notification_list"),
        "status=unread",
        agente,
    )
    assert job.status == ExportStatus.DONE and job.total_rows == job.processed_rows == 3
    assert job.file.name.startswith("exports/") and job.file.name.endswith(".xlsx")
    rows = read(job.file.read())
    assert rows[0] == ("Fecha", "Tipo", "Texto", "Enlace", "Leída")
    assert sorted(row[2] for row in rows[1:]) == ["aviso 2", "aviso 3", "aviso 4"]  # filter kept, others' not
    page = client.get(response["Location"]).content.decode()
    assert "Descargar Excel" in page and "3 filas" in page and "Volver a la lista" in page
    assert "?status=unread" in page
    download = client.get(reverse("core:export_download", args=[job.pk]))
    assert download["Content-Disposition"].startswith('attachment; filename="notificaciones-')
    assert read(b"".join(download.streaming_content)) == rows


def test_ready_notification_is_pushed_to_the_user(agente, notices, settings, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(agente.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    notification = Notification.objects.filter(user=agente).order_by("-pk").first()
    assert notification.text == "Tu Excel de notificaciones está listo: 5 filas."
    assert notification.link == reverse("core:export_detail", args=[job.pk])
    assert notification.kind == NotificationKind.INFO
    message = async_to_sync(layer.receive)(channel)
    assert message["event"] == "notification.created" and message["payload"]["id"] == notification.pk


def test_progress_is_written_while_the_file_grows(agente, notices, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    seen = []
    original = export_jobs._set_progress

    def spy(job, rows):
        original(job, rows)
        seen.append((rows, ExportJob.objects.get(pk=job.pk).total_rows))

    monkeypatch.setattr(export_jobs, "_set_progress", spy)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    assert seen == [(2, 5), (4, 5), (5, 5)]
    job.refresh_from_db()
    assert (job.status, job.progress, job.started_at is not None, job.finished_at is not None) == ("done", 100, 1, 1)


def test_a_second_click_while_running_gets_the_same_job(agente):
    first = export_jobs.export_job_create(user=agente, name="n", path="/notificaciones/", query="status=unread")
    again = export_jobs.export_job_create(user=agente, name="n", path="/notificaciones/", query="status=unread")
    other = export_jobs.export_job_create(user=agente, name="n", path="/notificaciones/", query="status=read")
    assert first == again and other != first


def test_a_job_runs_once(agente, notices, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    name = ExportJob.objects.get(pk=job.pk).file.name
    export_jobs.export_job_run(job_id=job.pk)  # delivered twice: nothing is rewritten
    assert ExportJob.objects.get(pk=job.pk).file.name == name
    assert Notification.objects.filter(user=agente, text__startswith="Tu Excel").count() == 1


def test_too_many_rows_fails_with_a_clear_message(agente, notices, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(export_jobs, "EXCEL_MAX_DATA_ROWS", 4)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert "La lista tiene 5 filas" in job.error and "Filtra la lista" in job.error
    alert = Notification.objects.filter(user=agente, kind=NotificationKind.ALERT).get()
    assert alert.text.startswith("No se pudo generar el Excel de notificaciones")


def test_export_is_refused_to_a_role_that_lost_the_list(admin, django_capture_on_commit_callbacks):
    job = export_jobs.export_job_create(user=admin, name="usuarios", path=reverse("core:user_list"), query="")
    admin.role, admin.is_superuser = Role.SUPERVISOR, False
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        export_jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.error == "Tu rol ya no tiene acceso a esta lista."


def test_a_path_that_is_not_an_exportable_list_fails(agente):
    for path, error in (("/no-existe/", "La lista ya no existe."), ("/seguimientos/calendario/", "no se puede")):
        job = ExportJob.objects.create(name="x", path=path, created_by=agente)
        export_jobs.export_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == ExportStatus.FAILED and error in job.error


@pytest.fixture
def done_job(agente):
    job = ExportJob(name="notificaciones", path="/notificaciones/", created_by=agente, status=ExportStatus.DONE)
    job.total_rows = job.processed_rows = 1
    job.file.save("notificaciones.xlsx", ContentFile(exports.workbook_bytes(title="n", columns=COLUMNS, rows=[])))
    return job


def test_only_the_creator_and_admins_see_an_export(client, users, done_job):
    for role, status in {"agente": 200, "admin": 200, "supervisor": 404, "agente_b": 404, "backoffice": 404}.items():
        client.force_login(users[role])
        assert client.get(reverse("core:export_detail", args=[done_job.pk])).status_code == status, role
        assert client.get(reverse("core:export_download", args=[done_job.pk])).status_code == status, role


def test_download_waits_for_the_file(login, agente):
    job = ExportJob.objects.create(name="n", path="/notificaciones/", created_by=agente, total_rows=10)
    client = login(agente)
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    poll = client.get(reverse("core:export_detail", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in poll and "En cola" in poll and "<html" not in poll


def test_expired_export_loses_its_file(login, agente, done_job):
    storage, name = done_job.file.storage, done_job.file.name
    export_jobs.export_job_expire(job_id=done_job.pk)
    done_job.refresh_from_db()
    assert done_job.status == ExportStatus.EXPIRED and not done_job.file and not storage.exists(name)
    client = login(agente)
    assert client.get(reverse("core:export_download", args=[done_job.pk])).status_code == 404
    assert "se borró por antigüedad" in client.get(reverse("core:export_detail", args=[done_job.pk])).content.decode()
    assert export_jobs.export_job_expire(job_id=done_job.pk) is None


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after a batch
def test_the_worker_runs_the_export_and_deletes_the_file_later(
    agente, notices, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(user=agente, name="notificaciones", path="/notificaciones/", query="")
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"job_id": job.pk}
    run_worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and len(read(job.file.read())) == 6
    expiry = DBTaskResult.objects.filter(task_path__endswith="export_job_expire").get()
    assert expiry.run_after == job.finished_at + timedelta(days=settings.EXPORT_RETENTION_DAYS)
    storage, name = job.file.storage, job.file.name
    run_worker()  # not yet
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.DONE
    with time_machine.travel(expiry.run_after + timedelta(minutes=1), tick=False):
        run_worker()
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.EXPIRED and not storage.exists(name)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


def test_download_streams_from_minio(login, agente, settings, s3_endpoint):
    settings.MINIO_ENDPOINT, settings.MINIO_SECURE, settings.MINIO_REGION = s3_endpoint, False, "us-east-1"
    settings.MINIO_ACCESS_KEY, settings.MINIO_SECRET_KEY = "testing", "testing-secret"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "core.storage.MinioStorage", "OPTIONS": {"bucket_name": "crm-exports-test"}},
    }
    content = exports.workbook_bytes(title="n", columns=COLUMNS, rows=[Row(1), Row(2)])
    job = ExportJob(name="gestiones", path="/cartera/gestiones/", created_by=agente, status=ExportStatus.DONE)
    job.file.save("gestiones-20261122-2105.xlsx", ContentFile(content))
    response = login(agente).get(reverse("core:export_download", args=[job.pk]))
    assert response.streaming and response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"] == 'attachment; filename="gestiones-20261122-2105.xlsx"'
    assert b"".join(response.streaming_content) == content


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()

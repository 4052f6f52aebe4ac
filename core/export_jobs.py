"""Excel exports too big for the request: a job, a background task, a progress page.

The job keeps the list's path and filters, never the rows. The task resolves the path to the
list's view, builds it for the job's creator with the stored query string and exports
``view.filtered_queryset()``: the same selector, ``visible_to`` scoping and filters as the page
the user was looking at, so the file holds exactly the rows that list showed them.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.test import RequestFactory
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from core.access import RoleRequiredMixin, has_role, is_admin
from core.choices import ExportStatus, NotificationKind
from core.exports import EXCEL_MAX_DATA_ROWS, ExportTooLarge, stamped_filename, thousands, workbook_file
from core.jobs import JobSuperseded, job_claim, job_progress, job_restart, job_still_mine
from core.models import ExportJob, User

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000  # rows fetched from the database at a time
PROGRESS_EVERY = 5000  # rows between two progress writes
OPEN = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportError(Exception):
    """The export cannot be built; the message is shown to the user."""


def has_more_rows_than(queryset: QuerySet, limit: int) -> bool:
    """Whether ``queryset`` has more than ``limit`` rows: a COUNT over at most limit + 1 rows
    (``SELECT COUNT(*) FROM (… LIMIT limit + 1)``), cheap on a table of millions."""
    return queryset.order_by()[: limit + 1].count() > limit


@transaction.atomic
def export_job_create(*, user: User, name: str, path: str, query: str) -> ExportJob:
    """Queue the export of the list at ``path`` filtered by ``query``; a second click on the same
    export while it is still queued or running gets the job already under way."""
    open_jobs = ExportJob.objects.filter(created_by=user, path=path, query=query, status__in=OPEN)
    running = next((job for job in open_jobs if not job.stalled), None)
    if running:
        return running
    job = ExportJob(name=name, path=path, query=query, created_by=user)
    job.full_clean()
    job.save()
    _enqueue(job)
    return job


def _enqueue(job: ExportJob) -> None:
    from core.tasks import export_job_run as task

    job_id = job.pk
    transaction.on_commit(lambda: task.enqueue(job_id=job_id))


@transaction.atomic
def export_job_restart(*, job: ExportJob) -> ExportJob:
    """Run again an export whose worker died (``job.stalled``), from the first row."""
    job = job_restart(job, extra={"processed_rows": 0, "total_rows": 0, "started_at": None})
    _enqueue(job)
    return job


def list_view_for(job: ExportJob):
    """The list's view, set up as if ``job.created_by`` had just opened ``job.list_url``."""
    from core.lists import FilteredListView

    try:
        match = resolve(job.path)
    except Resolver404 as exc:
        raise ExportError("La lista ya no existe.") from exc
    view_class = getattr(match.func, "view_class", None)
    if not (isinstance(view_class, type) and issubclass(view_class, FilteredListView) and view_class.export_columns):
        raise ExportError("Esta lista no se puede exportar.")
    user = job.created_by
    if not user.is_active:
        raise ExportError("El usuario que pidió la exportación está inactivo.")
    if issubclass(view_class, RoleRequiredMixin) and not (is_admin(user) or has_role(user, *view_class.allowed_roles)):
        raise ExportError("Tu rol ya no tiene acceso a esta lista.")
    request = RequestFactory().get(job.list_url)
    request.user = user
    request.resolver_match = match
    view = view_class()
    view.setup(request, *match.args, **match.kwargs)
    return view


def _set_progress(job: ExportJob, rows: int) -> None:
    job_progress(job, processed_rows=rows)


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's list to an .xlsx on disk (constant memory), store it, tell the user.

    Runs in the task worker, outside any transaction, so each progress write is seen at once by
    the progress page. A job that is not queued any more (a task delivered twice) is left alone.
    """
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if not job_claim(job, ready=(ExportStatus.QUEUED,)):
        return job
    try:
        view = list_view_for(job)
        queryset = view.filtered_queryset()
        total = queryset.count()
        if total > EXCEL_MAX_DATA_ROWS:
            raise ExportTooLarge(total)
        job_progress(job, total_rows=total)
        filename = stamped_filename(job.name, job.created_at)
        with tempfile.TemporaryDirectory(prefix="crm-export-") as folder:
            target = Path(folder) / filename
            written = workbook_file(
                path=target,
                title=job.name,
                columns=view.export_columns,
                rows=queryset.iterator(chunk_size=CHUNK_SIZE),
                on_progress=partial(_set_progress, job),
                progress_every=PROGRESS_EVERY,
            )
            with target.open("rb") as handle:
                job.file.save(filename, File(handle, name=filename), save=False)
    except JobSuperseded:
        logger.warning("export %s attempt %s stopped: the export was started again", job.pk, job.attempt)
        return job
    except (ExportError, ExportTooLarge) as exc:
        return _finish(job, status=ExportStatus.FAILED, error=str(exc))
    except Exception as exc:  # recorded on the job for the user; the worker keeps running
        logger.exception("export %s failed", job.pk)
        return _finish(job, status=ExportStatus.FAILED, error=f"Error inesperado: {exc}")
    job.total_rows = job.processed_rows = written
    return _finish(job, status=ExportStatus.DONE)


def _finish(job: ExportJob, *, status: str, error: str = "") -> ExportJob:
    from core.services import notification_create

    if not job_still_mine(job):  # started again meanwhile: the newer run reports
        if job.file:
            job.file.delete(save=False)
        return job
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    fields = ["status", "error", "finished_at"]
    if status == ExportStatus.DONE:
        fields += ["file", "total_rows", "processed_rows"]  # a failed job keeps the progress it reached
    job.save(update_fields=fields)
    link = reverse("core:export_detail", args=[job.pk])
    if status == ExportStatus.DONE:
        text = f"Tu Excel de {job.name} está listo: {thousands(job.total_rows)} filas."
        notification_create(user=job.created_by, text=text, link=link, kind=NotificationKind.INFO)
        _schedule_expiry(job)
    else:
        text = f"No se pudo generar el Excel de {job.name}: {error}"
        notification_create(user=job.created_by, text=text, link=link, kind=NotificationKind.ALERT)
    return job


def _schedule_expiry(job: ExportJob) -> None:
    """Exported files are copies of live data: each one is deleted EXPORT_RETENTION_DAYS later
    by a one-shot task (there is no cron in the app)."""
    from django_tasks import default_task_backend

    from core.tasks import export_job_expire

    if not default_task_backend.supports_defer:
        # Only the immediate backend (development/tests) cannot defer; production uses the DB queue.
        logger.info("task backend cannot defer; export %s will not expire on its own", job.pk)
        return
    run_after = job.finished_at + timedelta(days=settings.EXPORT_RETENTION_DAYS)
    job_id = job.pk
    transaction.on_commit(lambda: export_job_expire.using(run_after=run_after).enqueue(job_id=job_id))


def export_job_expire(*, job_id: int) -> ExportJob | None:
    """Delete a finished export's file; the job stays as a record of who exported what."""
    job = ExportJob.objects.filter(pk=job_id, status=ExportStatus.DONE).first()
    if job is None:
        return None
    if job.file:
        job.file.delete(save=False)
    job.status = ExportStatus.EXPIRED
    job.save(update_fields=["file", "status"])
    return job

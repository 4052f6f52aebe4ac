"""What the background jobs (imports, exports) share: telling a running job from one whose worker
died, and running it again.

A job's task writes ``heartbeat_at`` with every progress update. A job still "running" whose last
heartbeat is older than ``JOB_STALLED_SECONDS`` has lost its worker (a deploy, an out-of-memory
kill, a crash): nothing will ever finish it, so the page says it was interrupted and offers to run
it again. That is derived when read, as every state in the CRM is; no cron looks for dead jobs.

Running it again bumps ``attempt``. Every write a task makes is conditioned on the attempt it
started with, so a worker that was only slow, not dead, stops at its next write
(``JobSuperseded``) instead of racing the new run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

RUNNING = "running"  # the same value in ImportStatus and ExportStatus
QUEUED = "queued"


class JobSuperseded(Exception):
    """The job was started again while this worker still ran it: this worker stops."""


class BackgroundJob(models.Model):
    """Fields and state every background job has on top of its own."""

    attempt = models.PositiveIntegerField("intento", default=1)
    heartbeat_at = models.DateTimeField("último avance", null=True, blank=True)

    class Meta:
        abstract = True

    def is_stalled(self, now: datetime | None = None) -> bool:
        if self.status != RUNNING:
            return False
        last = self.heartbeat_at or self.started_at
        if last is None:
            return False
        return last < (now or timezone.now()) - timedelta(seconds=settings.JOB_STALLED_SECONDS)

    @property
    def stalled(self) -> bool:
        return self.is_stalled()

    @property
    def status_label(self) -> str:
        return "Interrumpida" if self.stalled else self.get_status_display()


def job_claim(job: BackgroundJob, *, ready: tuple[str, ...]) -> bool:
    """queued → running for exactly one worker; False when the job was not waiting to run."""
    now = timezone.now()
    claimed = (
        type(job)
        .objects.filter(pk=job.pk, status__in=ready, attempt=job.attempt)
        .update(status=RUNNING, started_at=now, heartbeat_at=now, error="")
    )
    if claimed:
        job.status, job.started_at, job.heartbeat_at, job.error = RUNNING, now, now, ""
    return bool(claimed)


def job_progress(job: BackgroundJob, **fields) -> None:
    """Record progress (and the heartbeat); ``JobSuperseded`` when the job was started again."""
    now = timezone.now()
    if not type(job).objects.filter(pk=job.pk, attempt=job.attempt).update(heartbeat_at=now, **fields):
        raise JobSuperseded(f"{type(job).__name__} {job.pk} attempt {job.attempt}")
    job.heartbeat_at = now


def job_still_mine(job: BackgroundJob) -> bool:
    """Whether this worker's attempt is still the job's current one (checked before finishing)."""
    return type(job).objects.filter(pk=job.pk, attempt=job.attempt).exists()


@transaction.atomic
def job_restart(job: BackgroundJob, *, extra: dict | None = None) -> BackgroundJob:
    """Queue an interrupted job again (the caller enqueues its task on commit). Only a job that is
    stalled may be restarted: a live one is still being worked on."""
    locked = type(job).objects.select_for_update().get(pk=job.pk)
    if not locked.is_stalled():
        raise ValidationError("Este trabajo no está interrumpido: sigue en curso o ya terminó.")
    fields = {"status": QUEUED, "attempt": F("attempt") + 1, "heartbeat_at": None, "error": "", **(extra or {})}
    type(job).objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job

"""Background tasks of the core app: thin wrappers around services (ARCHITECTURE.md §8)."""

from django_tasks import task

from core import export_jobs, services


@task()
def follow_up_remind(*, follow_up_id: int) -> int | None:
    notification = services.follow_up_remind(follow_up_id=follow_up_id)
    return notification.pk if notification else None


@task()
def export_job_run(*, job_id: int) -> dict:
    job = export_jobs.export_job_run(job_id=job_id)
    return {"status": job.status, "rows": job.total_rows}


@task()
def export_job_expire(*, job_id: int) -> str | None:
    job = export_jobs.export_job_expire(job_id=job_id)
    return job.status if job else None

"""Background tasks of the collections module: thin wrappers around services."""

from django_tasks import task

from cartera import importer


@task()
def debtor_import_run(*, job_id: int) -> dict:
    job = importer.debtor_import_run(job_id=job_id)
    return {"status": job.status, "created": job.created_count, "updated": job.updated_count}

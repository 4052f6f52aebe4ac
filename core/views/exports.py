"""Background Excel exports: the progress page (polled by HTMX) and the download."""

import contextlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.access import get_object_for_user
from core.choices import ExportStatus
from core.export_jobs import export_job_restart
from core.exports import XLSX_TYPE
from core.models import ExportJob
from core.storage import MinioStorage

STREAM_CHUNK = 256 * 1024


def export_detail(request, pk: int):
    job = get_object_for_user(ExportJob, request.user, pk=pk)
    size = None
    if job.status == ExportStatus.DONE and job.file:
        with contextlib.suppress(OSError):
            size = job.file.size
    template = "core/partials/export_progress.html" if request.htmx else "core/export_detail.html"
    return render(request, template, {"job": job, "size": size})


@require_POST
def export_restart(request, pk: int):
    """Start again an export whose worker died."""
    job = get_object_for_user(ExportJob, request.user, pk=pk)
    try:
        export_job_restart(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Exportación en marcha otra vez: te avisaremos cuando esté lista.")
    return redirect("core:export_detail", pk=job.pk)


def export_download(request, pk: int):
    job = get_object_for_user(ExportJob, request.user, pk=pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("Este Excel no está disponible.")
    filename = job.file.name.rsplit("/", 1)[-1]
    storage = job.file.storage
    if isinstance(storage, MinioStorage):
        return _stream_from_minio(storage, job.file.name, filename)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _stream_from_minio(storage: MinioStorage, name: str, filename: str) -> StreamingHttpResponse:
    # MinioStorage.open() reads the whole object into memory; a big export is tens of megabytes,
    # so the web process passes it on in chunks instead.
    upstream = storage.client.get_object(storage.bucket, name)

    def chunks():
        try:
            yield from upstream.stream(STREAM_CHUNK)
        finally:
            upstream.close()
            upstream.release_conn()

    response = StreamingHttpResponse(chunks(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    if upstream.headers.get("Content-Length"):
        response["Content-Length"] = upstream.headers["Content-Length"]
    return response

"""Import pages: upload → mapping preview → live progress → result and rejected rows."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cartera import importer
from cartera.filters import ImportJobFilter
from cartera.forms import ImportUploadForm, MappingForm
from core.access import RoleRequiredMixin, get_object_for_user, role_required
from core.choices import ImportStatus
from core.forms import add_service_errors
from core.lists import FilteredListView
from core.models import ImportJob
from core.roles import Role

MANAGERS = (Role.SUPERVISOR, Role.BACKOFFICE)


def _job(request, pk: int) -> ImportJob:
    return get_object_for_user(
        ImportJob.objects.filter(kind=importer.KIND).select_related("campaign"), request.user, pk=pk
    )


@role_required(*MANAGERS)
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = importer.import_job_create(
                campaign=form.cleaned_data["campaign"], upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="file")
        else:
            return redirect("cartera:import_preview", pk=job.pk)
    return render(request, "cartera/import_start.html", {"form": form})


@role_required(*MANAGERS)
def import_preview(request, pk: int):
    job = _job(request, pk)
    if job.status != ImportStatus.PENDING:
        return redirect("cartera:import_detail", pk=job.pk)
    form = MappingForm(
        request.POST or None, headers=job.headers, mapping=job.mapping, choices=importer.mapping_choices()
    )
    if request.method == "POST" and form.is_valid():
        try:
            importer.import_job_confirm(job=job, mapping=form.mapping())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Importación en curso: puedes seguir trabajando, te avisaremos al terminar.")
            return redirect("cartera:import_detail", pk=job.pk)
    sample = importer.import_job_preview(job=job)
    columns = [(form[f"col_{i}"], [row[i] if i < len(row) else "" for row in sample]) for i in range(len(job.headers))]
    return render(request, "cartera/import_preview.html", {"job": job, "form": form, "columns": columns})


@role_required(*MANAGERS)
def import_detail(request, pk: int):
    job = _job(request, pk)
    template = "cartera/partials/import_progress.html" if request.htmx else "cartera/import_detail.html"
    return render(request, template, {"job": job})


@role_required(*MANAGERS)
@require_POST
def import_restart(request, pk: int):
    """Start again an import whose worker died: the file is read again from the top."""
    job = _job(request, pk)
    try:
        importer.import_job_restart(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Importación en marcha otra vez: los deudores ya escritos no se duplican.")
    return redirect("cartera:import_detail", pk=job.pk)


@role_required(*MANAGERS)
def import_rejected(request, pk: int):
    job = _job(request, pk)
    if not job.rejected_file:
        raise Http404("Esta importación no tiene filas rechazadas.")
    return FileResponse(job.rejected_file.open("rb"), as_attachment=True, filename=f"rechazados-{job.pk}.xlsx")


class ImportListView(RoleRequiredMixin, FilteredListView):
    allowed_roles = MANAGERS
    template_name = "cartera/import_list.html"
    export_name = "importaciones"
    export_columns = [
        ("Fecha", "created_at"),
        ("Archivo", "original_name"),
        ("Campaña", "campaign.name"),
        ("Estado", "status_label"),
        ("Filas", "total_rows"),
        ("Nuevos", "created_count"),
        ("Actualizados", "updated_count"),
        ("Sin cambios", "unchanged_count"),
        ("Rechazados", "rejected_count"),
        ("Por", lambda j: str(j.created_by)),
    ]

    filterset_class = ImportJobFilter

    def get_queryset(self):
        return (
            ImportJob.objects.visible_to(self.request.user)
            .filter(kind=importer.KIND)
            .select_related("campaign", "created_by")
        )

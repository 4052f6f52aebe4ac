"""The one list view every table uses: filtered (django-filter), paginated, exportable to Excel,
and answering HTMX requests with just the table partial."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core import export_jobs
from core.exports import MAX_EXPORT_ROWS, Column, thousands, xlsx_response

# Query parameters that are not filters: they never reach a background export.
NOT_FILTERS = ("export", "page")


class FilteredListView(TemplateView):
    filterset_class = None
    partial_template_name: str | None = None
    export_columns: list[Column] = []
    export_name = "export"
    paginate_by: int | None = None

    def get_queryset(self):
        raise ImproperlyConfigured(f"{type(self).__name__} must define get_queryset() returning a scoped selector.")

    def get_filterset(self):
        return self.filterset_class(self.request.GET or None, queryset=self.get_queryset(), request=self.request)

    def filtered_queryset(self):
        """The rows the list shows for this request's user and filters (the export's rows too).
        An unbound filterset (no query string) lists everything; a bound one with errors lists
        nothing and shows the errors next to the fields."""
        self.filterset = self.get_filterset()
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        return self.filterset.qs if valid else self.filterset.queryset.none()

    def get(self, request, *args, **kwargs):
        queryset = self.filtered_queryset()
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return self.export(queryset)
        paginator = self.get_paginator(queryset, self.paginate_by or settings.PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = self.get_context_data(
            filter=self.filterset, page_obj=page, object_list=page.object_list, querystring=query.urlencode()
        )
        if getattr(request, "htmx", False) and self.partial_template_name:
            return self.response_class(request, [self.partial_template_name], context, using=self.template_engine)
        return self.render_to_response(context)

    def get_paginator(self, queryset, per_page: int) -> Paginator:
        """A list over a very large table swaps in a paginator that does not count every row."""
        return Paginator(queryset, per_page)

    def export(self, queryset):
        """Up to EXPORT_SYNC_MAX_ROWS rows download at once; a bigger list becomes a background
        export with a progress page (the size is probed with a LIMIT, never a full COUNT)."""
        limit = min(settings.EXPORT_SYNC_MAX_ROWS, MAX_EXPORT_ROWS)  # never cut a direct download short
        if not export_jobs.has_more_rows_than(queryset, limit):
            return xlsx_response(
                filename=self.export_name,
                title=self.export_name,
                columns=self.export_columns,
                rows=queryset.iterator(chunk_size=2000),
            )
        query = self.request.GET.copy()
        for name in NOT_FILTERS:
            query.pop(name, None)
        job = export_jobs.export_job_create(
            user=self.request.user, name=self.export_name, path=self.request.path, query=query.urlencode()
        )
        messages.info(
            self.request,
            f"La lista tiene más de {thousands(limit)} filas: el Excel se prepara en segundo plano. "
            "Puedes seguir trabajando; te avisaremos cuando esté listo.",
        )
        return redirect("core:export_detail", pk=job.pk)

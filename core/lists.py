"""The one list view every table uses: filtered (django-filter), paginated, exportable to Excel,
and answering HTMX requests with just the table partial."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from core.exports import Column, xlsx_response


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

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset()
        # An unbound filterset (no query string) lists everything; a bound one with errors lists
        # nothing and shows the errors next to the fields.
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        queryset = self.filterset.qs if valid else self.filterset.queryset.none()
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return xlsx_response(
                filename=self.export_name,
                title=self.export_name,
                columns=self.export_columns,
                rows=queryset.iterator(chunk_size=2000),
            )
        paginator = Paginator(queryset, self.paginate_by or settings.PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = self.get_context_data(
            filter=self.filterset, page_obj=page, object_list=page.object_list, querystring=query.urlencode()
        )
        if getattr(request, "htmx", False) and self.partial_template_name:
            return self.response_class(request, [self.partial_template_name], context, using=self.template_engine)
        return self.render_to_response(context)

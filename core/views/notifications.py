from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import selectors, services
from core.access import get_object_for_user
from core.filters import NotificationFilter
from core.lists import FilteredListView
from core.models import Notification
from core.views.utils import redirect_back


class NotificationListView(FilteredListView):
    template_name = "core/notification_list.html"
    partial_template_name = "core/partials/notification_table.html"
    filterset_class = NotificationFilter
    export_name = "notificaciones"
    export_columns = [
        ("Fecha", "created_at"),
        ("Tipo", "get_kind_display"),
        ("Texto", "text"),
        ("Enlace", "link"),
        ("Leída", "read_at"),
    ]

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


def notification_count(request):
    return JsonResponse({"unread": selectors.unread_notification_count(user=request.user)})


def notification_menu(request):
    """The bell's dropdown (HTMX): the latest unread notifications."""
    return render(
        request,
        "core/partials/notification_menu.html",
        {"latest": selectors.notification_list(user=request.user).unread()[:8]},
    )


@require_POST
def notification_open(request, pk: int):
    notification = get_object_for_user(Notification, request.user, pk=pk)
    services.notification_mark_read(notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("core:notification_list")


@require_POST
def notification_read_all(request):
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, f"{count} notificaciones marcadas como leídas." if count else "No había pendientes.")
    return redirect_back(request, "core:notification_list")

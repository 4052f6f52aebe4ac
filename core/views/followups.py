from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import selectors, services
from core.access import get_object_for_user
from core.filters import FollowUpFilter
from core.forms import FollowUpForm, add_service_errors
from core.lists import FilteredListView
from core.models import FollowUp
from core.views.utils import redirect_back


class FollowUpListView(FilteredListView):
    template_name = "core/follow_up_list.html"
    partial_template_name = "core/partials/follow_up_table.html"
    filterset_class = FollowUpFilter
    export_name = "seguimientos"
    export_columns = [
        ("Vence", "due_at"),
        ("Nota", "note"),
        ("Responsable", lambda f: str(f.owner)),
        ("Registro", lambda f: f"{f.content_type.name} #{f.object_id}" if f.content_type_id else ""),
        ("Hecho", "done_at"),
    ]

    def get_queryset(self):
        return selectors.follow_up_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(now=timezone.now(), highlight=self.request.GET.get("highlight"), **kwargs)


def follow_up_calendar(request):
    return render(request, "core/follow_up_calendar.html")


def _parse_bound(value: str | None) -> datetime | None:
    """FullCalendar sends ISO dates; only the date matters, read in the CRM's time zone."""
    try:
        day = datetime.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return timezone.make_aware(day)


def follow_up_events(request):
    """FullCalendar's event feed: ?start=…&end=… (ISO dates), at most 62 days at a time."""
    start, end = _parse_bound(request.GET.get("start")), _parse_bound(request.GET.get("end"))
    if not start or not end or end <= start:
        return JsonResponse({"error": "Parámetros start y end (ISO 8601) requeridos."}, status=400)
    if (end - start).days > 62:
        return JsonResponse({"error": "El rango máximo es de 62 días."}, status=400)
    events = []
    now = timezone.now()
    for follow_up in selectors.follow_ups_between(user=request.user, start=start, end=end):
        color = "#198754" if follow_up.done else ("#dc3545" if follow_up.due_at < now else "#0d6efd")
        title = follow_up.note if follow_up.owner_id == request.user.pk else f"{follow_up.owner}: {follow_up.note}"
        events.append(
            {
                "id": follow_up.pk,
                "title": title,
                # Wall-clock time of the CRM's zone, so every workstation shows what the home page shows.
                "start": timezone.localtime(follow_up.due_at).replace(tzinfo=None).isoformat(),
                "color": color,
                "url": reverse("core:follow_up_edit", args=[follow_up.pk]),
            }
        )
    return JsonResponse(events, safe=False)


def _save_form(request, form, follow_up=None):
    try:
        if follow_up is None:
            follow_up = services.follow_up_create(
                owner=form.cleaned_data.get("owner") or request.user,
                due_at=form.cleaned_data["due_at"],
                note=form.cleaned_data["note"],
                created_by=request.user,
            )
        else:
            follow_up = services.follow_up_update(
                follow_up=follow_up, due_at=form.cleaned_data["due_at"], note=form.cleaned_data["note"]
            )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    return follow_up


def follow_up_create(request):
    form = FollowUpForm(request.POST or None, user=request.user, initial=_initial_due(request))
    if request.method == "POST" and form.is_valid() and _save_form(request, form):
        messages.success(request, "Seguimiento creado.")
        return redirect("core:follow_up_list")
    return render(request, "core/follow_up_form.html", {"form": form})


def _initial_due(request):
    date = request.GET.get("date")
    return {"due_at": f"{date}T09:00"} if date and len(date) == 10 else {}


def follow_up_edit(request, pk: int):
    follow_up = get_object_for_user(FollowUp, request.user, pk=pk)
    form = FollowUpForm(request.POST or None, user=request.user, instance=follow_up)
    if "owner" in form.fields:
        del form.fields["owner"]  # moving a follow-up to someone else is a new follow-up
    if request.method == "POST" and form.is_valid() and _save_form(request, form, follow_up):
        messages.success(request, "Seguimiento actualizado.")
        return redirect("core:follow_up_list")
    return render(request, "core/follow_up_form.html", {"form": form, "follow_up": follow_up})


@require_POST
def follow_up_toggle(request, pk: int):
    follow_up = get_object_for_user(FollowUp, request.user, pk=pk)
    if follow_up.done:
        services.follow_up_reopen(follow_up=follow_up)
        messages.info(request, "Seguimiento reabierto.")
    else:
        services.follow_up_complete(follow_up=follow_up)
        messages.success(request, "Seguimiento marcado como hecho.")
    if getattr(request, "htmx", False):
        return render(request, "core/partials/follow_up_row.html", {"f": follow_up, "now": timezone.now()})
    return redirect_back(request, "core:follow_up_list")

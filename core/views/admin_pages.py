from axes.utils import reset
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import activity
from core.access import role_required
from core.exports import xlsx_response
from core.roles import Role

EXPORT_COLUMNS = {
    "logins": [
        ("Fecha", "attempt_time"),
        ("Usuario", "username"),
        ("IP", "ip_address"),
        ("Navegador", "user_agent"),
        ("Salida", "logout_time"),
    ],
    "failures": [
        ("Fecha", "attempt_time"),
        ("Usuario", "username"),
        ("IP", "ip_address"),
        ("Bloqueado", "locked_out"),
    ],
    "lockouts": [
        ("Último intento", "attempt_time"),
        ("Usuario", "username"),
        ("IP", "ip_address"),
        ("Fallos", "failures_since_start"),
    ],
    "changes": [
        ("Fecha", "history_date"),
        ("Registro", lambda r: str(r.instance)),
        ("Acción", lambda r: activity.HISTORY_TYPES.get(r.history_type, "")),
        ("Por", lambda r: str(r.history_user or "sistema")),
        ("Detalle", activity.describe_change),
    ],
}


@role_required(Role.ADMINISTRADOR)
def activity_view(request):
    tab = request.GET.get("tab", "logins")
    if tab not in EXPORT_COLUMNS:
        tab = "logins"
    model_key = request.GET.get("model", "usuarios")
    queryset = activity.changes(model_key) if tab == "changes" else getattr(activity, tab)()
    username = request.GET.get("q", "").strip()
    date_from, date_to = request.GET.get("from", ""), request.GET.get("to", "")
    date_field = "history_date" if tab == "changes" else "attempt_time"
    if username:
        user_field = "history_user__username__icontains" if tab == "changes" else "username__icontains"
        queryset = queryset.filter(**{user_field: username})
    if len(date_from) == 10:
        queryset = queryset.filter(**{f"{date_field}__date__gte": date_from})
    if len(date_to) == 10:
        queryset = queryset.filter(**{f"{date_field}__date__lte": date_to})
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"actividad-{tab}", title=tab, columns=EXPORT_COLUMNS[tab], rows=queryset[:50_000]
        )
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    rows = page.object_list
    if tab == "changes":
        rows = [
            (record, activity.HISTORY_TYPES.get(record.history_type, ""), activity.describe_change(record))
            for record in rows
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/activity.html",
        {
            "tabs": activity.TABS,
            "tab": tab,
            "model_key": model_key,
            "history_models": activity.HISTORY_MODELS,
            "page_obj": page,
            "rows": rows,
            "querystring": query.urlencode(),
            "filters": {"q": username, "from": date_from, "to": date_to},
        },
    )


@role_required(Role.ADMINISTRADOR)
@require_POST
def unlock_user(request):
    username = request.POST.get("username", "").strip()
    if not username:
        messages.error(request, "Indica el usuario a desbloquear.")
    else:
        count = reset(username=username)
        messages.success(request, f"Usuario {username} desbloqueado ({count} registro(s) de intentos borrados).")
    return redirect(reverse("core:activity") + "?tab=lockouts")

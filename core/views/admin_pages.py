from axes.utils import reset
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import activity
from core.access import RoleRequiredMixin, role_required
from core.filters import ActivityFilter
from core.lists import FilteredListView
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


class ActivityView(RoleRequiredMixin, FilteredListView):
    """Logins, failed attempts, lockouts and the change history, one tab each; admins only.
    A big tab exports in the background like any other list (``tab`` and ``model`` are part of
    the query string the export job keeps)."""

    allowed_roles = ()  # administrators only
    template_name = "core/activity.html"
    filterset_class = ActivityFilter

    @property
    def tab(self) -> str:
        tab = self.request.GET.get("tab", "logins")
        return tab if tab in EXPORT_COLUMNS else "logins"

    @property
    def model_key(self) -> str:
        key = self.request.GET.get("model", "usuarios")
        return key if key in activity.HISTORY_MODELS else "usuarios"

    @property
    def export_columns(self):
        return EXPORT_COLUMNS[self.tab]

    @property
    def export_name(self) -> str:
        return f"actividad-{self.tab}"

    def get_queryset(self):
        return activity.changes(self.model_key) if self.tab == "changes" else getattr(activity, self.tab)()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["object_list"]
        if self.tab == "changes":
            rows = [
                (record, activity.HISTORY_TYPES.get(record.history_type, ""), activity.describe_change(record))
                for record in rows
            ]
        context.update(
            tabs=activity.TABS,
            tab=self.tab,
            model_key=self.model_key,
            history_models=activity.HISTORY_MODELS,
            rows=rows,
        )
        return context


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

"""Campaigns, the supervisor's team, notices, and the admin's user list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from core import selectors, services
from core.access import RoleRequiredMixin, role_required
from core.filters import CampaignFilter, TeamFilter, UserFilter
from core.forms import NoticeForm, add_service_errors
from core.lists import FilteredListView
from core.roles import Role


class CampaignListView(FilteredListView):
    template_name = "core/campaign_list.html"
    partial_template_name = "core/partials/campaign_table.html"
    filterset_class = CampaignFilter
    export_name = "campanas"
    export_columns = [
        ("Campaña", "name"),
        ("Módulo", "get_module_display"),
        ("País", "get_country_display"),
        ("Zona horaria", "time_zone"),
        ("Moneda", "currency"),
        ("Activa", "active"),
        ("Miembros", "member_count"),
    ]

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user)


class UserListView(RoleRequiredMixin, FilteredListView):
    allowed_roles = (Role.ADMINISTRADOR,)
    template_name = "core/user_list.html"
    partial_template_name = "core/partials/user_table.html"
    filterset_class = UserFilter
    export_name = "usuarios"
    export_columns = [
        ("Usuario", "username"),
        ("Nombre", "get_full_name"),
        ("Correo", "email"),
        ("Rol", "get_role_display"),
        ("Supervisor", lambda u: str(u.supervisor or "")),
        ("Extensión", "extension"),
        ("Estación", "workstation"),
        ("Activo", "is_active"),
        ("Último ingreso", "last_login"),
    ]

    def get_queryset(self):
        return selectors.user_list(user=self.request.user)


class TeamView(RoleRequiredMixin, FilteredListView):
    allowed_roles = (Role.SUPERVISOR,)
    template_name = "core/team.html"
    filterset_class = TeamFilter
    export_name = "equipo"
    export_columns = [
        ("Asesor", "get_full_name"),
        ("Usuario", "username"),
        ("Extensión", "extension"),
        ("Estación", "workstation"),
        ("Último ingreso", "last_login"),
        ("Seguimientos abiertos", "open_follow_ups"),
        ("Vencidos", "overdue_follow_ups"),
    ]

    def get_queryset(self):
        return selectors.team_members(supervisor=self.request.user)


@role_required(Role.SUPERVISOR)
def notice_send(request):
    form = NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.notice_send(
                sender=request.user, recipients=form.recipients(), text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="text")
        else:
            messages.success(request, f"Aviso enviado a {count} persona(s).")
            return redirect("core:notice_send")
    return render(request, "core/notice_form.html", {"form": form})

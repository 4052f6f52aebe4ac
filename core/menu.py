"""Sidebar registry: each app registers its entries once; the sidebar shows those the user's
role and campaign modules allow (ARCHITECTURE.md §4, "the menu shows what the role and the
campaigns allow")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from core.access import is_admin
from core.roles import Role

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class MenuEntry:
    section: str
    label: str
    url_name: str
    icon: str
    roles: frozenset[str] = ALL_ROLES
    module: str | None = None  # shown only to members of a campaign of this module
    order: int = 100
    # Shown only when ``when(user)`` is true (admins always): e.g. support-group members.
    when: Callable[[object], bool] | None = None


_entries: dict[tuple[str, str], MenuEntry] = {}


def register(entry: MenuEntry) -> None:
    _entries[(entry.section, entry.url_name)] = entry


def entries_for(user) -> list[dict]:
    """The sections and entries ``user`` sees, in order, with resolved URLs."""
    if not (user and user.is_authenticated):
        return []
    admin = is_admin(user)
    modules = user.modules() if any(e.module for e in _entries.values()) else set()
    sections: dict[str, list[dict]] = {}
    role = Role.ADMINISTRADOR if admin else user.role
    for entry in sorted(_entries.values(), key=lambda e: (e.order, e.label)):
        if role not in entry.roles:
            continue
        if entry.module and not admin and entry.module not in modules:
            continue
        if entry.when and not admin and not entry.when(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(entry.section, []).append(
            {"label": entry.label, "url": url, "icon": entry.icon, "url_name": entry.url_name}
        )
    return [{"title": title, "entries": items} for title, items in sections.items()]


def register_core_entries() -> None:
    team_roles = frozenset({Role.SUPERVISOR})
    admin_only = frozenset({Role.ADMINISTRADOR})
    for entry in (
        MenuEntry("General", "Inicio", "core:home", "bi-house", order=0),
        MenuEntry("General", "Mis seguimientos", "core:follow_up_list", "bi-list-check", order=10),
        MenuEntry("General", "Calendario", "core:follow_up_calendar", "bi-calendar3", order=11),
        MenuEntry("General", "Notificaciones", "core:notification_list", "bi-bell", order=12),
        MenuEntry("General", "Campañas", "core:campaign_list", "bi-megaphone", order=20),
        MenuEntry("Equipo", "Mi equipo", "core:team", "bi-people", roles=team_roles, order=30),
        MenuEntry("Equipo", "Enviar aviso", "core:notice_send", "bi-broadcast", roles=team_roles, order=31),
        MenuEntry("Administración", "Enviar aviso", "core:notice_send", "bi-broadcast", roles=admin_only, order=89),
        MenuEntry("Administración", "Usuarios", "core:user_list", "bi-person-gear", roles=admin_only, order=90),
        MenuEntry("Administración", "Actividad", "core:activity", "bi-activity", roles=admin_only, order=91),
        MenuEntry("Administración", "Admin Django", "admin:index", "bi-tools", roles=admin_only, order=99),
    ):
        register(entry)

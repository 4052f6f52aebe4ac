"""The one access layer (ARCHITECTURE.md §4).

* Row level: every reachable model's manager has ``visible_to(user)``; most are built with
  :func:`scope_for`, so the rule "agent: own, supervisor: team, backoffice/quality: their
  campaigns, admin: all" is written once.
* Object level: :func:`get_object_for_user` answers 404 for what the user may not see.
* Role gates: :func:`role_required` (function views) and :class:`RoleRequiredMixin`
  (class-based views) answer 403.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from core.roles import MODULE_SCOPED_ROLES, Role


def has_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.role == Role.ADMINISTRADOR or user.is_superuser))


def scope_for(
    queryset: models.QuerySet,
    user,
    *,
    owner: str | None = None,
    campaign: str | None = None,
) -> models.QuerySet:
    """Filter ``queryset`` to what ``user`` may see.

    ``owner`` is the path to the user who owns a row (``"owner"``, ``"agent"``…), ``campaign``
    the path to its campaign. Agents see their own rows; supervisors their own and their
    team's; backoffice and quality the rows of the campaigns they belong to (their own rows
    when the model has no campaign); admins everything.
    """
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if is_admin(user):
        return queryset
    supervisor = user.role == Role.SUPERVISOR
    if campaign and (user.role in MODULE_SCOPED_ROLES or not owner):
        condition = Q(**{f"{campaign}__in": campaign_ids_of(user, include_team=supervisor)})
    elif owner:
        condition = Q(**{owner: user})
        if supervisor:
            condition |= Q(**{f"{owner}__supervisor": user})
    else:
        return queryset.none()
    return queryset.filter(condition)


def campaign_ids_of(user, *, include_team: bool = False) -> models.QuerySet:
    """Subquery of the campaign ids ``user`` belongs to (and their team's, for a supervisor)."""
    from core.models import CampaignMembership

    members = Q(user=user) | Q(user__supervisor=user) if include_team else Q(user=user)
    return CampaignMembership.objects.filter(members).values("campaign_id")


def get_object_for_user(source, user, **lookup):
    """Fetch one object through ``visible_to(user)``; 404 when absent or not visible."""
    queryset = source.objects.all() if isinstance(source, type) else source
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No encontrado.") from exc


def role_required(*roles: str):
    """Decorator: only users whose role is in ``roles`` (admins always) reach the view; 403 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not (is_admin(request.user) or has_role(request.user, *roles)):
                raise PermissionDenied("Tu rol no tiene acceso a esta página.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles) | {Role.ADMINISTRADOR}
        return wrapped

    return decorator


class RoleRequiredMixin:
    """Class-based counterpart of :func:`role_required`; set ``allowed_roles``."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not (is_admin(request.user) or has_role(request.user, *self.allowed_roles)):
            raise PermissionDenied("Tu rol no tiene acceso a esta página.")
        return super().dispatch(request, *args, **kwargs)

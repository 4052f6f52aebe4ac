"""The admin's "actividad" page: logins, failed attempts and lockouts (django-axes), and the change
history of users, campaigns and follow-ups (django-simple-history)."""

from __future__ import annotations

from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import QuerySet

from core.models import Campaign, FollowUp, User

HISTORY_MODELS = {"usuarios": User, "campanas": Campaign, "seguimientos": FollowUp}
HISTORY_TYPES = {"+": "Creado", "~": "Modificado", "-": "Eliminado"}


@dataclass(frozen=True)
class Tab:
    key: str
    label: str


TABS = [
    Tab("logins", "Ingresos"),
    Tab("failures", "Intentos fallidos"),
    Tab("lockouts", "Bloqueos"),
    Tab("changes", "Cambios"),
]


def logins() -> QuerySet:
    return AccessLog.objects.order_by("-attempt_time")


def failures() -> QuerySet:
    return AccessFailureLog.objects.order_by("-attempt_time")


def lockouts() -> QuerySet:
    """Attempt records that reached the failure limit: those users are locked out now."""
    return AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).order_by("-attempt_time")


def changes(model_key: str) -> QuerySet:
    model = HISTORY_MODELS.get(model_key, User)
    return model.history.select_related("history_user").order_by("-history_date")


def describe_change(record) -> str:
    """'campo: antes → después' for each changed field (one query for the previous record)."""
    if record.history_type != "~":
        return HISTORY_TYPES.get(record.history_type, "")
    previous = record.prev_record
    if previous is None:
        return "Modificado"
    delta = record.diff_against(previous)
    return "; ".join(f"{c.field}: {c.old} → {c.new}" for c in delta.changes) or "Sin cambios de campos"

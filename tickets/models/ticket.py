"""Tickets and what hangs from them: status spans, comments, attachments; saved list filters."""

from __future__ import annotations

import os
import re
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import models
from django.db.models import IntegerField, Q, Value
from django.utils import timezone
from django.utils.text import get_valid_filename
from simple_history.models import HistoricalRecords

from core.access import is_admin
from core.roles import Role
from tickets.choices import OPEN_STATUSES, Aplicativo, Priority, Status, TicketList
from tickets.models.config import Category, SLAPolicy, SupportGroup

NUMBER_PREFIX = "TCK-"
NUMBER_RE = re.compile(r"^\s*(?:TCK-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def number_for(pk: int) -> str:
    return f"{NUMBER_PREFIX}{pk:06d}"


def pk_from_number(text: str) -> int | None:
    """``TCK-000123``, ``tck123``, ``000123`` or ``123`` → 123; anything else → None."""
    match = NUMBER_RE.match(text or "")
    return int(match.group(1)) if match else None


def _group_ids(user) -> list[int]:
    from tickets.access import support_group_ids

    return support_group_ids(user)


def scope_ids(user) -> tuple[list[int], list[int]]:
    """(tickets ``user`` watches, members of their team when a supervisor), read in one query
    and remembered on the user. As lists they let PostgreSQL combine its indexes: a subquery
    inside the OR made it read every ticket (docs/benchmarks.md, "Tickets a escala")."""
    cached = getattr(user, "_ticket_scope", None)
    if cached is None:
        watched_rows = (
            Ticket.watchers.through.objects.filter(user_id=user.pk)
            .order_by()
            .annotate(kind=Value(0, output_field=IntegerField()))
            .values_list("kind", "ticket_id")
        )
        rows = watched_rows
        if user.role == Role.SUPERVISOR:
            team_rows = (
                get_user_model()
                .objects.filter(supervisor_id=user.pk)
                .order_by()
                .annotate(kind=Value(1, output_field=IntegerField()))
                .values_list("kind", "pk")
            )
            rows = watched_rows.union(team_rows, all=True)
        watched, team = [], []
        for kind, pk in rows:
            (team if kind else watched).append(pk)
        cached = user._ticket_scope = (watched, team)
    return cached


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        """Own (requested, watched, assigned), the queues of the user's support groups, the
        team's for a supervisor, everything for an admin."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if is_admin(user):
            return self
        watched, team = scope_ids(user)
        condition = Q(requester=user) | Q(assignee=user)
        if watched:
            condition |= Q(pk__in=watched)
        groups = _group_ids(user)
        if groups:
            condition |= Q(group_id__in=groups)
        if team:
            condition |= Q(requester_id__in=team)
        return self.filter(condition)

    def workable_by(self, user) -> TicketQuerySet:
        """Tickets ``user`` works as support: their groups' and those assigned to them."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if is_admin(user):
            return self
        return self.filter(Q(assignee=user) | Q(group_id__in=_group_ids(user)))

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    name = get_valid_filename(os.path.basename(filename))[-100:] or "archivo"
    return f"{timezone.now():%Y/%m}/{instance.ticket_id}/{uuid.uuid4().hex}/{name}"


def tickets_storage():
    return storages["tickets"]


class Ticket(models.Model):
    title = models.CharField("título", max_length=200)
    description = models.TextField("descripción")
    aplicativo = models.CharField("aplicativo", max_length=20, choices=Aplicativo.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name="categoría"
    )
    priority = models.CharField("prioridad", max_length=10, choices=Priority.choices, default=Priority.MEDIA)
    status = models.CharField("estado", max_length=12, choices=Status.choices, default=Status.ABIERTO)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets_requested", verbose_name="solicitante"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets_assigned",
        verbose_name="asignado a",
    )
    group = models.ForeignKey(
        SupportGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name="grupo"
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="tickets_watched", verbose_name="seguidores"
    )
    created_at = models.DateTimeField("creado", default=timezone.now)
    updated_at = models.DateTimeField("actualizado", auto_now=True)
    status_changed_at = models.DateTimeField("cambio de estado", default=timezone.now)
    first_response_at = models.DateTimeField("primera respuesta", null=True, blank=True)
    resolved_at = models.DateTimeField("resuelto", null=True, blank=True)
    closed_at = models.DateTimeField("cerrado", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name="fusionado en",
    )
    # SLA: the policy chosen for the priority and aplicativo, and the deadlines it gives. The
    # deadlines are recomputed by the services whenever the clock starts, stops or the priority
    # changes (tickets/sla.py); how a ticket stands against them is derived at read time.
    sla_policy = models.ForeignKey(
        SLAPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="política de SLA"
    )
    first_response_due_at = models.DateTimeField("vence primera respuesta", null=True, blank=True)
    resolution_due_at = models.DateTimeField("vence resolución", null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        "minutos hábiles a la primera respuesta", null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField("minutos hábiles a la resolución", null=True, blank=True)
    # The deadline an "about to breach" warning was last sent for (the task's idempotency).
    first_response_warned_for = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warned_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TicketQuerySet.as_manager()
    # Watchers are tracked too: who started or stopped following is part of the ticket's story.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "first_response_warned_for", "resolution_warned_for", "status_changed_at"],
        m2m_fields=[watchers],
    )

    class Meta:
        verbose_name = "ticket"
        verbose_name_plural = "tickets"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_created"),
            models.Index(fields=["group", "status", "-created_at"], name="ticket_group_status_created"),
            models.Index(fields=["assignee", "status", "-created_at"], name="ticket_assignee_status_created"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_created"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            models.Index(fields=["aplicativo", "status", "-created_at"], name="ticket_app_status_created"),
            models.Index(fields=["resolved_at"], name="ticket_resolved"),
            models.Index(fields=["group", "created_at"], name="ticket_group_created"),
            models.Index(fields=["group", "resolved_at"], name="ticket_group_resolved"),
            models.Index(fields=["first_response_at"], name="ticket_first_response"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tickets:detail", args=[self.pk])

    @property
    def number(self) -> str:
        return number_for(self.pk) if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketStatusSpan(models.Model):
    """One stretch of time a ticket spent in one status: what pauses the SLA clock and what
    the dashboard measures."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_spans")
    status = models.CharField("estado", max_length=12, choices=Status.choices)
    started_at = models.DateTimeField("desde")
    ended_at = models.DateTimeField("hasta", null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "tramo de estado"
        verbose_name_plural = "tramos de estado"
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["ticket", "started_at"], name="ticket_span_ticket")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.started_at:%Y-%m-%d %H:%M}"


class CommentQuerySet(models.QuerySet):
    def public(self) -> CommentQuerySet:
        return self.filter(internal=False)


class TicketComment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="autor"
    )
    body = models.TextField("texto")
    internal = models.BooleanField("nota interna", default=False)
    created_at = models.DateTimeField("fecha", default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = "comentario"
        verbose_name_plural = "comentarios"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_comment_ticket")]

    def __str__(self) -> str:
        return f"{'Nota interna' if self.internal else 'Respuesta'} de {self.author}"


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        TicketComment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField("archivo", upload_to=attachment_path, storage=tickets_storage, max_length=255)
    name = models.CharField("nombre", max_length=200)
    size = models.PositiveBigIntegerField("tamaño (bytes)")
    content_type = models.CharField("tipo", max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("subido", default=timezone.now)

    class Meta:
        verbose_name = "adjunto"
        verbose_name_plural = "adjuntos"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def internal(self) -> bool:
        return bool(self.comment_id and self.comment.internal)


class SavedFilterQuerySet(models.QuerySet):
    def visible_to(self, user) -> SavedFilterQuerySet:
        """Saved filters are personal."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user=user)


class SavedFilter(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_filters")
    list_name = models.CharField("lista", max_length=10, choices=TicketList.choices)
    name = models.CharField("nombre", max_length=60)
    query = models.CharField("filtros", max_length=1000)
    created_at = models.DateTimeField("creado", auto_now_add=True)

    objects = SavedFilterQuerySet.as_manager()

    class Meta:
        verbose_name = "filtro guardado"
        verbose_name_plural = "filtros guardados"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_filter_unique")]

    def __str__(self) -> str:
        return self.name

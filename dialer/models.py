"""Telephony on the server side: workstation tokens, dial requests and the call log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.access import is_admin, scope_for
from core.models import Campaign
from dialer.choices import CallStatus, DialRequestStatus, Provider


class WorkstationTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkstationTokenQuerySet:
        """Tokens are personal: each user sees their own; admins all (to revoke a lost one)."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self if is_admin(user) else self.filter(user=user)

    def active(self) -> WorkstationTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class WorkstationToken(models.Model):
    """The key a workstation's dialer agent uses for the machine API.

    Only a SHA-256 of the token is kept: the token itself is shown once, when it is created.
    ``prefix`` is a short, non-secret part of it that finds the row and names the token on
    screen ("crea_1a2b3c4d…").
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workstation_tokens", verbose_name="usuario"
    )
    name = models.CharField("estación", max_length=64)
    prefix = models.CharField("prefijo", max_length=16, unique=True)
    token_hash = models.CharField("hash", max_length=64)
    created_at = models.DateTimeField("creado", auto_now_add=True)
    last_seen_at = models.DateTimeField("última conexión", null=True, blank=True)
    revoked_at = models.DateTimeField("revocado", null=True, blank=True)

    objects = WorkstationTokenQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["last_seen_at", "token_hash"])

    class Meta:
        verbose_name = "token de estación"
        verbose_name_plural = "tokens de estación"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self) -> str:
        return f"crea_{self.prefix}…"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DialRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> DialRequestQuerySet:
        return scope_for(self, user, owner="user", campaign="campaign")


class DialRequest(models.Model):
    """ "Call this number from my workstation": made by the call button, taken by the agent's
    long-poll (queued → sent), then followed by the call it produced."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dial_requests", verbose_name="usuario"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    record = GenericForeignKey("content_type", "object_id")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="campaña"
    )
    phone = models.CharField("teléfono (E.164)", max_length=20)
    dial_string = models.CharField("marcación", max_length=40)
    status = models.CharField(
        "estado", max_length=12, choices=DialRequestStatus.choices, default=DialRequestStatus.QUEUED
    )
    token = models.ForeignKey(
        WorkstationToken,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="estación que la tomó",
    )
    created_at = models.DateTimeField("creada", auto_now_add=True)
    sent_at = models.DateTimeField("enviada", null=True, blank=True)
    updated_at = models.DateTimeField("actualizada", auto_now=True)
    # "Colgar" before the workstation reported the call's start: the hang-up names the request.
    hangup_requested_at = models.DateTimeField("colgar pedido", null=True, blank=True)
    hangup_sent_at = models.DateTimeField("colgar enviado", null=True, blank=True)

    objects = DialRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "solicitud de marcación"
        verbose_name_plural = "solicitudes de marcación"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The long-poll's claim: this user's oldest queued request.
            models.Index(fields=["user", "status", "created_at"], name="dialreq_user_status"),
            models.Index(
                fields=["user"],
                condition=Q(hangup_requested_at__isnull=False, hangup_sent_at__isnull=True),
                name="dialreq_hangup_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone} · {self.get_status_display()}"


class CallLogQuerySet(models.QuerySet):
    def visible_to(self, user) -> CallLogQuerySet:
        return scope_for(self, user, owner="user", campaign="campaign")

    def ended(self) -> CallLogQuerySet:
        return self.filter(status__isnull=False)

    def in_progress(self) -> CallLogQuerySet:
        return self.filter(status__isnull=True)


class CallLog(models.Model):
    """One call, timed by the server from the workstation's start and end reports.

    ``uuid`` is made by the workstation: re-sent reports of the same call find this row again.
    ``status`` stays empty while the call is in progress.
    """

    uuid = models.UUIDField("UUID", unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls", verbose_name="usuario"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    record = GenericForeignKey("content_type", "object_id")
    phone = models.CharField("teléfono", max_length=32)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="campaña"
    )
    dial_request = models.ForeignKey(
        DialRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name="solicitud de marcación",
    )
    token = models.ForeignKey(
        WorkstationToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="estación"
    )
    provider = models.CharField("origen", max_length=20, choices=Provider.choices, default=Provider.OTHER)
    started_at = models.DateTimeField("inicio")
    ended_at = models.DateTimeField("fin", null=True, blank=True)
    duration_seconds = models.PositiveIntegerField("duración (s)", null=True, blank=True)
    status = models.CharField("resultado", max_length=12, choices=CallStatus.choices, null=True, blank=True)
    notes = models.TextField("notas", max_length=2000, blank=True)
    cost = models.DecimalField("costo", max_digits=10, decimal_places=4, null=True, blank=True)
    recording_url = models.URLField("grabación", max_length=500, blank=True)
    # The answer given to the first end report, returned as it was to every repeat.
    end_response = models.JSONField(null=True, blank=True, editable=False)
    hangup_requested_at = models.DateTimeField("colgar pedido", null=True, blank=True)
    hangup_sent_at = models.DateTimeField("colgar enviado", null=True, blank=True)
    created_at = models.DateTimeField("recibida", auto_now_add=True)
    updated_at = models.DateTimeField("actualizada", auto_now=True)

    objects = CallLogQuerySet.as_manager()

    class Meta:
        verbose_name = "llamada"
        verbose_name_plural = "llamadas"
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "started_at"], name="call_user_started"),
            models.Index(fields=["campaign", "started_at"], name="call_campaign_started"),
            models.Index(fields=["started_at"], name="call_started"),
            models.Index(
                fields=["user"],
                condition=Q(hangup_requested_at__isnull=False, hangup_sent_at__isnull=True),
                name="call_hangup_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone} · {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def label(self) -> str:
        """ "Llamada 02:31 · COMPLETADA", or "Llamada en curso" while it has no end."""
        if self.status is None:
            return "Llamada en curso"
        minutes, seconds = divmod(self.duration_seconds or 0, 60)
        return f"Llamada {minutes:02d}:{seconds:02d} · {self.get_status_display().upper()}"

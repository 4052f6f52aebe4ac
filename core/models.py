from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.access import campaign_ids_of, is_admin, scope_for
from core.choices import Country, Currency, ExportStatus, ImportStatus, Module, NotificationKind
from core.jobs import BackgroundJob
from core.roles import MODULE_SCOPED_ROLES, Role


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:
        """Agent: themselves; supervisor: themselves and their team; backoffice and quality:
        the people of their campaigns; admin: everyone."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if is_admin(user):
            return self
        if user.role == Role.SUPERVISOR:
            return self.filter(Q(pk=user.pk) | Q(supervisor=user))
        if user.role in MODULE_SCOPED_ROLES:
            return self.filter(Q(pk=user.pk) | Q(memberships__campaign__in=campaign_ids_of(user))).distinct()
        return self.filter(pk=user.pk)

    def agents(self) -> UserQuerySet:
        return self.filter(role=Role.AGENTE, is_active=True)


class CrmUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    role = models.CharField("rol", max_length=20, choices=Role.choices, default=Role.AGENTE, db_index=True)
    supervisor = models.ForeignKey(
        "self",
        verbose_name="supervisor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team",
        limit_choices_to={"role": Role.SUPERVISOR},
        help_text="El supervisor define el equipo del usuario.",
    )
    extension = models.CharField("extensión", max_length=20, blank=True)
    workstation = models.CharField("estación de trabajo", max_length=64, blank=True)

    objects = CrmUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "usuario"
        verbose_name_plural = "usuarios"
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.supervisor_id and self.supervisor_id == self.pk:
            raise ValidationError({"supervisor": "Un usuario no puede ser su propio supervisor."})
        if self.supervisor_id and self.supervisor.role != Role.SUPERVISOR:
            raise ValidationError({"supervisor": "El supervisor asignado debe tener el rol Supervisor."})

    @property
    def is_admin_role(self) -> bool:
        return is_admin(self)

    def modules(self) -> set[str]:
        """Business modules the user works in, from their campaign memberships (all for admins).
        Remembered on the instance: the request's user asks on every page (sidebar)."""
        if is_admin(self):
            return set(Module.values)
        if not hasattr(self, "_modules"):
            self._modules = set(
                Campaign.objects.filter(memberships__user=self, active=True).values_list("module", flat=True)
            )
        return self._modules


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """Admin: all; supervisor: their own and their team's campaigns; others: their own."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if is_admin(user):
            return self
        return self.filter(pk__in=campaign_ids_of(user, include_team=user.role == Role.SUPERVISOR))

    def active(self) -> CampaignQuerySet:
        return self.filter(active=True)


class Campaign(models.Model):
    name = models.CharField("nombre", max_length=120, unique=True)
    module = models.CharField("módulo", max_length=20, choices=Module.choices, db_index=True)
    country = models.CharField("país", max_length=2, choices=Country.choices, default=Country.CR)
    time_zone = models.CharField("zona horaria", max_length=64, default="America/Costa_Rica")
    currency = models.CharField("moneda", max_length=3, choices=Currency.choices, default=Currency.CRC)
    active = models.BooleanField("activa", default=True)
    created_at = models.DateTimeField("creada", auto_now_add=True)
    members = models.ManyToManyField(
        User, through="CampaignMembership", related_name="campaigns", verbose_name="miembros"
    )

    objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "campaña"
        verbose_name_plural = "campañas"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_region(self) -> str:
        """Default region for phone numbers written without a country code."""
        return self.country

    def clean(self):
        super().clean()
        from zoneinfo import available_timezones

        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"Zona horaria desconocida: {self.time_zone}."})


class CampaignMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name="usuario")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships", verbose_name="campaña")
    joined_at = models.DateTimeField("desde", auto_now_add=True)

    class Meta:
        verbose_name = "membresía de campaña"
        verbose_name_plural = "membresías de campaña"
        constraints = [models.UniqueConstraint(fields=["user", "campaign"], name="unique_campaign_membership")]

    def __str__(self) -> str:
        return f"{self.user} · {self.campaign}"


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user) -> FollowUpQuerySet:
        return scope_for(self, user, owner="owner")

    def open(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True)


class FollowUp(models.Model):
    """A seguimiento: a reminder for its owner, attached to any record of any module."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follow_ups", verbose_name="responsable")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    record = GenericForeignKey("content_type", "object_id")
    due_at = models.DateTimeField("vence")
    note = models.CharField("nota", max_length=500)
    done_at = models.DateTimeField("hecho", null=True, blank=True)
    notified_at = models.DateTimeField("notificado", null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="creado por"
    )
    created_at = models.DateTimeField("creado", auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "seguimiento"
        verbose_name_plural = "seguimientos"
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["owner", "due_at"], name="followup_owner_due"),
            models.Index(fields=["content_type", "object_id"], name="followup_record"),
        ]

    def __str__(self) -> str:
        return f"{self.note} ({self.due_at:%Y-%m-%d %H:%M})"

    @property
    def done(self) -> bool:
        return self.done_at is not None


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """Notifications are personal: everyone, admins included, sees only their own."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", verbose_name="usuario")
    kind = models.CharField("tipo", max_length=20, choices=NotificationKind.choices, default=NotificationKind.INFO)
    text = models.CharField("texto", max_length=500)
    link = models.CharField("enlace", max_length=500, blank=True)
    read_at = models.DateTimeField("leída", null=True, blank=True)
    created_at = models.DateTimeField("creada", auto_now_add=True, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notificación"
        verbose_name_plural = "notificaciones"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        return scope_for(self, user, owner="created_by", campaign="campaign")


class ImportJob(BackgroundJob):
    """One uploaded file on its way into a module: mapping preview, background run, result."""

    kind = models.CharField("tipo", max_length=40, help_text="Importador registrado, p. ej. cartera.debtors")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports", verbose_name="campaña")
    file = models.FileField("archivo", upload_to="imports/%Y/%m/")
    original_name = models.CharField("nombre del archivo", max_length=255)
    layout = models.CharField("formato detectado", max_length=20, blank=True)
    headers = models.JSONField("encabezados", default=list, blank=True)
    mapping = models.JSONField("mapeo de columnas", default=dict, blank=True)
    status = models.CharField("estado", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField("filas", default=0)
    processed_rows = models.PositiveIntegerField("procesadas", default=0)
    created_count = models.PositiveIntegerField("creados", default=0)
    updated_count = models.PositiveIntegerField("actualizados", default=0)
    unchanged_count = models.PositiveIntegerField("sin cambios", default=0)
    rejected_count = models.PositiveIntegerField("rechazados", default=0)
    rejected_file = models.FileField("rechazados", upload_to="imports/rejected/%Y/%m/", blank=True)
    error = models.TextField("error", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="imports", verbose_name="creado por")
    created_at = models.DateTimeField("creada", auto_now_add=True)
    started_at = models.DateTimeField("inicio", null=True, blank=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "importación"
        verbose_name_plural = "importaciones"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ExportJobQuerySet:
        """An export holds what its creator saw: only they (and admins) may open or download it."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self if is_admin(user) else self.filter(created_by=user)


class ExportJob(BackgroundJob):
    """A filtered list written to Excel in the background because it was too big for the request.

    ``path`` and ``query`` are the list's URL and filters as the user had them: the task rebuilds
    the same view for ``created_by`` and exports exactly the rows that view lists.
    """

    name = models.CharField("lista", max_length=60, help_text="Nombre de la exportación, p. ej. gestiones")
    path = models.CharField("ruta de la lista", max_length=200)
    query = models.TextField("filtros", blank=True)
    status = models.CharField("estado", max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    total_rows = models.PositiveIntegerField("filas", default=0)
    processed_rows = models.PositiveIntegerField("escritas", default=0)
    file = models.FileField("archivo", upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField("error", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="exports", verbose_name="creada por")
    created_at = models.DateTimeField("creada", auto_now_add=True)
    started_at = models.DateTimeField("inicio", null=True, blank=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "exportación"
        verbose_name_plural = "exportaciones"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "status"], name="exportjob_user_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        if self.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
            return 100
        return min(99, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def list_url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

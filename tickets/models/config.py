"""What admins configure (through Django admin): categories, support groups and their members,
assignment rules, business calendars, SLA policies and canned responses."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tickets.choices import Aplicativo, AssignmentStrategy, Priority

WEEKDAYS = [(0, "Lunes"), (1, "Martes"), (2, "Miércoles"), (3, "Jueves"), (4, "Viernes"), (5, "Sábado"), (6, "Domingo")]


class Category(models.Model):
    """A category of tickets; tied to one aplicativo, or to any when ``aplicativo`` is blank."""

    aplicativo = models.CharField(
        "aplicativo", max_length=20, choices=Aplicativo.choices, blank=True, help_text="Vacío: cualquier aplicativo."
    )
    name = models.CharField("nombre", max_length=80)
    active = models.BooleanField("activa", default=True)

    class Meta:
        verbose_name = "categoría"
        verbose_name_plural = "categorías"
        ordering = ["aplicativo", "name"]
        constraints = [models.UniqueConstraint(fields=["aplicativo", "name"], name="ticket_category_unique")]

    def __str__(self) -> str:
        return f"{self.get_aplicativo_display()} · {self.name}" if self.aplicativo else self.name

    def fits(self, aplicativo: str) -> bool:
        return not self.aplicativo or self.aplicativo == aplicativo


class SupportGroup(models.Model):
    name = models.CharField("nombre", max_length=80, unique=True)
    description = models.CharField("descripción", max_length=200, blank=True)
    strategy = models.CharField(
        "asignación automática",
        max_length=20,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.ROUND_ROBIN,
    )
    active = models.BooleanField("activo", default=True)
    is_default = models.BooleanField(
        "grupo por defecto", default=False, help_text="Recibe los tickets que ninguna regla de asignación toma."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SupportGroupMember", related_name="support_groups", verbose_name="miembros"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "grupo de soporte"
        verbose_name_plural = "grupos de soporte"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_group")
        ]

    def __str__(self) -> str:
        return self.name


class SupportGroupMember(models.Model):
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_memberships", verbose_name="usuario"
    )
    active = models.BooleanField("activo", default=True, help_text="Inactivo: no recibe tickets automáticos.")
    last_assigned_at = models.DateTimeField("último ticket asignado", null=True, blank=True)
    # Round-robin position: the lowest turn is next; taking a ticket moves a member to the end.
    turn = models.PositiveBigIntegerField("turno", default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["last_assigned_at", "turn"])

    class Meta:
        verbose_name = "miembro de grupo de soporte"
        verbose_name_plural = "miembros de grupos de soporte"
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="support_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"


class AssignmentRule(models.Model):
    """Tickets of an aplicativo (and optionally one category) go to a group. The most specific
    active rule wins (with a category before without), then the lowest ``order``."""

    aplicativo = models.CharField("aplicativo", max_length=20, choices=Aplicativo.choices)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, verbose_name="categoría", related_name="+"
    )
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="rules", verbose_name="grupo")
    order = models.PositiveSmallIntegerField("orden", default=100)
    active = models.BooleanField("activa", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "regla de asignación"
        verbose_name_plural = "reglas de asignación"
        ordering = ["aplicativo", "order", "pk"]

    def __str__(self) -> str:
        target = (
            f"{self.get_aplicativo_display()} · {self.category.name}"
            if self.category_id
            else self.get_aplicativo_display()
        )
        return f"{target} → {self.group}"

    def clean(self):
        super().clean()
        if self.category_id and not self.category.fits(self.aplicativo):
            raise ValidationError({"category": "La categoría es de otro aplicativo."})


class BusinessCalendar(models.Model):
    """Working hours and holidays that SLA clocks count in."""

    name = models.CharField("nombre", max_length=80, unique=True)
    time_zone = models.CharField("zona horaria", max_length=64, default="America/Costa_Rica")
    is_default = models.BooleanField("calendario por defecto", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "calendario laboral"
        verbose_name_plural = "calendarios laborales"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        from zoneinfo import available_timezones

        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"Zona horaria desconocida: {self.time_zone}."})


class BusinessHours(models.Model):
    """One working interval of a weekday; a day may have several (a lunch break between)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField("día", choices=WEEKDAYS)
    start = models.TimeField("desde")
    end = models.TimeField("hasta")

    class Meta:
        verbose_name = "horario"
        verbose_name_plural = "horarios"
        ordering = ["weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="business_hours_order")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField("fecha")
    name = models.CharField("nombre", max_length=80)

    class Meta:
        verbose_name = "feriado"
        verbose_name_plural = "feriados"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class SLAPolicy(models.Model):
    """Targets for a priority (and optionally one aplicativo), in business minutes."""

    name = models.CharField("nombre", max_length=80)
    priority = models.CharField("prioridad", max_length=10, choices=Priority.choices)
    aplicativo = models.CharField(
        "aplicativo", max_length=20, choices=Aplicativo.choices, blank=True, help_text="Vacío: cualquier aplicativo."
    )
    first_response_minutes = models.PositiveIntegerField("primera respuesta (minutos hábiles)")
    resolution_minutes = models.PositiveIntegerField("resolución (minutos hábiles)")
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="calendario",
        help_text="Vacío: el calendario por defecto (o 24×7 si no hay ninguno).",
    )
    active = models.BooleanField("activa", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "política de SLA"
        verbose_name_plural = "políticas de SLA"
        ordering = ["priority", "aplicativo"]
        constraints = [models.UniqueConstraint(fields=["priority", "aplicativo"], name="sla_policy_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.first_response_minutes > self.resolution_minutes
        ):
            raise ValidationError({"first_response_minutes": "La primera respuesta no puede exceder la resolución."})


# Placeholders a canned response may use, with what fills them.
CANNED_VARIABLES = {
    "requester_name": "nombre de quien abrió el ticket",
    "ticket_number": "número del ticket",
    "ticket_title": "título del ticket",
    "agent_name": "nombre de quien responde",
}


PLACEHOLDER = re.compile(r"\{(\w+)\}")


class CannedResponse(models.Model):
    title = models.CharField("título", max_length=80, unique=True)
    body = models.TextField(
        "texto", help_text="Variables: " + ", ".join("{" + name + "}" for name in CANNED_VARIABLES) + "."
    )
    active = models.BooleanField("activa", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "respuesta predefinida"
        verbose_name_plural = "respuestas predefinidas"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        unknown = set(PLACEHOLDER.findall(self.body or "")) - set(CANNED_VARIABLES)
        if unknown:
            raise ValidationError({"body": "Variables desconocidas: " + ", ".join(sorted(unknown)) + "."})

    def render(self, values: dict[str, str]) -> str:
        """The text with each known ``{variable}`` replaced; anything else is left as written."""
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)

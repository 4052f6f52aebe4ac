from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cartera.choices import (
    MORA_BUCKET_BOUNDS,
    Channel,
    InactivityState,
    MoraBucket,
    PhoneType,
)
from cartera.models.indexes import NullsFirstIndex
from core.access import scope_for
from core.ids import DocumentType
from core.models import Campaign
from core.roles import Role


class CarteraSettings(models.Model):
    """Per-campaign rules of the collections module."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="cartera_settings")
    no_existe_months = models.PositiveSmallIntegerField("meses para NO_EXISTE", default=3)
    no_existe_priority = models.PositiveSmallIntegerField("prioridad NO_EXISTE", default=20)
    sin_red_months = models.PositiveSmallIntegerField("meses para SIN_RED", default=6)
    sin_red_priority = models.PositiveSmallIntegerField("prioridad SIN_RED", default=21)
    no_contacto_months = models.PositiveSmallIntegerField("meses para NO_CONTACTO", default=8)
    no_contacto_priority = models.PositiveSmallIntegerField("prioridad NO_CONTACTO", default=22)
    unassigned_pool = models.BooleanField("los agentes toman deudores sin asignar", default=True)
    lease_minutes = models.PositiveSmallIntegerField("minutos de reserva de un deudor", default=15)
    grace_days = models.PositiveSmallIntegerField("días de gracia de una cuota", default=5)
    max_discount_agent = models.DecimalField(
        "descuento máximo de un agente (%)", max_digits=5, decimal_places=2, default=10
    )
    max_discount_supervisor = models.DecimalField(
        "descuento máximo de un supervisor (%)", max_digits=5, decimal_places=2, default=30
    )
    retry_minutes = models.PositiveSmallIntegerField(
        "minutos antes de volver a llamar",
        default=60,
        help_text="Un deudor gestionado no vuelve a la cola antes de este tiempo.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "configuración de cartera"
        verbose_name_plural = "configuraciones de cartera"

    def __str__(self) -> str:
        return f"Configuración · {self.campaign}"

    def inactivity_rules(self) -> list[tuple[str, int, int]]:
        """(state, months, priority), longest absence first."""
        return [
            (InactivityState.NO_CONTACTO, self.no_contacto_months, self.no_contacto_priority),
            (InactivityState.SIN_RED, self.sin_red_months, self.sin_red_priority),
            (InactivityState.NO_EXISTE, self.no_existe_months, self.no_existe_priority),
        ]

    def inactivity_cutoffs(self, now: datetime) -> list[tuple[str, datetime, int]]:
        """(state, cutoff, priority) in rule order: the first rule whose cutoff is later than a
        debtor's ``last_seen_at`` gives its state; none gives ACTIVE and its own priority."""
        return [
            (state, now - timedelta(days=round(months * 30.44)), priority)
            for state, months, priority in self.inactivity_rules()
        ]

    def inactivity_of(self, debtor: Debtor, now: datetime | None = None) -> tuple[str, int]:
        """(state, effective priority) of one debtor already in memory: what ``with_state``
        annotates, without a query."""
        for state, cutoff, priority in self.inactivity_cutoffs(now or timezone.now()):
            if debtor.last_seen_at < cutoff:
                return state.value, priority
        return InactivityState.ACTIVE.value, debtor.priority


class Outcome(models.Model):
    """A tipificación: the outcome code an agent records for a contact attempt."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField("código", max_length=40)
    label = models.CharField("nombre", max_length=80)
    priority = models.PositiveSmallIntegerField("prioridad", default=5, help_text="Menor se llama antes.")
    is_contact = models.BooleanField("es contacto", default=False)
    is_promise = models.BooleanField("es promesa", default=False)
    needs_follow_up = models.BooleanField("requiere seguimiento", default=False)
    closes_debtor = models.BooleanField("cierra el deudor", default=False)
    order = models.PositiveSmallIntegerField("orden", default=0)
    active = models.BooleanField("activa", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tipificación"
        verbose_name_plural = "tipificaciones"
        ordering = ["campaign", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="unique_outcome_code")]

    def __str__(self) -> str:
        return f"{self.code} · {self.label}"


class DebtorQuerySet(models.QuerySet):
    def visible_to(self, user) -> DebtorQuerySet:
        """Agents: their assigned debtors and the one they hold; supervisors: their team's
        campaigns; backoffice and quality: their campaigns; admins: all."""
        if user and user.is_authenticated and user.is_active and user.role == Role.AGENTE:
            return self.filter(Q(assigned_agent=user) | Q(lease_holder=user, lease_until__gt=timezone.now()))
        # Supervisors assign the unassigned pool too, so they see their team's campaigns whole.
        return scope_for(self, user, campaign="campaign")

    def listed_for(self, user) -> DebtorQuerySet:
        """``visible_to(user)`` for a list. An agent's held debtor is looked up first (one indexed
        query, usually finding none or one already theirs), so the condition is a plain
        ``assigned_agent = user`` that the (assigned_agent, full_name) index serves in page
        order; the OR with the lease columns would make PostgreSQL read and sort every one of
        the agent's debtors for each page."""
        if not (user and user.is_authenticated and user.is_active and user.role == Role.AGENTE):
            return self.visible_to(user)
        held = self.model.objects.filter(lease_holder=user, lease_until__gt=timezone.now())
        held = list(held.exclude(assigned_agent=user).values_list("pk", flat=True))
        return self.filter(Q(assigned_agent=user) | Q(pk__in=held) if held else Q(assigned_agent=user))

    def with_mora(self, today: date | None = None) -> DebtorQuerySet:
        """Annotate ``mora_bucket`` from the due date, as of ``today`` (derived, never stored)."""
        today = today or timezone.localdate()
        whens = []
        for bucket, low, high in MORA_BUCKET_BOUNDS:
            condition = Q()
            if high is not None:
                condition &= Q(due_date__gte=today - timedelta(days=high))
            if low is not None:
                condition &= Q(due_date__lte=today - timedelta(days=low))
            whens.append(When(condition, then=Value(bucket.value)))
        return self.annotate(mora_bucket=Case(*whens, default=Value(""), output_field=models.CharField()))

    def in_bucket(self, bucket: str, today: date | None = None) -> DebtorQuerySet:
        today = today or timezone.localdate()
        for name, low, high in MORA_BUCKET_BOUNDS:
            if name == bucket:
                query = Q(due_date__isnull=False)
                if high is not None:
                    query &= Q(due_date__gte=today - timedelta(days=high))
                if low is not None:
                    query &= Q(due_date__lte=today - timedelta(days=low))
                return self.filter(query)
        return self.none()

    def with_state(self, config: CarteraSettings | None, now=None) -> DebtorQuerySet:
        """Annotate ``inactivity`` and ``effective_priority``: a debtor missing from imports for
        N months takes the campaign's inactivity state and priority — derived at read time."""
        now = now or timezone.now()
        state_whens, priority_whens = [], []
        for state, cutoff, priority in (config or CarteraSettings()).inactivity_cutoffs(now):
            state_whens.append(When(last_seen_at__lt=cutoff, then=Value(state.value)))
            priority_whens.append(When(last_seen_at__lt=cutoff, then=Value(priority)))
        return self.annotate(
            inactivity=Case(*state_whens, default=Value(InactivityState.ACTIVE.value), output_field=models.CharField()),
            effective_priority=Case(*priority_whens, default="priority", output_field=IntegerField()),
        )


class Debtor(models.Model):
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="debtors",
        verbose_name="campaña",
        db_index=False,  # every composite index below starts with it
    )
    document_type = models.CharField("tipo de documento", max_length=20, choices=DocumentType.choices, blank=True)
    document_number = models.CharField("documento", max_length=32, blank=True)  # indexed in Meta
    full_name = models.CharField("nombre", max_length=200)
    email = models.EmailField("correo", blank=True)
    address = models.CharField("dirección", max_length=300, blank=True)
    city = models.CharField("ciudad", max_length=100, blank=True)  # filtered with icontains: no btree helps
    product = models.CharField("producto", max_length=120, blank=True)
    original_amount = models.DecimalField("monto original", max_digits=14, decimal_places=2, null=True, blank=True)
    amount_due = models.DecimalField("saldo", max_digits=14, decimal_places=2, default=0)
    due_date = models.DateField("vencimiento", null=True, blank=True)
    variables = models.JSONField("variables", default=dict, blank=True)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_debtors",
        verbose_name="agente asignado",
        db_index=False,  # debtor_agent_name starts with it
    )
    last_outcome = models.ForeignKey(
        Outcome, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="última tipificación"
    )
    priority = models.PositiveSmallIntegerField("prioridad", default=3)
    closed = models.BooleanField("cerrado", default=False)
    last_contact_at = models.DateTimeField("último contacto", null=True, blank=True)
    last_seen_at = models.DateTimeField("visto en importación", default=timezone.now)
    lease_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("creado", auto_now_add=True)
    updated_at = models.DateTimeField("actualizado", auto_now=True)

    objects = DebtorQuerySet.as_manager()
    # History is read per debtor (by id) and by date; the columns' own indexes would only slow
    # every import down (eleven indexes on each historical row on PostgreSQL before).
    history = HistoricalRecords(
        excluded_fields=["lease_holder", "lease_until", "updated_at"],
        no_db_index=["campaign", "document_number", "city", "assigned_agent", "last_outcome"],
    )

    class Meta:
        verbose_name = "deudor"
        verbose_name_plural = "deudores"
        ordering = ["full_name", "pk"]
        indexes = [
            models.Index(fields=["campaign", "document_number"], name="debtor_campaign_doc"),
            # Searches across campaigns (an admin's, a supervisor's) match the document exactly:
            # a plain index, without the pattern-ops twin a db_index CharField gets on PostgreSQL.
            models.Index(fields=["document_number"], name="debtor_document"),
            models.Index(fields=["campaign", "due_date"], name="debtor_due"),
            # The lists' order (full_name, pk): a page is read from the index, never sorted; the
            # campaign rides along (PostgreSQL) so the ids of a deep page come from the index alone.
            models.Index(fields=["full_name", "id"], include=["campaign"], name="debtor_name"),
            # campaign and due date ride along (PostgreSQL): counts by agent, and by agent and mora
            # bucket, never read the table.
            models.Index(
                fields=["assigned_agent", "full_name", "id"], include=["campaign", "due_date"], name="debtor_agent_name"
            ),
            # The work queue (cartera.queue) reads each agent's and the pool's open debtors in
            # queue order straight from these, and the inactive ones by last_seen_at.
            NullsFirstIndex(
                fields=["campaign", "assigned_agent", "priority", "last_contact_at", "id"],
                nulls_first=["last_contact_at"],
                condition=Q(closed=False),
                name="debtor_queue_agent",
            ),
            NullsFirstIndex(
                fields=["campaign", "priority", "last_contact_at", "id"],
                nulls_first=["last_contact_at"],
                condition=Q(closed=False, assigned_agent__isnull=True),
                name="debtor_queue_pool",
            ),
            models.Index(
                fields=["campaign", "assigned_agent", "last_seen_at"],
                condition=Q(closed=False),
                name="debtor_queue_seen",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cartera:debtor_detail", args=[self.pk])

    @property
    def days_past_due(self) -> int:
        if not self.due_date:
            return 0
        return max((timezone.localdate() - self.due_date).days, 0)

    @property
    def bucket_label(self) -> str:
        bucket = getattr(self, "mora_bucket", "")
        return MoraBucket(bucket).label if bucket else "Al día"


class DebtorPhone(models.Model):
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="phones")
    e164 = models.CharField("E.164", max_length=20, db_index=True)
    raw = models.CharField("como se importó", max_length=60, blank=True)
    phone_type = models.CharField("tipo", max_length=20, choices=PhoneType.choices, default=PhoneType.OTHER)
    is_primary = models.BooleanField("principal", default=False)
    last_result = models.CharField("último resultado", max_length=40, blank=True)
    invalid = models.BooleanField("inválido", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "teléfono"
        verbose_name_plural = "teléfonos"
        ordering = ["-is_primary", "pk"]
        constraints = [models.UniqueConstraint(fields=["debtor", "e164"], name="unique_debtor_phone")]

    def __str__(self) -> str:
        return self.e164

    @property
    def dial_digits(self) -> str:
        """What the softphone dials for this number from the campaign's country."""
        from core.phones import InvalidPhone, dial_string

        try:
            return dial_string(self.e164, region=self.debtor.campaign.country)
        except InvalidPhone:
            return ""


class GestionQuerySet(models.QuerySet):
    def visible_to(self, user) -> GestionQuerySet:
        return scope_for(self, user, owner="agent", campaign="debtor__campaign")


class Gestion(models.Model):
    """One contact attempt and its outcome."""

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="gestiones", verbose_name="deudor")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gestiones", verbose_name="agente"
    )
    channel = models.CharField("canal", max_length=20, choices=Channel.choices, default=Channel.CALL)
    phone = models.ForeignKey(
        DebtorPhone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="teléfono"
    )
    outcome = models.ForeignKey(
        Outcome, on_delete=models.PROTECT, related_name="gestiones", verbose_name="tipificación"
    )
    notes = models.TextField("notas", max_length=2000, blank=True)
    next_action_at = models.DateTimeField("próxima acción", null=True, blank=True)
    promised_amount = models.DecimalField("monto prometido", max_digits=14, decimal_places=2, null=True, blank=True)
    promised_date = models.DateField("fecha prometida", null=True, blank=True)
    # The call this gestión records the outcome of (the card attaches the agent's latest call).
    call = models.ForeignKey(
        "dialer.CallLog",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gestiones",
        verbose_name="llamada",
    )
    created_at = models.DateTimeField("fecha", default=timezone.now, db_index=True)

    objects = GestionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "gestión"
        verbose_name_plural = "gestiones"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["debtor", "-created_at"], name="gestion_debtor_date")]

    def __str__(self) -> str:
        return f"{self.outcome.code} · {self.debtor}"

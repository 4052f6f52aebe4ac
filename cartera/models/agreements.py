"""Payment agreements (acuerdos de pago), their instalments and the payments applied to them."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cartera.choices import AgreementStatus, Frequency, PaymentMethod
from cartera.models.portfolio import CarteraSettings, Debtor
from core.access import scope_for
from core.roles import Role


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user) -> AgreementQuerySet:
        if user and user.is_authenticated and user.is_active and user.role == Role.AGENTE:
            return self.filter(Q(created_by=user) | Q(debtor__assigned_agent=user))
        return scope_for(self, user, campaign="debtor__campaign")

    def with_broken(self, today: date | None = None, *, grace_days: int | None = None) -> AgreementQuerySet:
        """Annotate ``is_broken``: active with an instalment unpaid beyond its campaign's grace
        days (incumplido) — derived at read time, never stored. ``grace_days``: the agreements
        are all of one campaign whose grace days the caller already has (one query less)."""
        today = today or timezone.localdate()
        if grace_days is not None:
            late = Q(due_date__lt=today - timedelta(days=grace_days))
        else:
            configured = dict(CarteraSettings.objects.values_list("campaign_id", "grace_days"))
            default = CarteraSettings._meta.get_field("grace_days").default
            late = Q(due_date__lt=today - timedelta(days=default)) & ~Q(
                agreement__debtor__campaign_id__in=list(configured)
            )
            for campaign_id, grace in configured.items():
                late |= Q(agreement__debtor__campaign_id=campaign_id, due_date__lt=today - timedelta(days=grace))
        overdue = Instalment.objects.filter(
            late,
            agreement=models.OuterRef("pk"),
            agreement__status=AgreementStatus.ACTIVE,
            paid_amount__lt=models.F("amount"),
        )
        return self.annotate(is_broken=models.Exists(overdue))

    def broken(self, today: date | None = None) -> AgreementQuerySet:
        return self.with_broken(today).filter(is_broken=True)


class PaymentAgreement(models.Model):
    """An acuerdo de pago: a negotiated amount paid as a down payment and instalments."""

    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="agreements", verbose_name="deudor")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="negociado por"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    debt_at_signing = models.DecimalField("deuda al firmar", max_digits=14, decimal_places=2)
    discount_pct = models.DecimalField("descuento (%)", max_digits=5, decimal_places=2, default=0)
    negotiated_amount = models.DecimalField("monto negociado", max_digits=14, decimal_places=2)
    down_payment = models.DecimalField("prima", max_digits=14, decimal_places=2, default=0)
    instalments_count = models.PositiveSmallIntegerField("cuotas")
    frequency = models.CharField("frecuencia", max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY)
    first_due_date = models.DateField("primera cuota")
    status = models.CharField("estado", max_length=12, choices=AgreementStatus.choices, db_index=True)
    notes = models.CharField("notas", max_length=500, blank=True)
    created_at = models.DateTimeField("creado", auto_now_add=True)
    decided_at = models.DateTimeField("aprobado/rechazado", null=True, blank=True)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "acuerdo de pago"
        verbose_name_plural = "acuerdos de pago"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Acuerdo #{self.pk} · {self.debtor}"


class Instalment(models.Model):
    agreement = models.ForeignKey(PaymentAgreement, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField("número", help_text="0 es la prima")
    due_date = models.DateField("vence")
    amount = models.DecimalField("monto", max_digits=14, decimal_places=2)
    paid_amount = models.DecimalField("pagado", max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = "cuota"
        verbose_name_plural = "cuotas"
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="unique_instalment_number")]

    def __str__(self) -> str:
        return "Prima" if self.number == 0 else f"Cuota {self.number}"

    @property
    def pending(self):
        return self.amount - self.paid_amount

    @property
    def paid(self) -> bool:
        return self.paid_amount >= self.amount


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> PaymentQuerySet:
        return self.filter(agreement__in=PaymentAgreement.objects.visible_to(user).values("pk"))


class Payment(models.Model):
    agreement = models.ForeignKey(PaymentAgreement, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField("monto", max_digits=14, decimal_places=2)
    paid_on = models.DateField("fecha de pago")
    method = models.CharField("medio", max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField("referencia", max_length=80, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("registrado", auto_now_add=True)

    objects = PaymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pago"
        verbose_name_plural = "pagos"
        ordering = ["-paid_on", "-pk"]

    def __str__(self) -> str:
        return f"Pago {self.amount} · {self.paid_on}"


class PaymentAllocation(models.Model):
    """How much of a payment went to which instalment (oldest open first)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="allocations")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "aplicación de pago"
        verbose_name_plural = "aplicaciones de pago"

    def __str__(self) -> str:
        return f"{self.amount} → {self.instalment}"

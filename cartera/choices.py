from django.db import models


class PhoneType(models.TextChoices):
    MOBILE = "mobile", "Celular"
    FIXED = "fixed_line", "Fijo"
    OTHER = "other", "Otro"


class MoraBucket(models.TextChoices):
    B0_30 = "0-30", "0–30 días"
    B31_60 = "31-60", "31–60 días"
    B61_90 = "61-90", "61–90 días"
    B91_180 = "91-180", "91–180 días"
    B180 = "180+", "Más de 180 días"


# (bucket, lowest days past due, highest days past due or None)
MORA_BUCKET_BOUNDS = [
    (MoraBucket.B0_30, 0, 30),
    (MoraBucket.B31_60, 31, 60),
    (MoraBucket.B61_90, 61, 90),
    (MoraBucket.B91_180, 91, 180),
    (MoraBucket.B180, 181, None),
]


class InactivityState(models.TextChoices):
    ACTIVE = "activo", "Activo"
    NO_EXISTE = "NO_EXISTE", "No existe"
    SIN_RED = "SIN_RED", "Sin red"
    NO_CONTACTO = "NO_CONTACTO", "No contacto"


class Channel(models.TextChoices):
    CALL = "llamada", "Llamada"
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    EMAIL = "email", "Correo"
    VISIT = "visita", "Visita"


class AgreementStatus(models.TextChoices):
    PENDING_APPROVAL = "pendiente", "Pendiente de aprobación"
    ACTIVE = "vigente", "Vigente"
    FULFILLED = "cumplido", "Cumplido"
    CANCELLED = "anulado", "Anulado"
    REJECTED = "rechazado", "Rechazado"


# Shown instead of "vigente" when an instalment is overdue beyond the grace days (derived).
BROKEN_LABEL = "Incumplido"


class Frequency(models.TextChoices):
    WEEKLY = "semanal", "Semanal"
    BIWEEKLY = "quincenal", "Quincenal"
    MONTHLY = "mensual", "Mensual"


class PaymentMethod(models.TextChoices):
    CASH = "efectivo", "Efectivo"
    TRANSFER = "transferencia", "Transferencia"
    SINPE = "sinpe", "SINPE Móvil"
    CARD = "tarjeta", "Tarjeta"
    DEPOSIT = "deposito", "Depósito"

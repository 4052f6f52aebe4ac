from django.db import models


class DialRequestStatus(models.TextChoices):
    QUEUED = "queued", "En cola"
    SENT = "sent", "Enviada a la estación"
    DIALLING = "dialling", "Marcando"
    IN_CALL = "in_call", "En llamada"
    ENDED = "ended", "Terminada"
    FAILED = "failed", "Fallida"
    CANCELLED = "cancelled", "Cancelada"
    EXPIRED = "expired", "Vencida"


# A dial request in one of these is settled: nothing the workstation says changes it back.
DIAL_REQUEST_FINAL = frozenset({DialRequestStatus.ENDED, DialRequestStatus.FAILED})


class CallStatus(models.TextChoices):
    """How a call ended (the workstation's word; empty while the call is in progress)."""

    COMPLETED = "COMPLETED", "Completada"
    NO_ANSWER = "NO_ANSWER", "No contesta"
    BUSY = "BUSY", "Ocupado"
    FAILED = "FAILED", "Fallida"
    DROPPED = "DROPPED", "Cortada"


class Provider(models.TextChoices):
    """What placed the call: the workstation agent's driver, a person logging it, or else."""

    INTERPHONE = "interphone", "InterPhone"
    COMMAND = "command", "Comando"
    TEL = "tel", "Enlace tel:"
    LOG = "log", "Simulada (registro)"
    MANUAL = "manual", "Registro manual"
    OTHER = "other", "Otro"

from django.db import models


class Aplicativo(models.TextChoices):
    """What the ticket is about: the system that broke."""

    CARTERA = "cartera", "Cartera"
    TELEFONICA = "telefonica", "Telefónica"
    TARJETA_PLATA = "tarjeta_plata", "Tarjeta Plata"
    VICIDIAL = "vicidial", "Vicidial"
    CRM = "crm", "CRM"
    OTRO = "otro", "Otro"


class Priority(models.TextChoices):
    BAJA = "baja", "Baja"
    MEDIA = "media", "Media"
    ALTA = "alta", "Alta"
    CRITICA = "critica", "Crítica"


# Most urgent first, for ordering queues.
PRIORITY_RANK = {Priority.CRITICA: 0, Priority.ALTA: 1, Priority.MEDIA: 2, Priority.BAJA: 3}


class Status(models.TextChoices):
    ABIERTO = "abierto", "Abierto"
    EN_PROGRESO = "en_progreso", "En progreso"
    EN_ESPERA = "en_espera", "En espera"
    RESUELTO = "resuelto", "Resuelto"
    CERRADO = "cerrado", "Cerrado"


# The resolution clock runs only in these statuses: "En espera" pauses it, and a resolved or
# closed ticket has stopped it (reopening starts it again with the time that was left).
CLOCK_RUNNING = frozenset({Status.ABIERTO, Status.EN_PROGRESO})
# Not finished: what queues, "open" counts and fewest-open assignment look at.
OPEN_STATUSES = frozenset({Status.ABIERTO, Status.EN_PROGRESO, Status.EN_ESPERA})

# Where support can move a ticket from each status. The requester's own moves (confirm a
# solution, reopen within TICKETS_REOPEN_DAYS) are checked apart, in services.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.ABIERTO: frozenset({Status.EN_PROGRESO, Status.EN_ESPERA, Status.RESUELTO, Status.CERRADO}),
    Status.EN_PROGRESO: frozenset({Status.ABIERTO, Status.EN_ESPERA, Status.RESUELTO, Status.CERRADO}),
    Status.EN_ESPERA: frozenset({Status.ABIERTO, Status.EN_PROGRESO, Status.RESUELTO, Status.CERRADO}),
    Status.RESUELTO: frozenset({Status.EN_PROGRESO, Status.CERRADO}),
    Status.CERRADO: frozenset(),
}
REQUESTER_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RESUELTO: frozenset({Status.ABIERTO, Status.CERRADO}),
}


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Por turnos (round-robin)"
    FEWEST_OPEN = "fewest_open", "Menos tickets abiertos"


class SlaState(models.TextChoices):
    """How a ticket stands against its SLA, derived at read time."""

    NONE = "none", "Sin SLA"
    OK = "ok", "En plazo"
    WARNING = "warning", "Por vencer"
    BREACHED = "breached", "Vencido"
    PAUSED = "paused", "En pausa"
    MET = "met", "Cumplido"
    MISSED = "missed", "Incumplido"


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", "Primera respuesta"
    RESOLUTION = "resolution", "Resolución"


class TicketList(models.TextChoices):
    """The lists a saved filter belongs to."""

    MINE = "mine", "Mis tickets"
    QUEUE = "queue", "Mi cola"
    ALL = "all", "Todos"

"""Demo data of the support desk: two support people and groups, an office calendar with Costa
Rica's holidays, SLA policies, categories, rules, canned responses — and a fortnight of tickets
in every status (answered late and on time, waiting, resolved, closed, one merged duplicate),
so the lists, the ticket page and the dashboard have something real to show.

The tickets are written with the services' own pieces at past times (``_move`` and ``_save``
take the moment; history rows carry it), so their SLA deadlines, spans and minutes are what the
services would have computed had the work happened then."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core.demo_data import DEMO_PASSWORD
from core.models import User
from core.roles import Role
from core.services import user_create
from tickets import assignment
from tickets.choices import Aplicativo, AssignmentStrategy, Priority, Status
from tickets.deadlines import first_response_minutes, load_calendars, policy_for, set_deadlines
from tickets.models import (
    AssignmentRule,
    BusinessCalendar,
    BusinessHours,
    CannedResponse,
    Category,
    Holiday,
    SLAPolicy,
    SupportGroup,
    SupportGroupMember,
    Ticket,
    TicketComment,
    TicketStatusSpan,
)
from tickets.services import _move, _save
from tickets.sla import Span

SUPPORT_PEOPLE = [("soporte", "Sofía", "Soporte"), ("soporte2", "Tomás", "Técnico")]
HOLIDAYS_CR = [
    ((1, 1), "Año Nuevo"),
    ((4, 11), "Día de Juan Santamaría"),
    ((5, 1), "Día del Trabajador"),
    ((7, 25), "Anexión de Guanacaste"),
    ((8, 15), "Día de la Madre"),
    ((9, 15), "Independencia"),
    ((12, 1), "Abolición del Ejército"),
    ((12, 25), "Navidad"),
]
POLICIES = [  # priority, aplicativo, first response, resolution (business minutes)
    (Priority.BAJA, "", 480, 2700),
    (Priority.MEDIA, "", 240, 1080),
    (Priority.ALTA, "", 60, 480),
    (Priority.CRITICA, "", 15, 240),
    (Priority.CRITICA, Aplicativo.VICIDIAL, 10, 120),
]
CATEGORIES = {
    Aplicativo.CRM: ["Acceso y contraseñas", "Error en pantalla", "Lentitud"],
    Aplicativo.VICIDIAL: ["Campañas", "Softphone", "Audio"],
    Aplicativo.CARTERA: ["Bases y cargas"],
    Aplicativo.TELEFONICA: ["Bandejas"],
    "": ["Equipo y periféricos", "Red e internet"],
}
CANNED = [
    ("Recibido", "Hola {requester_name}: recibimos el ticket {ticket_number} y ya lo estamos revisando."),
    (
        "Pedir captura",
        "Hola {requester_name}: ¿nos envías una captura de pantalla del error? Así avanzamos con {ticket_number}.",
    ),
    (
        "Solucionado",
        "Listo, {requester_name}. Quedó resuelto; si vuelve a pasar, reabre {ticket_number}. — {agent_name}",
    ),
]


@transaction.atomic
def seed() -> str:
    people = [_support_person(*spec) for spec in SUPPORT_PEOPLE]
    calendar = _calendar()
    for priority, aplicativo, first, resolution in POLICIES:
        SLAPolicy.objects.get_or_create(
            priority=priority,
            aplicativo=aplicativo,
            defaults={
                "name": f"{Priority(priority).label}{' · ' + Aplicativo(aplicativo).label if aplicativo else ''}",
                "first_response_minutes": first,
                "resolution_minutes": resolution,
                "calendar": calendar,
            },
        )
    for aplicativo, names in CATEGORIES.items():
        for name in names:
            Category.objects.get_or_create(aplicativo=aplicativo, name=name)
    for title, body in CANNED:
        CannedResponse.objects.get_or_create(title=title, defaults={"body": body})
    desk, created_desk = SupportGroup.objects.get_or_create(
        name="Mesa de ayuda", defaults={"is_default": True, "description": "CRM, Cartera, Telefónica y lo demás"}
    )
    phones, _ = SupportGroup.objects.get_or_create(
        name="Telefonía", defaults={"strategy": AssignmentStrategy.FEWEST_OPEN, "description": "Vicidial y softphones"}
    )
    SupportGroupMember.objects.get_or_create(group=desk, user=people[0])
    for person in people:
        SupportGroupMember.objects.get_or_create(group=phones, user=person)
    AssignmentRule.objects.get_or_create(aplicativo=Aplicativo.VICIDIAL, category=None, defaults={"group": phones})
    AssignmentRule.objects.get_or_create(aplicativo=Aplicativo.CRM, category=None, defaults={"group": desk})
    made = 0 if Ticket.objects.exists() else _stories()
    logins = ", ".join(person.username for person in people)
    return (
        f"{len(people)} personas de soporte (usuarios {logins}, con la contraseña de demostración), 2 grupos, "
        f"{SLAPolicy.objects.count()} políticas de SLA, {made} tickets"
    )


def _support_person(username: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=Role.BACKOFFICE,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.crea-crm.local",
        )
    return user


def _calendar() -> BusinessCalendar:
    calendar, created = BusinessCalendar.objects.get_or_create(
        name="Oficina Costa Rica", defaults={"time_zone": "America/Costa_Rica", "is_default": True}
    )
    if created:
        for weekday in range(5):
            BusinessHours.objects.create(calendar=calendar, weekday=weekday, start=time(8), end=time(17))
        BusinessHours.objects.create(calendar=calendar, weekday=5, start=time(8), end=time(12))
        year = timezone.localdate().year
        for year_ in (year, year + 1):
            for (month, day), name in HOLIDAYS_CR:
                Holiday.objects.create(calendar=calendar, date=date(year_, month, day), name=name)
    return calendar


class Story:
    """One ticket's life, written at past moments."""

    def __init__(self, *, requester, title, description, aplicativo, priority, category, at: datetime, watchers=()):
        ticket = Ticket(
            requester=requester,
            title=title,
            description=description,
            aplicativo=aplicativo,
            category=Category.objects.filter(aplicativo=aplicativo, name=category).first() if category else None,
            priority=priority,
            created_at=at,
            status_changed_at=at,
        )
        ticket.group = assignment.route(aplicativo=aplicativo, category=ticket.category)
        ticket.assignee = assignment.pick_assignee(ticket.group) if ticket.group else None
        ticket.sla_policy = policy_for(priority=priority, aplicativo=aplicativo)
        set_deadlines(ticket, now=at, calendars=load_calendars(), spans=[Span(Status.ABIERTO, at)])
        ticket._history_date = at
        _save(ticket, by=requester, reason="Ticket creado")
        TicketStatusSpan.objects.create(ticket=ticket, status=Status.ABIERTO, started_at=at, changed_by=requester)
        ticket.watchers.set(watchers)
        self.ticket = ticket

    def reply(self, at: datetime, author, body: str, internal: bool = False) -> Story:
        ticket = self.ticket
        TicketComment.objects.create(ticket=ticket, author=author, body=body, internal=internal, created_at=at)
        if not internal and author.pk != ticket.requester_id and ticket.first_response_at is None:
            ticket.first_response_at = at
            ticket.first_response_minutes = first_response_minutes(ticket, at=at)
            ticket._history_date = at
            _save(ticket, by=author, reason="Respuesta")
        return self

    def status(self, at: datetime, by, status: str) -> Story:
        ticket = self.ticket
        ticket._history_date = at
        _move(ticket, status=status, by=by, now=at)
        _save(ticket, by=by, reason="Estado")
        return self


def _stories() -> int:
    users = {user.username: user for user in User.objects.filter(is_active=True)}
    agent = users.get("agente") or User.objects.filter(role=Role.AGENTE).first()
    agent2 = users.get("agente2") or agent
    backoffice = users.get("backoffice") or agent
    supervisor = users.get("supervisor") or agent
    sofia, tomas = users["soporte"], users["soporte2"]
    now = timezone.localtime()

    def ago(days: int, hour: int, minute: int = 0) -> datetime:
        moment = (now - timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return min(moment, now - timedelta(minutes=5))

    def ticket(requester, title, aplicativo, priority, at, category="", description="", watchers=()):
        return Story(
            requester=requester,
            title=title,
            description=description or title + ".",
            aplicativo=aplicativo,
            priority=priority,
            category=category,
            at=at,
            watchers=watchers,
        )

    crm, vici = Aplicativo.CRM, Aplicativo.VICIDIAL
    # Resolved on time, then closed by the requester.
    s = ticket(agent, "No puedo entrar al CRM", crm, Priority.ALTA, ago(13, 8, 20), "Acceso y contraseñas")
    s.reply(ago(13, 8, 45), sofia, "Hola, te reseteamos la contraseña: revisa tu correo.")
    s.status(ago(13, 9, 10), sofia, Status.RESUELTO).status(ago(12, 10), agent, Status.CERRADO)
    # Vicidial campaign down: critical, answered fast, resolved late.
    s = ticket(
        supervisor, "La campaña Cobranza no marca", vici, Priority.CRITICA, ago(11, 9), "Campañas", watchers=[agent]
    )
    s.reply(ago(11, 9, 5), tomas, "Estamos revisando el servidor de Vicidial.")
    s.reply(ago(11, 9, 20), tomas, "El troncal SIP está caído; escalado al proveedor.", internal=True)
    s.status(ago(11, 9, 21), tomas, Status.EN_PROGRESO).status(ago(10, 11), tomas, Status.RESUELTO)
    # Waiting for the requester's screenshot.
    s = ticket(agent2, "Error al guardar una gestión", crm, Priority.MEDIA, ago(6, 14), "Error en pantalla")
    s.reply(ago(6, 15), sofia, "¿Nos envías una captura de pantalla del error?")
    s.status(ago(6, 15, 1), sofia, Status.EN_ESPERA)
    # In progress, first response late.
    s = ticket(backoffice, "El reporte de pagos sale vacío", crm, Priority.MEDIA, ago(4, 10), "Lentitud")
    s.reply(ago(3, 11), sofia, "Lo estamos revisando con el equipo de datos.")
    s.status(ago(3, 11, 5), sofia, Status.EN_PROGRESO)
    # Softphone without audio, resolved on time.
    s = ticket(agent, "El softphone no tiene audio", vici, Priority.ALTA, ago(3, 9), "Audio")
    s.reply(ago(3, 9, 30), tomas, "Cambia el dispositivo de salida a los audífonos USB.")
    s.status(ago(3, 10), tomas, Status.RESUELTO)
    # A duplicate merged into the campaign ticket above? It is resolved: into the screenshot one.
    original = ticket(
        agent, "Pantalla en blanco al abrir una ficha", crm, Priority.ALTA, ago(2, 9), "Error en pantalla"
    )
    original.reply(ago(2, 9, 40), sofia, "Ya lo vemos: parece el caché del navegador.")
    original.status(ago(2, 9, 41), sofia, Status.EN_PROGRESO)
    duplicate = ticket(agent2, "Ficha del deudor sale en blanco", crm, Priority.MEDIA, ago(2, 10), "Error en pantalla")
    from tickets.conversation import ticket_merge

    ticket_merge(ticket=duplicate.ticket, into=original.ticket, by=sofia)
    # Open, nobody has answered yet (one about to breach, one already breached).
    ticket(agent, "Se cuelga el CRM al exportar", crm, Priority.ALTA, now - timedelta(minutes=50), "Lentitud")
    ticket(agent2, "Los audífonos no se detectan", vici, Priority.MEDIA, ago(1, 9), "Softphone")
    ticket(backoffice, "Pedido de acceso a la campaña Telefónica", crm, Priority.BAJA, ago(0, 8, 30))
    # Closed without a solution (it was not a fault).
    s = ticket(agent2, "Cambiar mi extensión", crm, Priority.BAJA, ago(8, 11), "Equipo y periféricos")
    s.reply(ago(8, 12), sofia, "La extensión la cambia tu supervisor en Usuarios.")
    s.status(ago(8, 12, 1), sofia, Status.CERRADO)
    return Ticket.objects.count()

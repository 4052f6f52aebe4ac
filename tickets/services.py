"""Every write of the tickets app (ARCHITECTURE.md §2): keyword-only, atomic, validated.

Each change to a ticket is saved with its author (django-simple-history), keeps the SLA
deadlines right (tickets/deadlines.py) and tells the people around the ticket (tickets/notify.py).
Comments, attachments and merges live in tickets/conversation.py; bulk actions, saved filters
and canned responses in tickets/desk.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.choices import NotificationKind
from core.models import User
from tickets import assignment, attachments, notify
from tickets.access import can_work
from tickets.choices import CLOCK_RUNNING, REQUESTER_TRANSITIONS, TRANSITIONS, Priority, SlaTarget, Status
from tickets.deadlines import load_calendars, policy_for, resolution_minutes, set_deadlines
from tickets.models import Category, SupportGroup, Ticket, TicketStatusSpan
from tickets.sla import Span, business_time, warning_time

logger = logging.getLogger(__name__)


def _save(ticket: Ticket, *, by: User | None, reason: str = "") -> None:
    ticket._history_user = by
    if reason:
        ticket._change_reason = reason
    ticket.full_clean()
    ticket.save()


def _require_worker(user: User, ticket: Ticket) -> None:
    if not can_work(user, ticket):
        raise PermissionDenied("Solo el equipo de soporte del ticket puede hacer este cambio.")


def _check_category(aplicativo: str, category: Category | None) -> None:
    if category is not None and not category.fits(aplicativo):
        raise ValidationError({"category": f"La categoría «{category.name}» no es del aplicativo elegido."})


# --- Create ---------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    requester: User,
    title: str,
    description: str,
    aplicativo: str,
    category: Category | None = None,
    priority: str = Priority.MEDIA,
    watchers: Iterable[User] = (),
    files: Sequence[UploadedFile] = (),
) -> Ticket:
    """Open a ticket: routed by the assignment rules to a group and one of its members, with
    its SLA deadlines, first status span, watchers and attachments."""
    _check_category(aplicativo, category)
    if files:
        attachments.check_uploads(files)  # refuse bad files before writing anything
    now = timezone.now()
    ticket = Ticket(
        requester=requester,
        title=(title or "").strip(),
        description=(description or "").strip(),
        aplicativo=aplicativo,
        category=category,
        priority=priority,
        status=Status.ABIERTO,
        created_at=now,
        status_changed_at=now,
    )
    ticket.group = assignment.route(aplicativo=aplicativo, category=category)
    if ticket.group is not None:
        ticket.assignee = assignment.pick_assignee(ticket.group)
    ticket.sla_policy = policy_for(priority=priority, aplicativo=aplicativo)
    calendars = load_calendars()
    set_deadlines(ticket, now=now, calendars=calendars, spans=[Span(Status.ABIERTO, now)])
    _save(ticket, by=requester, reason="Ticket creado")
    TicketStatusSpan.objects.create(ticket=ticket, status=Status.ABIERTO, started_at=now, changed_by=requester)
    ticket.watchers.set([user for user in watchers if user.pk != requester.pk])
    stored = attachments.store(ticket=ticket, uploads=files, user=requester) if files else []
    try:
        _schedule_sla_warnings(ticket, calendars=calendars)
        text = f"Nuevo ticket {ticket.number}: {ticket.title}"
        if ticket.assignee is not None:
            notify.notify(
                ticket=ticket,
                recipients=[ticket.assignee],
                actor=requester,
                text=f"Se te asignó el ticket {ticket.number}: {ticket.title}",
                change="created",
            )
            notify.notify(ticket=ticket, recipients=ticket.watchers.all(), actor=requester, text=text, change="created")
        else:
            # Nobody has it yet: the whole group's queue (or, with no group, nobody but admins).
            notify.notify(
                ticket=ticket,
                recipients=[*notify.group_members(ticket), *ticket.watchers.all()],
                actor=requester,
                text=text,
                change="created",
            )
    except Exception:
        for attachment in stored:
            attachments.remove_file(attachment)
        raise
    return ticket


# --- Fields, priority, assignment -------------------------------------------------------------


@transaction.atomic
def ticket_update(
    *, ticket: Ticket, by: User, title: str, description: str, aplicativo: str, category: Category | None
) -> Ticket:
    """Support corrects what the ticket is about; a new aplicativo may bring another SLA policy."""
    _require_worker(by, ticket)
    _check_category(aplicativo, category)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.title, ticket.description = (title or "").strip(), (description or "").strip()
    changed_aplicativo = aplicativo != ticket.aplicativo
    ticket.aplicativo, ticket.category = aplicativo, category
    if changed_aplicativo:
        _repolicy(ticket)
    _save(ticket, by=by, reason="Datos del ticket")
    return ticket


def _repolicy(ticket: Ticket) -> None:
    calendars = load_calendars()
    ticket.sla_policy = policy_for(priority=ticket.priority, aplicativo=ticket.aplicativo)
    set_deadlines(ticket, now=timezone.now(), calendars=calendars)
    transaction.on_commit(lambda: _schedule_sla_warnings(ticket, calendars=calendars))


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, by: User, priority: str) -> Ticket:
    _require_worker(by, ticket)
    if priority not in Priority.values:
        raise ValidationError({"priority": "Prioridad desconocida."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.priority == priority:
        return ticket
    old = ticket.get_priority_display()
    ticket.priority = priority
    _repolicy(ticket)
    _save(ticket, by=by, reason="Prioridad")
    notify.notify(
        ticket=ticket,
        recipients=[ticket.assignee, *ticket.watchers.all()],
        actor=by,
        text=f"{ticket.number}: prioridad {old} → {ticket.get_priority_display()}",
        change="priority",
    )
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, by: User, assignee: User | None, group: SupportGroup | None = None) -> Ticket:
    """Manual (re)assignment: to a group (the ticket's own when not given) and optionally one
    of its active members; ``assignee=None`` leaves it in the group's queue."""
    _require_worker(by, ticket)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("group", "assignee").get(pk=ticket.pk)
    group = group or ticket.group
    if group is None:
        raise ValidationError({"group": "Elige el grupo de soporte."})
    if not group.active:
        raise ValidationError({"group": f"El grupo «{group}» está inactivo."})
    if assignee is not None and not assignment.is_active_member(group, assignee):
        raise ValidationError({"assignee": f"{assignee} no es miembro activo del grupo «{group}»."})
    if ticket.group_id == group.pk and ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    ticket.group, ticket.assignee = group, assignee
    _save(ticket, by=by, reason="Asignación")
    who = str(assignee) if assignee else f"la cola de {group}"
    if assignee is not None:
        notify.notify(
            ticket=ticket,
            recipients=[assignee],
            actor=by,
            text=f"Se te asignó el ticket {ticket.number}: {ticket.title}",
            change="assigned",
        )
    notify.notify(
        ticket=ticket,
        recipients=[ticket.requester, *ticket.watchers.all()] + ([] if assignee else notify.group_members(ticket)),
        actor=by,
        text=f"{ticket.number} asignado a {who}",
        change="assigned",
    )
    return ticket


@transaction.atomic
def ticket_watch(*, ticket: Ticket, user: User, watching: bool) -> Ticket:
    """Follow a ticket (to hear about its changes) or stop following it; the timeline shows who."""
    ticket._history_user = user
    if watching and user.pk != ticket.requester_id:
        ticket.watchers.add(user)
    else:
        ticket.watchers.remove(user)
    return ticket


# --- Status ---------------------------------------------------------------------------------


def allowed_statuses(ticket: Ticket, user: User, *, now: datetime | None = None) -> list[str]:
    """The statuses ``user`` may move ``ticket`` to now, in the order of the status list."""
    allowed: set[str] = set()
    if can_work(user, ticket):
        allowed |= TRANSITIONS[ticket.status]
    if ticket.requester_id == user.pk:
        for status in REQUESTER_TRANSITIONS.get(ticket.status, ()):
            if status != Status.ABIERTO or _within_reopen_window(ticket, now or timezone.now()):
                allowed.add(status)
    return [status for status in Status.values if status in allowed]


def _within_reopen_window(ticket: Ticket, now: datetime) -> bool:
    return ticket.resolved_at is not None and now - ticket.resolved_at <= timedelta(days=settings.TICKETS_REOPEN_DAYS)


@transaction.atomic
def ticket_transition(*, ticket: Ticket, by: User, status: str) -> Ticket:
    """Move ``ticket`` to ``status`` if the transitions table (or the requester's rules) allow
    it: a new status span, the SLA clock stopped or restarted, resolution/closing times set."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("sla_policy").get(pk=ticket.pk)
    now = timezone.now()
    if status not in Status.values:
        raise ValidationError({"status": "Estado desconocido."})
    old, new = Status(ticket.status), Status(status)
    if old == new:
        raise ValidationError({"status": f"El ticket ya está «{old.label}»."})
    if not (can_work(by, ticket) or ticket.requester_id == by.pk):
        raise PermissionDenied("Solo el solicitante o el equipo de soporte pueden cambiar el estado.")
    if status not in allowed_statuses(ticket, by, now=now):
        if (
            ticket.requester_id == by.pk
            and new == Status.ABIERTO
            and old == Status.RESUELTO
            and not _within_reopen_window(ticket, now)
        ):
            raise ValidationError(
                {
                    "status": f"Este ticket se resolvió hace más de {settings.TICKETS_REOPEN_DAYS} días: "
                    "ya no se puede reabrir. Abre un ticket nuevo y menciona este número."
                }
            )
        raise ValidationError({"status": f"No se puede pasar un ticket de «{old.label}» a «{new.label}»."})
    _move(ticket, status=new, by=by, now=now)
    _save(ticket, by=by, reason=f"Estado: {old.label} → {new.label}")
    notify.notify(
        ticket=ticket,
        recipients=notify.involved(ticket),
        actor=by,
        text=f"{ticket.number} pasó de «{old.label}» a «{new.label}»",
        change="status",
    )
    return ticket


def _move(ticket: Ticket, *, status: str, by: User | None, now: datetime) -> None:
    """The status change itself (the caller saves the ticket)."""
    TicketStatusSpan.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
    TicketStatusSpan.objects.create(ticket=ticket, status=status, started_at=now, changed_by=by)
    was_running = ticket.status in CLOCK_RUNNING
    ticket.status, ticket.status_changed_at = status, now
    calendars = load_calendars()
    if status == Status.RESUELTO:
        ticket.resolved_at = now
        ticket.resolution_minutes = resolution_minutes(ticket, now=now, calendars=calendars)
        ticket.closed_at = None
    elif status == Status.CERRADO:
        ticket.closed_at = now
    else:
        ticket.resolved_at = ticket.closed_at = ticket.resolution_minutes = None
    if status in CLOCK_RUNNING and not was_running:
        set_deadlines(ticket, now=now, calendars=calendars)
        transaction.on_commit(lambda: _schedule_sla_warnings(ticket, calendars=calendars))


# --- SLA warnings ---------------------------------------------------------------------------


def _schedule_sla_warnings(ticket: Ticket, *, calendars) -> None:
    """One-shot tasks, each at the moment only TICKETS_SLA_WARNING_PERCENT of a target is left.
    A task checks on run that its deadline still stands, so stale ones send nothing."""
    from django_tasks import default_task_backend

    from tickets.tasks import ticket_sla_warn

    policy = ticket.sla_policy
    if policy is None:
        return
    calendar = calendars.for_policy(policy)
    now = timezone.now()
    percent = settings.TICKETS_SLA_WARNING_PERCENT
    plans = []
    if ticket.first_response_at is None and ticket.first_response_due_at and ticket.is_open:
        remaining = business_time(now, ticket.first_response_due_at, calendar)
        plans.append((SlaTarget.FIRST_RESPONSE, ticket.first_response_due_at, policy.first_response_minutes, remaining))
    if ticket.status in CLOCK_RUNNING and ticket.resolution_due_at:
        remaining = business_time(now, ticket.resolution_due_at, calendar)
        plans.append((SlaTarget.RESOLUTION, ticket.resolution_due_at, policy.resolution_minutes, remaining))
    for target, due, minutes, remaining in plans:
        if remaining <= timedelta(0):
            continue  # already breached: the list shows it red; a warning would come too late
        at = warning_time(now, remaining, minutes, percent, calendar)
        if default_task_backend.supports_defer:
            task = ticket_sla_warn.using(run_after=at)
        elif at <= now:
            task = ticket_sla_warn
        else:
            # Only the immediate backend (development, tests) cannot defer; production uses the DB queue.
            logger.info("task backend cannot defer; SLA warning of ticket %s not scheduled", ticket.pk)
            continue
        kwargs = {"ticket_id": ticket.pk, "target": str(target), "due_at": due.isoformat()}
        transaction.on_commit(lambda task=task, kwargs=kwargs: task.enqueue(**kwargs))


@transaction.atomic
def ticket_sla_warn(*, ticket_id: int, target: str, due_at: str) -> list[User]:
    """Tell the assignee (or the group, when nobody has the ticket) and the watchers who work
    it that a target is about to be breached — unless the ticket moved on since the warning was
    scheduled (answered, resolved, paused, another deadline) or it was already sent."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester", "assignee")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return []
    due = datetime.fromisoformat(due_at)
    if target == SlaTarget.FIRST_RESPONSE:
        current, warned, field = (
            ticket.first_response_due_at,
            ticket.first_response_warned_for,
            "first_response_warned_for",
        )
        still_pending = ticket.first_response_at is None and ticket.is_open
    else:
        current, warned, field = ticket.resolution_due_at, ticket.resolution_warned_for, "resolution_warned_for"
        still_pending = ticket.status in CLOCK_RUNNING
    if not still_pending or current != due or warned == due or timezone.now() >= due:
        return []
    Ticket.objects.filter(pk=ticket.pk).update(**{field: due})
    label = SlaTarget(target).label.lower()
    when = timezone.localtime(due).strftime("%d/%m %H:%M")
    workers = [ticket.assignee] if ticket.assignee else notify.group_members(ticket)
    watchers = [user for user in ticket.watchers.all() if can_work(user, ticket)]
    return notify.notify(
        ticket=ticket,
        recipients=[*workers, *watchers],
        actor=None,
        text=f"SLA por vencer en {ticket.number}: la {label} vence el {when}",
        change="sla",
        kind=NotificationKind.ALERT,
    )


# --- Email ----------------------------------------------------------------------------------


def email_send(*, to: str, subject: str, body: str) -> int:
    return send_mail(subject, body, None, [to])

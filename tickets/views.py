"""Opening a ticket, the ticket page and what is done from it, attachment downloads.
Thin: parse → service/selector → render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from tickets import conversation, desk, selectors, services
from tickets.access import can_see_internal, can_work
from tickets.deadlines import load_calendars, ticket_sla
from tickets.forms import AssignForm, CommentForm, MergeForm, PriorityForm, TicketEditForm, TicketForm
from tickets.middleware import remember_support
from tickets.models import Ticket


def ticket_create(request):
    remember_support(request)
    form = TicketForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                requester=request.user,
                title=data["title"],
                description=data["description"],
                aplicativo=data["aplicativo"],
                category=data["category"],
                priority=data["priority"],
                watchers=data["watchers"],
                files=data["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="files")
        else:
            assigned = f" Asignado a {ticket.assignee}." if ticket.assignee else ""
            messages.success(request, f"Ticket {ticket.number} creado.{assigned}")
            return redirect(ticket)
    status = 400 if form.is_bound else 200
    return render(request, "tickets/ticket_form.html", {"form": form}, status=status)


def ticket_detail(request, pk: int, *, comment_form: CommentForm | None = None, status: int = 200):
    remember_support(request)
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    user = request.user
    worker = can_work(user, ticket)
    notes = can_see_internal(user, ticket)
    if comment_form is None:
        comment_form = CommentForm(can_note=notes)
    context = {
        "ticket": ticket,
        "sla": ticket_sla(ticket, now=timezone.now(), calendars=load_calendars()),
        "timeline": selectors.timeline(ticket=ticket, user=user),
        "files": selectors.ticket_attachments(ticket=ticket, user=user),
        "watchers": list(ticket.watchers.all()),
        "watching": ticket.watchers.filter(pk=user.pk).exists(),
        "worker": worker,
        "notes": notes,
        "comment_form": comment_form,
        "can_reply": ticket.merged_into_id is None,
        "statuses": services.allowed_statuses(ticket, user),
    }
    if worker:
        context.update(
            {
                "priority_form": PriorityForm(initial={"priority": ticket.priority}),
                "assign_form": AssignForm(initial={"group": ticket.group_id, "assignee": ticket.assignee_id}),
                "merge_form": MergeForm(tickets=Ticket.objects.none()),
                "edit_form": TicketEditForm(instance=ticket),
                "canned": [
                    (canned, desk.canned_render(canned=canned, ticket=ticket, user=user))
                    for canned in selectors.canned_responses()
                ],
            }
        )
    template = "tickets/partials/timeline.html" if request.htmx and request.GET.get("part") == "timeline" else None
    return render(request, template or "tickets/ticket_detail.html", context, status=status)


@require_POST
def comment_add(request, pk: int):
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    form = CommentForm(request.POST, request.FILES, can_note=can_see_internal(request.user, ticket))
    if form.is_valid():
        try:
            conversation.comment_add(
                ticket=ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data.get("internal", False),
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="body")
        else:
            messages.success(
                request, "Nota interna guardada." if form.cleaned_data.get("internal") else "Respuesta enviada."
            )
            return redirect(ticket)
    return ticket_detail(request, pk, comment_form=form, status=400)


def _apply(request, ticket: Ticket, action, success: str):
    """Run a service for the ticket page's small forms; its refusal becomes a message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(ticket)


@require_POST
def ticket_transition(request, pk: int):
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    status = request.POST.get("status", "")
    return _apply(
        request,
        ticket,
        lambda: services.ticket_transition(ticket=ticket, by=request.user, status=status),
        "Estado actualizado.",
    )


def _worker_ticket(request, pk: int) -> Ticket:
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    if not can_work(request.user, ticket):
        raise PermissionDenied("Solo el equipo de soporte del ticket puede hacer este cambio.")
    return ticket


@require_POST
def ticket_priority(request, pk: int):
    ticket = _worker_ticket(request, pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Elige una prioridad.")
        return redirect(ticket)
    priority = form.cleaned_data["priority"]
    return _apply(
        request,
        ticket,
        lambda: services.ticket_set_priority(ticket=ticket, by=request.user, priority=priority),
        "Prioridad actualizada.",
    )


@require_POST
def ticket_assign(request, pk: int):
    ticket = _worker_ticket(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Elige un grupo y un miembro válidos.")
        return redirect(ticket)
    data = form.cleaned_data
    return _apply(
        request,
        ticket,
        lambda: services.ticket_assign(ticket=ticket, by=request.user, assignee=data["assignee"], group=data["group"]),
        "Asignación actualizada.",
    )


@require_POST
def ticket_update(request, pk: int):
    ticket = _worker_ticket(request, pk)
    form = TicketEditForm(request.POST, instance=Ticket.objects.get(pk=ticket.pk))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(ticket)
    data = form.cleaned_data
    return _apply(
        request,
        ticket,
        lambda: services.ticket_update(
            ticket=ticket,
            by=request.user,
            title=data["title"],
            description=data["description"],
            aplicativo=data["aplicativo"],
            category=data["category"],
        ),
        "Datos del ticket actualizados.",
    )


@require_POST
def ticket_merge(request, pk: int):
    ticket = _worker_ticket(request, pk)
    form = MergeForm(request.POST, tickets=Ticket.objects.workable_by(request.user))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("into", ["Indica el ticket."])))
        return redirect(ticket)
    into = form.cleaned_data["into"]
    try:
        services_merge = conversation.ticket_merge(ticket=ticket, into=into, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(ticket)
    messages.success(request, f"{services_merge.number} fusionado en {into.number}.")
    return redirect(into)


@require_POST
def ticket_watch(request, pk: int):
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    watching = request.POST.get("watch") == "1"
    services.ticket_watch(ticket=ticket, user=request.user, watching=watching)
    messages.success(request, "Ahora sigues este ticket." if watching else "Ya no sigues este ticket.")
    return redirect(ticket)


def attachment_download(request, pk: int):
    """Served through the CRM (never a public storage URL), only to who may see it."""
    attachment = selectors.attachment_for_user(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("El archivo ya no está disponible.") from exc
    inline = attachment.is_image or attachment.content_type == "application/pdf"
    return FileResponse(
        handle, as_attachment=not inline, filename=attachment.name, content_type=attachment.content_type
    )

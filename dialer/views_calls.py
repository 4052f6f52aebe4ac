"""The browser's side of a call: the call button, "Colgar", and logging a call by hand.

The buttons post with HTMX and get a fragment back; without JavaScript the same forms post
and come back to the page they were on with a message.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.forms import add_service_errors
from core.views.utils import redirect_back
from dialer import selectors, services
from dialer.forms import DialForm, HangupForm, manual_call_form
from dialer.models import CallLog, DialRequest

HANGUP_MESSAGES = {
    "requested": "Colgando: la estación cuelga en unos segundos.",
    "cancelled": "Llamada cancelada antes de marcar.",
    "nothing": "Esa llamada ya había terminado.",
}


def _refused(request, message: str, status: int = 400):
    """A request the page cannot carry out: JSON for the page's scripts, else a page saying why."""
    if request.htmx or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=status)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    context = {"code": status, "icon": "telephone-x", "title": "No se pudo completar", "message": message, "back": back}
    return render(request, "dialer/refused.html", context, status=status)


def _record_url(record) -> str:
    return record.get_absolute_url() if hasattr(record, "get_absolute_url") else "core:home"


@require_POST
def dial(request):
    """The call button: a dial request for the user's workstation."""
    form = DialForm(request.POST)
    if not form.is_valid():
        return _refused(request, "Faltan datos para llamar (registro y teléfono).")
    data = form.cleaned_data
    record = selectors.dialable_record(user=request.user, record_type=data["record_type"], record_id=data["record_id"])
    try:
        dial_request = services.dial_request_create(user=request.user, record=record, phone=data["phone"])
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages))
    online = selectors.workstation_online(user=request.user)
    if not request.htmx:
        if online:
            messages.success(request, f"Marcando {dial_request.phone} desde tu estación.")
        else:
            messages.warning(request, "Estación sin conexión: llama con el enlace tel: y registra la llamada a mano.")
        return redirect_back(request, _record_url(record))
    context = {
        "record_type": data["record_type"],
        "record_id": record.pk,
        "phone": dial_request.phone,
        "next": request.POST.get("next", ""),
    }
    response = render(request, "dialer/partials/call_button.html", {**context, "online": online})
    # The widget shows "Marcando…" at once, even while the events socket is reconnecting.
    event = {
        "dial_request_id": dial_request.pk,
        "phone": dial_request.phone,
        "user_id": request.user.pk,
        "record": {"type": data["record_type"], "id": str(record.pk)},
        "online": online,
    }
    response["HX-Trigger"] = json.dumps({"crm:dial.requested": event})
    return response


@require_GET
def current_call(request):
    """The user's call in progress, for the widget to catch up after its events socket was down."""
    call = selectors.current_call(user=request.user)
    if call is None:
        return JsonResponse({"call": None})
    body = {**selectors.call_start_body(call), "phone": call.phone, "user_id": call.user_id}
    return JsonResponse({"call": body}, headers={"Cache-Control": "no-store"})


@require_POST
def hangup(request):
    """ "Colgar" in the call widget: the call in progress, or a dial request not yet answered."""
    form = HangupForm(request.POST)
    if not form.is_valid():
        return _refused(request, " ".join(form.non_field_errors()) or "Datos no válidos para colgar.")
    # Someone else's call or request does not exist for this user: 404, as for an unknown one.
    if form.cleaned_data["call"] is not None:
        call = CallLog.objects.filter(user=request.user, pk=form.cleaned_data["call"]).first()
        if call is None:
            raise Http404("No encontrado.")
        result = services.hangup_request(user=request.user, call=call)
    else:
        dial_request = DialRequest.objects.filter(user=request.user, pk=form.cleaned_data["dial_request"]).first()
        if dial_request is None:
            raise Http404("No encontrado.")
        result = services.hangup_request(user=request.user, dial_request=dial_request)
    if request.htmx or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"result": result, "message": HANGUP_MESSAGES[result]})
    messages.info(request, HANGUP_MESSAGES[result])
    return redirect_back(request, "core:home")


@require_POST
def call_manual(request):
    """Log by hand a call made without the workstation agent (``tel:`` link, a desk phone)."""
    record = selectors.dialable_record(
        user=request.user,
        record_type=request.POST.get("record_type", ""),
        record_id=request.POST.get("record_id", ""),
    )
    phones = sorted(selectors.record_phones(record))
    form = manual_call_form(record, phones, data=request.POST)
    call = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_log_manual(
                user=request.user,
                record=record,
                phone=data["phone"],
                status=data["status"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                duration_seconds=data["duration_seconds"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not request.htmx:
        if call is None:
            problems = "; ".join(message for errors in form.errors.values() for message in errors)
            return _refused(request, f"La llamada no se registró: {problems}")
        messages.success(request, f"{call.label} registrada.")
        return redirect_back(request, _record_url(record))
    if call is None:
        context = {"manual_form": form, "next": request.POST.get("next", "")}
        return render(request, "dialer/partials/manual_call_form.html", context, status=400)
    context = {"manual_form": manual_call_form(record, phones), "logged": call, "next": request.POST.get("next", "")}
    response = render(request, "dialer/partials/manual_call_form.html", context)
    # The card attaches the call to its gestión form (the events socket also sends call.ended).
    response["HX-Trigger"] = json.dumps({"crm:call.logged": selectors.call_screen(call)})
    return response

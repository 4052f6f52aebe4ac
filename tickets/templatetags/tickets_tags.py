from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def business_duration(value: timedelta | None) -> str:
    """Working time as people say it: "45 min", "3 h", "27 h 20 min" (in working hours: a
    "day" would be ambiguous next to a 9-hour office day). The sign is the caller's to say."""
    if value is None:
        return ""
    minutes = int(abs(value).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        text = f"{hours} h {minutes} min"
    elif hours:
        text = f"{hours} h"
    else:
        text = f"{minutes} min"
    return text


ACTIONS = {
    "abierto": "Devolver a abierto",
    "en_progreso": "Empezar a trabajar",
    "en_espera": "Poner en espera",
    "resuelto": "Marcar resuelto",
    "cerrado": "Cerrar",
}
# (from, to) pairs whose button says something more precise than the target status.
SPECIAL = {
    ("en_espera", "en_progreso"): "Reanudar",
    ("resuelto", "en_progreso"): "Retomar",
}


@register.simple_tag
def transition_label(ticket, status: str, worker: bool) -> str:
    """The button that moves ``ticket`` to ``status`` (the requester's own two have their words)."""
    if ticket.status == "resuelto" and status == "abierto":
        return "Reabrir"
    if ticket.status == "resuelto" and status == "cerrado" and not worker:
        return "Confirmar solución"
    return SPECIAL.get((ticket.status, status), ACTIONS.get(status, status))

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


@register.filter
def status_action(status: str) -> str:
    """The button that moves a ticket to ``status``."""
    return ACTIONS.get(status, status)

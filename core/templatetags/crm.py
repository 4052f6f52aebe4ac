from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int:
    """A timedelta as whole minutes (e.g. the lockout's cool-off time)."""
    return int(value.total_seconds() // 60) if isinstance(value, timedelta) else 0


@register.filter
def history_action(record) -> str:
    """A django-simple-history record's action in Spanish."""
    from core.activity import HISTORY_TYPES

    return HISTORY_TYPES.get(getattr(record, "history_type", ""), "")

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int:
    """A timedelta as whole minutes (e.g. the lockout's cool-off time)."""
    return int(value.total_seconds() // 60) if isinstance(value, timedelta) else 0

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as a clock: ``m:ss`` under an hour, ``h:mm:ss`` from there (``—`` when unknown).
    static/js/dialer_metrics.js writes live figures the same way."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

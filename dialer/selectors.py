"""Reads of the dialer, already scoped to the user who asks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from core.models import Campaign, User
from core.periods import range_bounds
from dialer import call_flags
from dialer.choices import CallStatus
from dialer.models import CallLog, WorkstationToken

IN_PROGRESS = "IN_PROGRESS"  # the call log's filter for calls without an end yet
# Records the call button may name (``app_label.model``); each has ``phones`` rows with an
# ``e164``, a ``campaign`` and ``objects.visible_to``. A Telefónica client joins the list later.
DIALABLE_RECORDS = frozenset({"cartera.debtor"})
# A call still without an end this long after its start is not shown as running: its end was
# lost (a workstation gone for good), and a timer counting for hours would only mislead.
CURRENT_CALL_MAX_AGE = timedelta(hours=4)


def json_ready(data: dict) -> dict:
    """``data`` as JSON would give it back: times as ISO 8601 strings (UTC shown as ``Z``).
    Stored answers and fresh ones are then the same bytes."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# --- The record being called ----------------------------------------------------------------
# A record is dialable when it has ``phones`` (rows with an ``e164``) and, usually, a
# ``campaign``: a cartera Debtor today, a Telefónica client later, with no registry to keep.


def record_phones(record) -> set[str]:
    phones = getattr(record, "phones", None)
    if phones is None:
        return set()
    return set(phones.values_list("e164", flat=True))


def record_type_of(record) -> str:
    """How the call button names the record's type: ``app_label.model`` ("cartera.debtor")."""
    return f"{record._meta.app_label}.{record._meta.model_name}"


def record_campaign(record) -> Campaign | None:
    campaign = getattr(record, "campaign", None)
    return campaign if isinstance(campaign, Campaign) else None


# --- Workstations ---------------------------------------------------------------------------


def tokens_of(user: User) -> QuerySet[WorkstationToken]:
    """The user's own tokens (the profile page shows only one's own, admins included)."""
    return WorkstationToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def workstation_online(*, user: User, now: datetime | None = None) -> bool:
    """Did one of the user's workstations poll recently? If not, the card offers ``tel:``."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.DIALER_ONLINE_SECONDS)
    return WorkstationToken.objects.active().filter(user=user, last_seen_at__gte=since).exists()


def dialable_record(*, user: User, record_type: str, record_id: str):
    """The record ``user`` wants to call, named generically ("cartera.debtor", its id), through
    its ``visible_to``: 404 when the type is not dialable, or the record absent or not theirs."""
    from django.apps import apps
    from django.http import Http404

    from core.access import get_object_for_user

    if record_type not in DIALABLE_RECORDS:
        raise Http404("No encontrado.")
    return get_object_for_user(apps.get_model(record_type), user, pk=record_id)


# --- Calls ----------------------------------------------------------------------------------


def call_start_body(call: CallLog) -> dict:
    """The answer to a call's start: only what never changes, so a repeat gets the same body."""
    return json_ready(
        {
            "call_id": call.pk,
            "call_uuid": str(call.uuid),
            "started_at": call.started_at.astimezone(UTC),
            "dial_request_id": call.dial_request_id,
        }
    )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The CRM time zone's midnight of ``day`` and of the next day."""
    return range_bounds(day, day)


# Figures of a group of calls, as aggregates: ``calls.ended().aggregate(**CALL_FIGURES)`` or
# ``.values(...).annotate(**CALL_FIGURES)`` for one row per agent, campaign, team or day.
CALL_FIGURES = {
    "calls_made": Count("pk"),
    "answered": Count("pk", filter=Q(status=CallStatus.COMPLETED)),
    "failed": Count("pk", filter=Q(status=CallStatus.FAILED)),
    "not_answered": Count("pk", filter=Q(status__in=[CallStatus.NO_ANSWER, CallStatus.BUSY])),
    "dropped": Count("pk", filter=Q(status=CallStatus.DROPPED)),
    "total_talk_seconds": Sum("duration_seconds", filter=Q(status=CallStatus.COMPLETED)),
}
FIGURE_NAMES = tuple(CALL_FIGURES)


def derived_figures(figures: dict) -> dict:
    """``figures`` (the sums of CALL_FIGURES) with the average handle time and the success
    rate, both rounded half up in integer arithmetic (the pages' script computes them alike)."""
    made, answered = figures["calls_made"], figures["answered"]
    talk = figures["total_talk_seconds"] or 0
    return {
        **{name: figures[name] or 0 for name in FIGURE_NAMES},
        "total_talk_seconds": talk,
        "average_handle_seconds": (2 * talk + answered) // (2 * answered) if answered else 0,
        "success_rate": (2000 * answered + made) // (2 * made) / 10 if made else None,
    }


def call_metrics(calls: QuerySet[CallLog]) -> dict:
    """Figures over ended calls. Answered = COMPLETED; talk time and the average handle time
    (AHT) count answered calls only, so ringing that nobody picked up does not lower the AHT."""
    return derived_figures(calls.ended().aggregate(**CALL_FIGURES))


def agent_day_metrics(*, user: User, day: date) -> dict:
    """The agent's figures for the calls they started on ``day`` (CRM time zone)."""
    start, end = day_bounds(day)
    calls = CallLog.objects.filter(user=user, started_at__gte=start, started_at__lt=end)
    return {"date": day.isoformat(), **call_metrics(calls)}


def call_log(
    *,
    user: User,
    agent_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
) -> QuerySet[CallLog]:
    """The calls ``user`` may see (own, team's, campaigns', all), newest first, filtered."""
    calls = CallLog.objects.visible_to(user)
    if agent_id is not None:
        calls = calls.filter(user_id=agent_id)
    if date_from is not None:
        calls = calls.filter(started_at__gte=day_bounds(date_from)[0])
    if date_to is not None:
        calls = calls.filter(started_at__lt=day_bounds(date_to)[1])
    if status == IN_PROGRESS:
        calls = calls.in_progress()
    elif status:
        calls = calls.filter(status=status)
    return calls.select_related("user").order_by("-started_at", "-pk")


def in_progress_since(now: datetime | None = None) -> Q:
    """Calls that count as running now (no end yet, started within ``CURRENT_CALL_MAX_AGE``)."""
    now = now or timezone.now()
    return Q(status__isnull=True, started_at__gte=now - CURRENT_CALL_MAX_AGE)


def current_call(*, user: User, now: datetime | None = None) -> CallLog | None:
    """The user's call in progress, for the top bar's widget (the newest if there are several)."""
    if not (user and user.is_authenticated):
        return None
    return CallLog.objects.filter(in_progress_since(now), user=user).order_by("-started_at", "-pk").first()


def widget_call(*, user: User) -> CallLog | None:
    """``current_call`` for the widget drawn on every page: no query while the cache knows the
    user has no call running (dialer/call_flags.py says why that never hides a call)."""
    if not (user and user.is_authenticated):
        return None
    flag = call_flags.read(user.pk)
    if flag == call_flags.IDLE:
        return None
    call = current_call(user=user)
    if call is None and flag is None:
        call_flags.note_idle(user.pk)
    return call


def record_ref(call: CallLog) -> dict | None:
    """The record a call was made to, as the screens name it: ``{"type": "cartera.debtor", "id": "7"}``."""
    if not call.content_type_id:
        return None
    content_type = ContentType.objects.get_for_id(call.content_type_id)
    return {"type": f"{content_type.app_label}.{content_type.model}", "id": call.object_id}


def call_screen(call: CallLog) -> dict:
    """What a page needs to show a call and attach it to a gestión (the ``call.ended`` event)."""
    return {
        "call_id": call.pk,
        "user_id": call.user_id,
        "record": record_ref(call),
        "phone": call.phone,
        "status": call.status,
        "status_label": call.get_status_display() if call.status else "",
        "duration_seconds": call.duration_seconds,
        "label": call.label,
    }

"""Every write of the dialer: workstation tokens, dial requests, hang-ups and the call log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core.models import User
from core.phones import InvalidPhone, default_region, dial_string, normalize_phone
from core.queries import one_or_none
from core.realtime import notify_on_commit, team_group, user_group
from dialer import call_flags, token_cache
from dialer.choices import DIAL_REQUEST_FINAL, CallStatus, DialRequestStatus, Provider
from dialer.models import CallLog, DialRequest, WorkstationToken
from dialer.selectors import (
    CURRENT_CALL_MAX_AGE,
    agent_day_metrics,
    call_screen,
    call_start_body,
    json_ready,
    record_campaign,
    record_phones,
    record_ref,
    record_type_of,
)

TOKEN_SCHEME = "crea"
# last_seen_at is written at most this often per token: it answers "is the workstation connected",
# which needs seconds, not every request.
SEEN_EVERY = timedelta(seconds=15)
SQLITE_ATTEMPTS = 10
NOTES_MAX = CallLog._meta.get_field("notes").max_length
# What duration_seconds holds (a 32-bit integer, about 68 years): the API takes times from 2000
# to 2099, so a start and an end it accepts one by one can still be too far apart.
MAX_DURATION_SECONDS = 2**31 - 1
# A call's relations come from rows read in the same transaction (the token's user and token, the
# dial request with its campaign and record type): full_clean would only query that each exists,
# five queries a start and five an end, at 50 calls a second.
LOADED_RELATIONS = ["user", "token", "dial_request", "campaign", "content_type"]


class NotFound(Exception):
    """The thing named does not exist for this user (the API answers 404, never saying which)."""


def dialer_group(user_id: int) -> str:
    """Wakes this user's waiting long-polls; only the machine API listens to it."""
    return f"dialer.{user_id}"


def _wake(user_id: int, reason: str) -> None:
    # The user in the payload too: one receiver per server process serves every waiting poll.
    notify_on_commit(dialer_group(user_id), "dialer.wake", {"reason": reason, "user_id": user_id})


# --- Workstation tokens ---------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: WorkstationToken
    secret: str  # shown to the user once; only its hash is stored


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> IssuedToken:
    """A new token for one of ``user``'s workstations; the secret is in the answer and nowhere else."""
    for _ in range(5):
        prefix = secrets.token_hex(4)
        if not WorkstationToken.objects.filter(prefix=prefix).exists():
            break
    else:  # 2**32 prefixes: five collisions in a row means something else is wrong
        raise ValidationError("No se pudo generar un token; inténtalo de nuevo.")
    secret = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = WorkstationToken(user=user, name=name.strip(), prefix=prefix, token_hash=_token_hash(secret))
    token.full_clean()
    token.save()
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: WorkstationToken, now: datetime | None = None) -> WorkstationToken:
    """Revoke for good: the next request with it gets 401 and the workstation agent stops."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.full_clean()
        token.save(update_fields=["revoked_at"])
    return token


# The last-seen time this process wrote, per token: the token itself comes from the cache, where
# its last_seen_at is as old as the entry.
_seen_written: dict[tuple[int, str], datetime] = {}


def token_touch(*, token: WorkstationToken, now: datetime | None = None) -> None:
    """Note that the workstation is connected (written at most every SEEN_EVERY per process)."""
    now = now or timezone.now()
    key = (token.pk, token.prefix)
    seen = max((t for t in (token.last_seen_at, _seen_written.get(key)) if t is not None), default=None)
    if seen is None or seen <= now - SEEN_EVERY:
        WorkstationToken.objects.filter(pk=token.pk).update(last_seen_at=now)
        _seen_written[key] = now
        seen = now
    token.last_seen_at = seen


@dataclass(frozen=True)
class TokenCredentials:
    prefix: str  # finds the token
    digest: str  # SHA-256 of the whole secret: what is stored


def token_credentials(secret: str | None) -> TokenCredentials | None:
    """What a presented secret claims to be, or None when it cannot be one of ours."""
    secret = (secret or "").strip()
    scheme, _, rest = secret.partition("_")
    prefix, _, _ = rest.partition("_")
    if scheme != TOKEN_SCHEME or not prefix or len(prefix) > 16:
        return None
    return TokenCredentials(prefix=prefix, digest=_token_hash(secret))


def token_authenticate(*, secret: str, now: datetime | None = None) -> WorkstationToken | None:
    """The active token whose secret this is (with its user), or None; marks it seen."""
    credentials = token_credentials(secret)
    if credentials is None:
        return None
    return token_verify(credentials=credentials, token=token_cache.get(credentials.prefix), now=now)


def token_verify(
    *, credentials: TokenCredentials, token: WorkstationToken | None, now: datetime | None = None
) -> WorkstationToken | None:
    """``token`` (the one with the credentials' prefix, as read by the caller) when it is active
    and the secret matches its hash, marked seen; otherwise None."""
    if token is None or token.prefix != credentials.prefix or token.revoked_at is not None:
        return None
    if not token.user.is_active or not hmac.compare_digest(token.token_hash, credentials.digest):
        return None
    token_touch(token=token, now=now)
    return token


# --- Dial requests --------------------------------------------------------------------------


@transaction.atomic
def dial_request_create(*, user: User, record, phone: str) -> DialRequest:
    """Ask ``user``'s workstation to call ``phone`` of ``record`` (a debtor today).

    Made whether or not a workstation is connected: the card then offers a ``tel:`` link too
    (``selectors.workstation_online``), and a request nobody takes expires. The newest request
    wins: the user's requests still in the queue are cancelled.
    """
    campaign = record_campaign(record)
    region = campaign.country if campaign else default_region()
    try:
        e164 = normalize_phone(phone, region)
    except InvalidPhone as exc:
        raise ValidationError({"phone": str(exc)}) from exc
    if e164 not in record_phones(record):
        raise ValidationError({"phone": "Ese teléfono no es de este registro."})
    if not type(record).objects.visible_to(user).filter(pk=record.pk).exists():
        raise ValidationError("No puedes llamar a este registro.")
    digits = dial_string(e164, region=region, prefix=settings.DIALER_OUTSIDE_LINE_PREFIX)
    DialRequest.objects.filter(user=user, status=DialRequestStatus.QUEUED).update(
        status=DialRequestStatus.CANCELLED, updated_at=timezone.now()
    )
    request = DialRequest(
        user=user,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        campaign=campaign,
        phone=e164,
        dial_string=digits,
    )
    # The user, the record's type and campaign are rows just read: no query that they exist.
    request.full_clean(exclude=["user", "content_type", "campaign"])
    request.save()
    _wake(user.pk, "dial")
    # The top bar's widget shows "Marcando…" until the call's start arrives (or the request lapses).
    notify_on_commit(
        user_group(user.pk),
        "dial.requested",
        {
            "dial_request_id": request.pk,
            "phone": request.phone,
            "user_id": user.pk,
            "record": {"type": record_type_of(record), "id": str(record.pk)},
            "ttl_seconds": settings.DIALER_REQUEST_TTL_SECONDS,
        },
    )
    return request


def dial_requests_expire(*, user_id: int, now: datetime | None = None) -> int:
    """Requests no workstation took, or took but never started, within the TTL are expired.
    Run on read (each long-poll check); the claim ignores stale ones by itself anyway."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DIALER_REQUEST_TTL_SECONDS)
    stale = Q(status=DialRequestStatus.QUEUED, created_at__lt=cutoff) | Q(
        status=DialRequestStatus.SENT, sent_at__lt=cutoff
    )
    return DialRequest.objects.filter(stale, user_id=user_id).update(status=DialRequestStatus.EXPIRED, updated_at=now)


def _claim_hangup(token: WorkstationToken, now: datetime) -> dict | None:
    mine = Q(token=token) | Q(token__isnull=True)
    pending = {"user_id": token.user_id, "hangup_requested_at__isnull": False, "hangup_sent_at__isnull": True}
    for kind, model in (("call", CallLog), ("request", DialRequest)):
        for pk, ref in (
            model.objects.filter(mine, **pending)
            .order_by("hangup_requested_at")
            .values_list("pk", "uuid" if kind == "call" else "pk")[:5]
        ):
            message = _claim_hangup_row(kind, pk, str(ref), now)
            if message:
                return message
    return None


def _claimable(token: WorkstationToken, now: datetime):
    cutoff = now - timedelta(seconds=settings.DIALER_REQUEST_TTL_SECONDS)
    return DialRequest.objects.filter(
        user_id=token.user_id, status=DialRequestStatus.QUEUED, created_at__gte=cutoff
    ).order_by("created_at", "pk")


_DIAL_TABLE = DialRequest._meta.db_table
_CALL_TABLE = CallLog._meta.db_table
_PICK_QUEUED = f"""
    SELECT id FROM {_DIAL_TABLE}
    WHERE user_id = %(user)s AND status = %(queued)s AND created_at >= %(cutoff)s
    ORDER BY created_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
"""  # noqa: S608 (table names are the models'; every value is a parameter)
_CLAIM_DIAL_SQL = f"""
UPDATE {_DIAL_TABLE} SET status = %(sent)s, sent_at = %(now)s, token_id = %(token)s, updated_at = %(now)s
WHERE id = ({_PICK_QUEUED})
RETURNING 'dial', id, NULL, phone, dial_string, created_at
"""  # noqa: S608
_PENDING_HANGUP = """
    WHERE user_id = %(user)s AND hangup_requested_at IS NOT NULL AND hangup_sent_at IS NULL
      AND (token_id = %(token)s OR token_id IS NULL)
    ORDER BY hangup_requested_at
    LIMIT 5
"""
# One look of a waiting poll in one statement, where the ORM takes five: expire this user's
# stale requests, list the hang-ups waiting for this workstation (calls' first), and — only when
# there is none — claim the oldest queued dial request. Every long-poll look runs it, a hundred
# and more a second with 500 workstations (docs/benchmarks.md, the dialer). The expired and the
# claimed requests are never the same rows (older and newer than the cutoff).
_LOOK_SQL = f"""
WITH expired AS (
    UPDATE {_DIAL_TABLE} SET status = %(expired)s, updated_at = %(now)s
    WHERE user_id = %(user)s AND (
        (status = %(queued)s AND created_at < %(cutoff)s) OR (status = %(sent)s AND sent_at < %(cutoff)s)
    )
    RETURNING id
), hangups AS (
    (SELECT 1 AS rank, id, uuid::text AS ref FROM {_CALL_TABLE} {_PENDING_HANGUP})
    UNION ALL
    (SELECT 2, id, NULL FROM {_DIAL_TABLE} {_PENDING_HANGUP})
), claimed AS (
    UPDATE {_DIAL_TABLE} SET status = %(sent)s, sent_at = %(now)s, token_id = %(token)s, updated_at = %(now)s
    WHERE id = ({_PICK_QUEUED}) AND NOT EXISTS (SELECT 1 FROM hangups)
    RETURNING id, phone, dial_string, created_at
)
SELECT * FROM (
    SELECT CASE rank WHEN 1 THEN 'call' ELSE 'request' END, id, ref, NULL, NULL, NULL::timestamptz
    FROM hangups ORDER BY rank
) AS waiting
UNION ALL
SELECT 'dial', id, NULL, phone, dial_string, created_at FROM claimed
"""  # noqa: S608


def _look_params(token: WorkstationToken, now: datetime) -> dict:
    return {
        "user": token.user_id,
        "token": token.pk,
        "now": now,
        "cutoff": now - timedelta(seconds=settings.DIALER_REQUEST_TTL_SECONDS),
        "queued": DialRequestStatus.QUEUED,
        "sent": DialRequestStatus.SENT,
        "expired": DialRequestStatus.EXPIRED,
    }


def _claim_hangup_row(kind: str, pk: int, ref: str | None, now: datetime) -> dict | None:
    model = CallLog if kind == "call" else DialRequest
    if not model.objects.filter(pk=pk, hangup_sent_at__isnull=True).update(hangup_sent_at=now):
        return None  # another poll of this user sent it
    if kind == "call":
        return {"action": "hangup", "call_uuid": ref}
    return {"action": "hangup", "dial_request_id": pk}


def _dial_message(pk: int, phone: str, dial_string: str, created_at: datetime) -> dict:
    return {"action": "dial", "id": pk, "phone": phone, "dial_string": dial_string, "created_at": created_at}


def _dial_columns(row: tuple) -> tuple:
    _, pk, _, phone, dial_string, created_at = row
    return pk, phone, dial_string, created_at


def _look_postgresql(token: WorkstationToken, now: datetime) -> dict | None:
    params = _look_params(token, now)
    with connection.cursor() as cursor:
        cursor.execute(_LOOK_SQL, params)
        rows = cursor.fetchall()
        if rows and rows[-1][0] == "dial":
            return _dial_message(*_dial_columns(rows[-1]))
        for kind, pk, ref, *_ in rows:
            message = _claim_hangup_row(kind, pk, ref, now)
            if message:
                return message
        if not rows:
            return None
        # Every hang-up listed was taken by another poll meanwhile: a dial request may still wait.
        cursor.execute(_CLAIM_DIAL_SQL, params)
        row = cursor.fetchone()
    return _dial_message(*_dial_columns(row)) if row else None


def _claim_dial(token: WorkstationToken, now: datetime) -> DialRequest | None:
    """queued → sent for exactly one poll, even with two workstations on one user."""
    sent = {"status": DialRequestStatus.SENT, "sent_at": now, "token": token, "updated_at": now}
    skipped: list[int] = []
    for _ in range(SQLITE_ATTEMPTS):
        request = _claimable(token, now).exclude(pk__in=skipped).first()
        if request is None:
            return None
        if DialRequest.objects.filter(pk=request.pk, status=DialRequestStatus.QUEUED).update(**sent):
            break
        skipped.append(request.pk)  # another poll took it between our read and our write
    else:
        return None
    for field, value in sent.items():
        setattr(request, field, value)
    return request


def dial_request_next(*, token: WorkstationToken, now: datetime | None = None) -> dict | None:
    """One look for this workstation's next message: a pending hang-up first, then the oldest
    queued dial request, claimed. None when there is nothing (the long-poll waits and looks again)."""
    now = now or timezone.now()
    token_touch(token=token, now=now)
    if connection.vendor == "postgresql":
        return _look_postgresql(token, now)
    dial_requests_expire(user_id=token.user_id, now=now)
    message = _claim_hangup(token, now)
    if message:
        return message
    request = _claim_dial(token, now)
    if request is None:
        return None
    return _dial_message(request.pk, request.phone, request.dial_string, request.created_at)


@transaction.atomic
def hangup_request(
    *, user: User, call: CallLog | None = None, dial_request: DialRequest | None = None, now: datetime | None = None
) -> str:
    """ "Colgar" from the CRM. Answers what was done: ``cancelled`` (the request had not left the
    queue), ``requested`` (the workstation gets a hang-up on its next poll) or ``nothing``."""
    now = now or timezone.now()
    if (call is None) == (dial_request is None):
        raise ValueError("name a call or a dial request")
    owner = (call or dial_request).user_id
    if owner != user.pk:
        raise ValidationError("Solo quien hace la llamada puede colgarla.")
    if dial_request is not None:
        cancelled = DialRequest.objects.filter(pk=dial_request.pk, status=DialRequestStatus.QUEUED).update(
            status=DialRequestStatus.CANCELLED, updated_at=now
        )
        if cancelled:
            notify_on_commit(
                user_group(user.pk), "dial.cancelled", {"dial_request_id": dial_request.pk, "user_id": user.pk}
            )
            return "cancelled"
        dial_request.refresh_from_db()
        call = dial_request.calls.in_progress().order_by("-started_at").first()
        if call is None:
            if dial_request.status != DialRequestStatus.SENT:
                return "nothing"
            DialRequest.objects.filter(pk=dial_request.pk).update(
                hangup_requested_at=now, hangup_sent_at=None, updated_at=now
            )
            _wake(user.pk, "hangup")
            return "requested"
    if call.status is not None:
        return "nothing"
    # Asking again re-sends it: a hang-up lost with a dropped poll is not lost for good.
    CallLog.objects.filter(pk=call.pk).update(hangup_requested_at=now, hangup_sent_at=None, updated_at=now)
    _wake(user.pk, "hangup")
    return "requested"


# --- The call log ---------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    # The workstation sends UTC with an offset; a time without one is taken as UTC too.
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def _call_phone(phone: str, region: str) -> str:
    """E.164 when the number is valid. Otherwise what the workstation sent: a call that happened
    (an internal extension dialled by hand) is still recorded, never refused for its number."""
    phone = _text(phone)
    try:
        return normalize_phone(phone, region)
    except InvalidPhone:
        return phone.strip()[: CallLog._meta.get_field("phone").max_length]


def _text(value: str | None) -> str:
    # NUL cannot be stored in a PostgreSQL text column; nobody types it on purpose.
    return (value or "").replace("\x00", "")


@transaction.atomic
def call_start(
    *,
    user: User,
    call_uuid: uuid.UUID,
    phone: str,
    started_at: datetime,
    dial_request_id: int | None = None,
    provider: str | None = None,
    token: WorkstationToken | None = None,
) -> tuple[CallLog, bool]:
    """Record a call's start; ``(call, created)``. The same UUID again returns the call as
    first recorded (idempotent); another user's UUID or dial request is ``NotFound``."""
    existing = one_or_none(CallLog.objects.filter(uuid=call_uuid))
    if existing is not None:
        if existing.user_id != user.pk:
            raise NotFound("call not found")
        return existing, False
    dial_request = None
    if dial_request_id is not None:
        mine = DialRequest.objects.select_for_update(of=("self",)).select_related("campaign")
        dial_request = one_or_none(mine.filter(pk=dial_request_id, user=user))
        if dial_request is None:
            raise NotFound("dial request not found")
    campaign = dial_request.campaign if dial_request else None
    call = CallLog(
        uuid=call_uuid,
        user=user,
        token=token,
        dial_request=dial_request,
        campaign=campaign,
        content_type_id=dial_request.content_type_id if dial_request else None,
        object_id=dial_request.object_id if dial_request else "",
        phone=_call_phone(phone, campaign.country if campaign else default_region()),
        started_at=_aware(started_at),
        provider=provider if provider in Provider.values else Provider.OTHER,
    )
    call.full_clean(validate_unique=False, exclude=LOADED_RELATIONS)
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        # The same start arrived twice at once (a retry racing the original): the first one won.
        existing = CallLog.objects.get(uuid=call_uuid)
        if existing.user_id != user.pk:
            raise NotFound("call not found") from None
        return existing, False
    if dial_request is not None and dial_request.status not in DIAL_REQUEST_FINAL:
        DialRequest.objects.filter(pk=dial_request.pk).update(
            status=DialRequestStatus.DIALLING, updated_at=call.created_at
        )
    # The top bar's widget reads the call log again on the user's next page.
    call_flags.running_on_commit(user.pk, running_until=call.started_at + CURRENT_CALL_MAX_AGE)
    payload = {**call_start_body(call), "phone": call.phone, "user_id": user.pk, "record": record_ref(call)}
    notify_on_commit(user_group(user.pk), "call.started", payload)
    if user.supervisor_id:
        notify_on_commit(team_group(user.supervisor_id), "call.started", payload)
    return call, True


def _duration_seconds(started_at: datetime, ended_at: datetime) -> int:
    """Whole seconds, to the nearest (half a second up)."""
    return int((ended_at - started_at).total_seconds() + 0.5)


@transaction.atomic
def call_end(
    *,
    user: User,
    call_uuid: uuid.UUID,
    status: str,
    ended_at: datetime,
    notes: str = "",
    cost: Decimal | None = None,
    recording_url: str = "",
) -> dict:
    """Record a call's end and answer its duration and the agent's figures for the day.

    Repeating it returns the first answer and changes nothing. Unknown or another user's
    call: ``NotFound``; an end before the start: ``ValidationError``.
    """
    call = one_or_none(CallLog.objects.select_for_update().filter(uuid=call_uuid))
    if call is None or call.user_id != user.pk:
        raise NotFound("call not found")
    if call.end_response is not None:
        return call.end_response
    ended_at = _aware(ended_at)
    if ended_at < call.started_at:
        raise ValidationError(
            f"ended_at ({ended_at.isoformat()}) is before the call's started_at ({call.started_at.isoformat()})"
        )
    if _duration_seconds(call.started_at, ended_at) > MAX_DURATION_SECONDS:
        raise ValidationError(
            f"ended_at ({ended_at.isoformat()}) is more than {MAX_DURATION_SECONDS // (365 * 86400)} years after "
            f"the call's started_at ({call.started_at.isoformat()})"
        )
    now = timezone.now()
    call.ended_at = ended_at
    call.status = status
    call.duration_seconds = _duration_seconds(call.started_at, ended_at)
    call.notes = _text(notes)[:NOTES_MAX]
    call.cost = cost
    call.recording_url = recording_url or ""
    if call.hangup_requested_at and not call.hangup_sent_at:
        call.hangup_sent_at = now  # the call is over: nothing is left to hang up
    call.full_clean(validate_unique=False, exclude=LOADED_RELATIONS)
    call.save()
    response = _settle(call=call, user=user)
    if call.dial_request_id:
        final = DialRequestStatus.FAILED if status == CallStatus.FAILED else DialRequestStatus.ENDED
        # A hang-up still waiting for this request is moot now that its call is over.
        moot = Q(hangup_requested_at__isnull=False, hangup_sent_at__isnull=True)
        DialRequest.objects.filter(pk=call.dial_request_id).update(
            status=final, updated_at=now, hangup_sent_at=Case(When(moot, then=Value(now)), default=F("hangup_sent_at"))
        )
    call_flags.ended_on_commit(user.pk)
    _announce_end(call=call, user=user, response=response)
    return response


def _settle(*, call: CallLog, user: User) -> dict:
    """Store and return the answer to the call's end: its duration and the day's figures."""
    day = timezone.localdate(call.started_at)
    response = {
        "call_id": call.pk,
        "call_uuid": str(call.uuid),
        "status": call.status,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        "duration_seconds": call.duration_seconds,
        "today": agent_day_metrics(user=user, day=day),
    }
    response = json_ready(response)
    CallLog.objects.filter(pk=call.pk).update(end_response=response)
    call.end_response = response
    return response


def _announce_end(*, call: CallLog, user: User, response: dict) -> None:
    # The screen also gets what the card needs to attach the call to the gestión form.
    notify_on_commit(user_group(user.pk), "call.ended", {**response, **call_screen(call)})
    if user.supervisor_id:
        notify_on_commit(
            team_group(user.supervisor_id),
            "dialer.metrics",
            {"user_id": user.pk, "username": user.username, "call_id": call.pk, **response["today"]},
        )


# Longest call a person may log by hand; anything longer is a typing mistake.
MANUAL_MAX_SECONDS = 8 * 3600
# A manual call may start a little "in the future": the agent's clock and the server's differ.
MANUAL_CLOCK_SLACK = timedelta(minutes=2)


@transaction.atomic
def call_log_manual(
    *,
    user: User,
    record,
    phone: str,
    status: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    duration_seconds: int | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> CallLog:
    """A call made without the workstation agent (the ``tel:`` link, a desk phone), logged by the
    person who made it: start and end, or start and duration; the server computes the duration."""
    now = now or timezone.now()
    campaign = record_campaign(record)
    region = campaign.country if campaign else default_region()
    errors: dict[str, str] = {}
    try:
        e164 = normalize_phone(phone, region)
    except InvalidPhone as exc:
        raise ValidationError({"phone": str(exc)}) from exc
    if e164 not in record_phones(record):
        errors["phone"] = "Ese teléfono no es de este registro."
    if status not in CallStatus.values:
        errors["status"] = "Elige el resultado de la llamada."
    started_at = _aware(started_at)
    # The end's mistakes are told on the field the person filled in.
    end_field = "duration_seconds" if ended_at is None else "ended_at"
    if (ended_at is None) == (duration_seconds is None):
        errors["ended_at"] = "Indica la hora de fin o la duración (una de las dos)."
        ended_at = None
    elif ended_at is None:
        if duration_seconds < 0:
            errors[end_field] = "La duración no puede ser negativa."
        else:
            ended_at = started_at + timedelta(seconds=duration_seconds)
    else:
        ended_at = _aware(ended_at)
    if started_at > now + MANUAL_CLOCK_SLACK:
        errors["started_at"] = "La llamada no puede empezar en el futuro."
    if ended_at is not None and end_field not in errors:
        if ended_at < started_at:
            errors[end_field] = "El fin es anterior al inicio."
        elif (ended_at - started_at).total_seconds() > MANUAL_MAX_SECONDS:
            errors[end_field] = f"Una llamada no dura más de {MANUAL_MAX_SECONDS // 3600} horas."
        elif ended_at > now + MANUAL_CLOCK_SLACK:
            errors[end_field] = "La llamada no puede terminar en el futuro."
    if errors:
        raise ValidationError(errors)
    if not type(record).objects.visible_to(user).filter(pk=record.pk).exists():
        raise ValidationError("No puedes registrar llamadas de este registro.")
    call = CallLog(
        uuid=uuid.uuid4(),
        user=user,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        campaign=campaign,
        phone=e164,
        provider=Provider.MANUAL,
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=_duration_seconds(started_at, ended_at),
        status=status,
        notes=_text(notes)[:NOTES_MAX],
    )
    call.full_clean()
    call.save()
    response = _settle(call=call, user=user)
    _announce_end(call=call, user=user, response=response)
    return call

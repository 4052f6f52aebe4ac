"""The machine API the workstations' dialer agents speak (contract: docs/dialer_agent.md).

Every answer that is not 2xx is JSON with a ``detail`` and is permanent for the agent (it drops
the event), except 401/403 (the agent stops), 429 (it waits ``Retry-After``) and 5xx (it
retries). So a temporary problem must never be answered with a JSON 4xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from dialer import selectors, services
from dialer.auth import workstation_auth
from dialer.choices import CallStatus
from dialer.models import WorkstationToken
from dialer.wakeups import wakeups

MAX_WAIT = 60
MAX_PAGE_SIZE = 1000
MAX_ID = 2**63 - 1  # the database's integer: larger ids are refused before they reach a query

# Times and days outside these bounds are typing mistakes (or fuzzing), and near the ends of the
# calendar converting them to UTC would overflow: they are refused with 422 instead.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _moment_in_range(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the workstation sends UTC; a time without an offset is taken as UTC
    if not (EARLIEST.year <= value.year <= LATEST.year - 1):
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year - 1}")
    # In UTC from here on: ISO 8601 allows offsets up to ±23:59, PostgreSQL takes ±15:59.
    return value.astimezone(UTC)


# JSON Schema has no bounds for dates, so the schema states the years as a pattern: a client
# (or schemathesis) that follows the schema then never sends a time the API refuses.
Moment = Annotated[datetime, AfterValidator(_moment_in_range), Field(json_schema_extra={"pattern": r"^20[0-9]{2}-"})]
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST, json_schema_extra={"pattern": r"^(20[0-9]{2}|2100)-"})]

MAX_COST = 999_999.9999  # the column: 10 digits, 4 of them decimals
COST_PLACES = Decimal("0.0001")


def _cost(value: float | None) -> Decimal | None:
    """A number as sent (any decimals: 0.1 is a float on the wire), kept to 4 decimals."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def releasing_connection(view):
    """Give the database connection back (to the pool) as soon as the operation is done, not
    when the response has gone out: under ASGI the rest of the request hops between threads and
    the event loop, and with hundreds of requests a second the pool ran dry on connections
    held by finished work (bench/bench_dialer.py)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:
                close_old_connections()

    return wrapper


dialer_router = Router(tags=["dialer"], auth=workstation_auth)
calls_router = Router(tags=["calls"], auth=workstation_auth)


class Error(Schema):
    detail: str | list


# --- /api/dialer ----------------------------------------------------------------------------


class PingOut(Schema):
    ok: bool
    user: str
    username: str
    workstation: str
    token_name: str
    server_time: datetime


@dialer_router.get("/ping", response={200: PingOut, 401: Error, 429: Error}, summary="Check the token")
@releasing_connection
def ping(request):
    """No side effect but marking the workstation seen: `python -m dialer_agent --check` uses it."""
    token: WorkstationToken = request.auth
    return {
        "ok": True,
        "user": str(token.user),
        "username": token.user.username,
        "workstation": token.user.workstation or token.name,
        "token_name": f"{token.name} ({token.display_prefix})",
        "server_time": timezone.now(),
    }


class NextOut(Schema):
    action: Literal["dial", "hangup"]
    id: int | None = Field(None, description="dial: the dial request")
    phone: str | None = Field(None, description="dial: the number in E.164")
    dial_string: str | None = Field(None, description="dial: the digits to dial (national, with the prefix)")
    created_at: datetime | None = None
    call_uuid: str | None = Field(None, description="hangup: the call to hang up")
    dial_request_id: int | None = Field(None, description="hangup: the request, before its call started")


def _check_once(token: WorkstationToken) -> dict | None:
    try:
        return services.dial_request_next(token=token)
    finally:
        # A waiting poll holds no database connection between its looks: hundreds of
        # workstations wait at once, and PostgreSQL has far fewer connections to give.
        if not connection.in_atomic_block:
            close_old_connections()


async def wait_for_message(token: WorkstationToken, wait: float) -> dict | None:
    """Look for a message now and whenever this user's group is woken (a new dial request, a
    hang-up), re-checking every DIALER_POLL_RECHECK_SECONDS in case a wake-up was missed (the
    request was made by another process without a shared channel layer). None after ``wait``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    subscription = wakeups.waiting(token.user_id) if wait > 0 else contextlib.nullcontext()
    # Subscribed before the first look: a request made in between still wakes us.
    async with subscription as woken:
        while True:
            if woken is not None:
                woken.clear()  # before the look: a wake-up during it is kept for the wait
            message = await sync_to_async(_check_once)(token)
            remaining = deadline - loop.time()
            if message is not None or remaining <= 0:
                return message
            pause = min(remaining, settings.DIALER_POLL_RECHECK_SECONDS)
            if woken is None:
                await asyncio.sleep(pause)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), pause)


@dialer_router.get(
    "/next",
    response={200: NextOut, 204: None, 401: Error, 422: Error, 429: Error},
    exclude_none=True,
    summary="Long-poll for the next dial or hang-up request",
)
async def next_request(request, wait: int = Query(25, ge=0, le=MAX_WAIT, description="seconds to wait (0–60)")):
    """200 with one request (`action` dial or hangup), or 204 when none came within `wait` seconds."""
    message = await wait_for_message(request.auth, wait)
    if message is None:
        return Status(204, None)
    return Status(200, message)


# --- /api/calls -----------------------------------------------------------------------------


class CallStartIn(Schema):
    call_uuid: uuid.UUID
    dial_request_id: int | None = Field(None, ge=1, le=MAX_ID, description="absent for a call dialled by hand")
    phone: str = Field(..., min_length=1, max_length=64)
    started_at: Moment = Field(..., description="ISO 8601; without an offset it is taken as UTC")
    provider: str | None = Field(None, max_length=40, description="the driver: interphone, command, tel, log…")


class CallStartOut(Schema):
    call_id: int
    call_uuid: str
    started_at: datetime
    dial_request_id: int | None


@calls_router.post(
    "/start",
    response={200: CallStartOut, 201: CallStartOut, 400: Error, 401: Error, 404: Error, 422: Error, 429: Error},
    summary="Report a call's start (idempotent by call_uuid)",
)
@releasing_connection
def call_start(request, payload: CallStartIn):
    """201 the first time; the same `call_uuid` again → 200 with the same body. Another user's
    call or dial request → 404."""
    call, created = services.call_start(user=request.auth.user, token=request.auth, **payload.dict())
    return Status(201 if created else 200, selectors.call_start_body(call))


class CallEndIn(Schema):
    call_uuid: uuid.UUID
    status: CallStatus
    ended_at: Moment = Field(..., description="ISO 8601; without an offset it is taken as UTC")
    notes: str = Field("", max_length=10_000, description="kept up to 2,000 characters")
    cost: float | None = Field(
        None, ge=0, le=MAX_COST, strict=True, allow_inf_nan=False, description="a number; kept to 4 decimals"
    )
    recording_url: str = Field("", max_length=500)


class DayFigures(Schema):
    date: date
    calls_made: int
    answered: int
    failed: int
    not_answered: int
    dropped: int
    total_talk_seconds: int
    average_handle_seconds: int
    success_rate: float | None


class CallEndOut(Schema):
    call_id: int
    call_uuid: str
    status: CallStatus
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    today: DayFigures


@calls_router.post(
    "/end",
    response={200: CallEndOut, 400: Error, 401: Error, 404: Error, 422: Error, 429: Error},
    summary="Report a call's end (idempotent by call_uuid)",
)
@releasing_connection
def call_end(request, payload: CallEndIn):
    """200 with the duration and the agent's figures for the day of the call; a repeat gets the
    same answer and changes nothing. An end before the start → 400; unknown or another user's
    call → 404."""
    data = payload.dict()
    data["recording_url"] = data["recording_url"] or ""
    data["cost"] = _cost(data["cost"])
    return Status(200, services.call_end(user=request.auth.user, **data))


class CallLogFilters(Schema):
    user: int | None = Field(None, ge=1, le=MAX_ID, description="only this user's calls")
    date_from: Day | None = Field(None, description="first day (CRM time zone), inclusive")
    date_to: Day | None = Field(None, description="last day (CRM time zone), inclusive")
    status: Literal["COMPLETED", "NO_ANSWER", "BUSY", "FAILED", "DROPPED", "IN_PROGRESS"] | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(100, ge=1, le=MAX_PAGE_SIZE)


class CallLogRow(Schema):
    id: int
    call_uuid: str
    user_id: int
    username: str
    phone: str
    campaign_id: int | None
    dial_request_id: int | None
    record_type_id: int | None
    record_id: str
    provider: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    status: str | None
    notes: str
    cost: Decimal | None
    recording_url: str


class CallLogPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[CallLogRow]


@calls_router.get(
    "/log", response={200: CallLogPage, 400: Error, 401: Error, 422: Error, 429: Error}, summary="The call log"
)
@releasing_connection
def call_log(request, filters: Query[CallLogFilters]):
    """Newest first. Agents get their own calls, supervisors their team's, backoffice and quality
    their campaigns', admins all."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        return Status(400, {"detail": "date_from is after date_to"})
    calls = selectors.call_log(
        user=request.auth.user,
        agent_id=filters.user,
        date_from=filters.date_from,
        date_to=filters.date_to,
        status=filters.status,
    )
    count = calls.count()
    offset = (filters.page - 1) * filters.page_size
    rows = [
        {
            "id": call.pk,
            "call_uuid": str(call.uuid),
            "user_id": call.user_id,
            "username": call.user.username,
            "phone": call.phone,
            "campaign_id": call.campaign_id,
            "dial_request_id": call.dial_request_id,
            "record_type_id": call.content_type_id,
            "record_id": call.object_id,
            "provider": call.provider,
            "started_at": call.started_at,
            "ended_at": call.ended_at,
            "duration_seconds": call.duration_seconds,
            "status": call.status,
            "notes": call.notes,
            "cost": call.cost,
            "recording_url": call.recording_url,
        }
        for call in calls[offset : offset + filters.page_size]
    ]
    pages = math.ceil(count / filters.page_size) if count else 0
    page = {"count": count, "page": filters.page, "page_size": filters.page_size, "pages": pages, "results": rows}
    return Status(200, page)

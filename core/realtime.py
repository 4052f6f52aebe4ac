"""The one way events reach screens (ARCHITECTURE.md §6)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

# Every consumer handles this one channel-layer message type and forwards ``event`` to the page.
MESSAGE_TYPE = "crm.event"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_group(supervisor_id: int) -> str:
    return f"team.{supervisor_id}"


def campaign_group(campaign_id: int) -> str:
    return f"campaign.{campaign_id}"


def _json_safe(payload: dict) -> dict:
    import json

    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def send_now(group: str, event_type: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group, {"type": MESSAGE_TYPE, "event": event_type, "payload": _json_safe(payload)}
        )
    except Exception:  # a realtime hiccup must never break the write that caused it
        logger.exception("realtime: could not send %s to %s", event_type, group)


def notify_on_commit(group: str, event_type: str, payload: dict) -> None:
    """Send ``event_type`` with ``payload`` to ``group`` once the current transaction commits.

    A rolled-back write never reaches a screen; outside a transaction it is sent at once.
    """
    transaction.on_commit(lambda: send_now(group, event_type, payload))

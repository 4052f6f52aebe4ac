"""Calls with known durations and results, and their figures worked out by hand.

Costa Rica is UTC-6 all year: 2026-03-02 09:00 CR is 15:00 UTC. Every call is recorded through
the services (start, then end), as the workstation would; the campaign, which the services take
from a dial request, is set afterwards.
"""

import uuid
from datetime import UTC, date, datetime, timedelta

from dialer import services
from dialer.models import CallLog

DAY = date(2026, 3, 2)  # a Monday
PREVIOUS_DAY = date(2026, 3, 1)
NEXT_DAY = date(2026, 3, 3)
NOW = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # 16:00 in Costa Rica, on DAY


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Costa Rica wall-clock time as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC) + timedelta(hours=6)


def make_call(user, started_at, seconds=None, status="COMPLETED", campaign=None, notes="") -> CallLog:
    call, _ = services.call_start(user=user, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=started_at)
    if seconds is not None:
        services.call_end(
            user=user,
            call_uuid=call.uuid,
            status=status,
            ended_at=started_at + timedelta(seconds=seconds),
            notes=notes,
        )
    if campaign is not None:
        CallLog.objects.filter(pk=call.pk).update(campaign=campaign)
    call.refresh_from_db()
    return call


def make_calls(users, campaign, campaign_b) -> dict[str, CallLog]:
    agente, agente_b = users["agente"], users["agente_b"]
    supervisor, outsider = users["supervisor"], users["outsider"]
    calls = {
        # agente on DAY: 5 ended (3 answered: 120 + 65 + 40 s), 1 still in progress
        "a1": make_call(agente, local(DAY, 9), 120, campaign=campaign, notes="Promete pagar el viernes"),
        "a2": make_call(agente, local(DAY, 9, 10), 65, campaign=campaign),
        "a3": make_call(agente, local(DAY, 9, 20), 20, "NO_ANSWER", campaign=campaign),
        "a4": make_call(agente, local(DAY, 9, 30), 3, "FAILED", campaign=campaign),
        "a5": make_call(agente, local(DAY, 15, 55), None, campaign=campaign),
        # 23:59:50 on DAY, ending on the next day: it counts on the day it started
        "a8": make_call(agente, local(DAY, 23, 59, 50), 40, campaign=campaign),
        # the day before and the day after
        "a6": make_call(agente, local(PREVIOUS_DAY, 11), 300, campaign=campaign),
        "a7": make_call(agente, local(PREVIOUS_DAY, 11, 30), 10, "BUSY", campaign=campaign),
        "a9": make_call(agente, local(NEXT_DAY, 0, 0, 5), 15, "NO_ANSWER", campaign=campaign),
        # agente_b on DAY, in the Telefónica campaign: 200 + 31 s answered, one dropped
        "b1": make_call(agente_b, local(DAY, 10), 200, campaign=campaign_b),
        "b2": make_call(agente_b, local(DAY, 10, 15), 45, "DROPPED", campaign=campaign_b),
        "b3": make_call(agente_b, local(DAY, 10, 30), 31, campaign=campaign_b),
        # the supervisor dials a number by hand (no campaign)
        "s1": make_call(supervisor, local(DAY, 12), 90),
        # another team, another campaign: nobody on this team may count it
        "o1": make_call(outsider, local(DAY, 13), 500),
    }
    return calls


def figures(made, answered, failed, not_answered, dropped, talk, aht, rate) -> dict:
    return {
        "calls_made": made,
        "answered": answered,
        "failed": failed,
        "not_answered": not_answered,
        "dropped": dropped,
        "total_talk_seconds": talk,
        "average_handle_seconds": aht,
        "success_rate": rate,
    }


# agente on DAY: a1 a2 a3 a4 a8 (a5 has not ended). Talk 120 + 65 + 40 = 225; AHT 225 / 3 = 75;
# success 3 / 5 = 60 %.
AGENTE_DAY = figures(5, 3, 1, 1, 0, 225, 75, 60.0)
# agente on PREVIOUS_DAY and DAY: + a6 a7. Talk 525 over 4 answered = 131.25 → 131; 4 / 7 = 57.14 %.
AGENTE_TWO_DAYS = figures(7, 4, 1, 2, 0, 525, 131, 57.1)
AGENTE_PREVIOUS_DAY = figures(2, 1, 0, 1, 0, 300, 300, 50.0)
# agente_b on DAY: 231 s over 2 answered = 115.5 → 116 (half up); 2 / 3 = 66.67 %.
AGENTE_B_DAY = figures(3, 2, 0, 0, 1, 231, 116, 66.7)
SUPERVISOR_DAY = figures(1, 1, 0, 0, 0, 90, 90, 100.0)
# The team on DAY: 9 calls, 6 answered, 225 + 231 + 90 = 546 s → AHT 91; 6 / 9 = 66.67 %.
TEAM_DAY = figures(9, 6, 1, 1, 1, 546, 91, 66.7)
OUTSIDER_DAY = figures(1, 1, 0, 0, 0, 500, 500, 100.0)
NOTHING = figures(0, 0, 0, 0, 0, 0, 0, None)

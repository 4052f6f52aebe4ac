"""Django side of bench_dialer: seeds the agents, makes the dial requests, checks the call log.

Run by bench_dialer.py in subprocesses whose environment points Django at the bench database:

    python bench/dialer_data.py seed TOKENS.json   # agents, their debtors and workstation tokens
    python bench/dialer_data.py dispatch           # stdin: one agent number a line → a dial request
    python bench/dialer_data.py verify CLIENT.json # JSON: lost and duplicated calls, in the database

Not a benchmark itself (run_all.py only picks up ``bench_*.py``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import setup_django  # noqa: E402

AGENTS = int(os.environ.get("BENCH_DIALER_AGENTS", "500"))
SUPERVISORS = max(1, AGENTS // 25)
DISPATCH_THREADS = int(os.environ.get("BENCH_DIALER_DISPATCH_THREADS", "4"))


def agent_username(index: int) -> str:
    return f"bench_estacion_{index:03d}"


def agent_phone(index: int) -> str:
    return f"+506888{index:05d}"  # Costa Rica mobile numbers, one per agent's debtor


def seed(tokens_path: Path) -> dict:
    """One Cartera campaign (CR), supervisors, AGENTS agents with one debtor and one workstation
    token each. The tokens' secrets go to ``tokens_path`` (agent number → secret), not stdout."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from cartera.models import Debtor, DebtorPhone
    from core import services as core_services
    from core.choices import Country, Module
    from core.models import CampaignMembership, User
    from core.roles import Role
    from dialer import services

    password = make_password(None)  # nobody signs in: the workstations use their tokens
    with transaction.atomic():
        campaign = core_services.campaign_create(name="Bench Marcador", module=Module.CARTERA, country=Country.CR)
        supervisors = User.objects.bulk_create(
            User(username=f"bench_supervisor_{i:02d}", password=password, role=Role.SUPERVISOR, first_name="Sup")
            for i in range(1, SUPERVISORS + 1)
        )
        agents = User.objects.bulk_create(
            User(
                username=agent_username(i),
                password=password,
                role=Role.AGENTE,
                first_name="Agente",
                last_name=f"{i:03d}",
                supervisor=supervisors[(i - 1) % SUPERVISORS],
                workstation=f"PC-{i:03d}",
            )
            for i in range(1, AGENTS + 1)
        )
        CampaignMembership.objects.bulk_create(
            CampaignMembership(user=u, campaign=campaign) for u in supervisors + agents
        )
        debtors = Debtor.objects.bulk_create(
            Debtor(campaign=campaign, full_name=f"Deudor {i:03d}", document_number=f"9{i:08d}", assigned_agent=agent)
            for i, agent in enumerate(agents, start=1)
        )
        DebtorPhone.objects.bulk_create(
            DebtorPhone(debtor=debtor, e164=agent_phone(i), raw=agent_phone(i)[4:], is_primary=True)
            for i, debtor in enumerate(debtors, start=1)
        )
    secrets = {i: services.token_create(user=agent, name=f"PC-{i:03d}").secret for i, agent in enumerate(agents, 1)}
    tokens_path.write_text(json.dumps(secrets))
    return {"campaign": campaign.name, "supervisors": len(supervisors), "agents": len(agents), "tokens": len(secrets)}


def dispatch() -> int:
    """Make a dial request for each agent number read from stdin, as the debtor card's call
    button does (``dialer.services.dial_request_create``, which wakes the agent's long-poll
    through the channel layer on commit). Answers one JSON line per request on stdout:
    ``{"agent", "id", "t0", "t1"}`` with the wall-clock times before the call and after the commit.

    Served like a web process serves the button: an event loop hands each request to a thread,
    and the wake-up is sent on that loop's Redis connections (a plain thread would open a new
    event loop, and so a new connection to Redis, for every wake-up)."""
    import asyncio

    from asgiref.sync import sync_to_async

    from cartera.models import Debtor
    from dialer import services

    debtors = {
        int(d.assigned_agent.username.rsplit("_", 1)[1]): d
        for d in Debtor.objects.select_related("assigned_agent", "campaign").filter(
            assigned_agent__username__startswith="bench_estacion_"
        )
    }

    def create(agent: int) -> dict:
        debtor = debtors[agent]
        t0 = time.time()
        try:
            request = services.dial_request_create(user=debtor.assigned_agent, record=debtor, phone=agent_phone(agent))
            return {"agent": agent, "id": request.pk, "t0": t0, "t1": time.time()}
        except Exception as exc:  # reported to the bench, which counts it as an error
            return {"agent": agent, "error": f"{type(exc).__name__}: {exc}", "t0": t0, "t1": time.time()}

    async def one(agent: int, slots: asyncio.Semaphore) -> None:
        async with slots:
            line = await sync_to_async(create, thread_sensitive=False)(agent)
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        slots, tasks = asyncio.Semaphore(DISPATCH_THREADS), set()
        print(json.dumps({"ready": len(debtors)}), flush=True)
        while raw := await reader.readline():
            if raw.strip():
                task = asyncio.create_task(one(int(raw), slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)

    asyncio.run(serve())
    return 0


def verify(client_path: Path) -> dict:
    """What the database holds against what the workstations were told and reported."""
    from django.db.models import Count

    from dialer.choices import DialRequestStatus
    from dialer.models import CallLog, DialRequest

    report = json.loads(client_path.read_text())
    started = {row["uuid"]: row for row in report["started"]}
    ended = {row["uuid"]: row for row in report["ended"]}
    calls = {str(c.uuid): c for c in CallLog.objects.select_related("user")}
    duplicated_uuids = CallLog.objects.values("uuid").annotate(n=Count("id")).filter(n__gt=1).count()
    missing = [u for u in started if u not in calls]
    extra = [u for u in calls if u not in started]
    not_ended = [u for u in ended if u in calls and calls[u].ended_at is None]
    wrong = [
        u
        for u, row in started.items()
        if u in calls
        and (
            calls[u].dial_request_id != row["id"]
            or calls[u].user.username != agent_username(row["agent"])
            or (u in ended and (calls[u].status != ended[u]["status"] or calls[u].duration_seconds is None))
        )
    ]
    requests = DialRequest.objects.filter(pk__in=[d["id"] for d in report["dispatched"]])
    by_status = dict(requests.values_list("status").annotate(n=Count("id")))
    requests_not_ended = sum(n for status, n in by_status.items() if status != DialRequestStatus.ENDED)
    return {
        "calls_in_db": len(calls),
        "started_by_clients": len(started),
        "ended_by_clients": len(ended),
        "lost_starts": len(missing),
        "lost_ends": len(not_ended),
        "calls_not_started_by_clients": len(extra),
        "duplicated_call_uuids": duplicated_uuids,
        "calls_with_wrong_fields": len(wrong),
        "dial_requests": sum(by_status.values()),
        "dial_requests_by_status": by_status,
        "dial_requests_not_ended": requests_not_ended,
        "examples": {"missing": missing[:3], "extra": extra[:3], "not_ended": not_ended[:3], "wrong": wrong[:3]},
    }


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in {"seed", "dispatch", "verify"} or (command != "dispatch" and len(sys.argv) < 3):
        print("uso: dialer_data.py seed TOKENS.json | dispatch | verify CLIENT.json", file=sys.stderr)
        return 2
    setup_django()
    if command == "dispatch":
        return dispatch()
    result = seed(Path(sys.argv[2])) if command == "seed" else verify(Path(sys.argv[2]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

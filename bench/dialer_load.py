"""The load of bench_dialer: AGENTS simulated workstations speaking the machine API, as the
dialer agent does, while dial requests arrive at RATE a second. Not a benchmark itself.

Each workstation has one keep-alive connection and loops: ``GET /api/dialer/next?wait=25`` →
on a dial request ``POST /api/calls/start`` → a call of CALL_SECONDS → ``POST /api/calls/end`` →
poll again. One start and one end in REPEAT_EVERY are sent twice, as the agent's journal re-sends
an event whose answer was lost. The dial requests are made by ``dialer_data.py dispatch`` (the
service behind the card's call button, in its own process), for a workstation chosen at random
among those with no request pending: most are waiting in their long-poll (the request wakes it),
BUSY_SHARE are in a call (the request waits, and the next poll finds it there at once).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from support import percentile

POLL_WAIT = 25
CALL_SECONDS = (0.5, 2.5)
REPEAT_EVERY = 10
BUSY_SHARE = 0.25
END_STATUSES = ["COMPLETED"] * 6 + ["NO_ANSWER"] * 3 + ["BUSY"]


@dataclass
class Run:
    tokens: dict[int, str]
    rate: float
    warmup: float
    duration: float
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    record_from: float = 0.0  # wall clock: samples of requests sent before it are warm-up
    stopping: bool = False
    idle: set[int] = field(default_factory=set)  # polling, nothing pending
    in_call: set[int] = field(default_factory=set)
    pending: set[int] = field(default_factory=set)  # a request was asked for, not yet received
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    dispatched: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    started: list[dict] = field(default_factory=list)
    ended: list[dict] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=lambda: {"200": 0, "204": 0})
    repeats_differing: int = 0
    lag: list[float] = field(default_factory=list)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent, seconds) of every start and end

    def sample(self, name: str, sent_at: float, seconds: float) -> None:
        self.timeline.append((sent_at, seconds))
        if sent_at >= self.record_from:
            self.latencies.setdefault(name, []).append(seconds)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# aiohttp rather than httpx: the client shares the server's 2 cores, and httpx used about a third of
# a core for this load (docs/benchmarks.md, the dialer). What the workstations send is the same.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


@dataclass
class Answer:
    status_code: int
    body: bytes

    def json(self):
        return json.loads(self.body)


async def timed(client: aiohttp.ClientSession, method: str, url: str, **kwargs) -> tuple[Answer, float, float]:
    """The answer, the wall-clock time it was sent and how long it took (seconds)."""
    sent_wall, started = time.time(), time.perf_counter()
    async with client.request(method, url, **kwargs) as response:
        answer = Answer(response.status, await response.read())
    return answer, sent_wall, time.perf_counter() - started


async def post_event(run: Run, client: aiohttp.ClientSession, name: str, body: dict, expect: int) -> dict | None:
    try:
        response, sent, seconds = await timed(client, "POST", f"/api/calls/{name}", json=body)
    except TRANSPORT_ERRORS as exc:
        run.error(f"{name} {type(exc).__name__}")
        return None
    if response.status_code != expect:
        run.error(f"{name} {response.status_code}")
        return None
    run.sample(name, sent, seconds)
    return response.json()


async def call(run: Run, client: aiohttp.ClientSession, agent: int, request: dict) -> None:
    call_uuid = str(uuid.uuid4())
    start = {
        "call_uuid": call_uuid,
        "dial_request_id": request["id"],
        "phone": request["phone"],
        "started_at": utc_now(),
        "provider": "log",
    }
    repeat = run.rng.randrange(REPEAT_EVERY) == 0
    first = await post_event(run, client, "start", start, 201)
    if first is None:
        return
    run.started.append({"uuid": call_uuid, "id": request["id"], "agent": agent})
    if repeat:
        again = await post_event(run, client, "start", start, 200)
        run.repeats_differing += again is not None and again != first  # an error is counted as one
    await asyncio.sleep(run.rng.uniform(*CALL_SECONDS))
    end = {"call_uuid": call_uuid, "status": run.rng.choice(END_STATUSES), "ended_at": utc_now(), "notes": "bench"}
    answer = await post_event(run, client, "end", end, 200)
    if answer is None:
        return
    run.ended.append({"uuid": call_uuid, "status": end["status"], "duration_seconds": answer["duration_seconds"]})
    if repeat:
        again = await post_event(run, client, "end", end, 200)
        run.repeats_differing += again is not None and again != answer


async def workstation(run: Run, client: aiohttp.ClientSession, agent: int) -> None:
    while not run.stopping:
        run.idle.add(agent)
        try:
            response, sent, seconds = await timed(client, "GET", "/api/dialer/next", params={"wait": POLL_WAIT})
        except TRANSPORT_ERRORS as exc:
            run.idle.discard(agent)
            if not run.stopping:
                run.error(f"next {type(exc).__name__}")
                await asyncio.sleep(1)
            continue
        run.idle.discard(agent)
        if response.status_code == 204:
            run.polls["204"] += 1
            continue
        body = response.json() if response.status_code == 200 else {}
        if body.get("action") != "dial":
            run.error(f"next {response.status_code} {body.get('action', '')}".strip())
            await asyncio.sleep(1)
            continue
        run.polls["200"] += 1
        run.pending.discard(agent)
        run.delivered.append({"id": body["id"], "agent": agent, "sent": sent, "received": time.time(), "s": seconds})
        run.in_call.add(agent)
        try:
            await call(run, client, agent, body)
        finally:
            run.in_call.discard(agent)


async def read_dispatcher(run: Run, stdout: asyncio.StreamReader) -> None:
    while line := await stdout.readline():
        row = json.loads(line)
        if "error" in row:
            run.error(f"dial_request_create {row['error'][:80]}")
            run.pending.discard(row["agent"])
        else:
            run.dispatched.append(row)


async def dispatch(run: Run, stdin: asyncio.StreamWriter, until: float) -> None:
    """Ask for RATE dial requests a second until ``until`` (wall clock), on a fixed schedule."""
    interval, due = 1 / run.rate, time.time()
    while due < until:
        await asyncio.sleep(max(0.0, due - time.time()))
        due += interval
        busy = sorted(run.in_call - run.pending)
        pool = busy if busy and run.rng.random() < BUSY_SHARE else sorted(run.idle - run.pending)
        if not pool:
            run.error("dispatch: no free workstation")
            continue
        agent = run.rng.choice(pool)
        run.pending.add(agent)
        stdin.write(f"{agent}\n".encode())
        await stdin.drain()


def figures(values: list[float]) -> dict:
    ordered = sorted(values)
    ms = {f"p{p}_ms": round(percentile(ordered, p) * 1000, 1) for p in (50, 95, 99)}
    return {"n": len(ordered), **ms, "max_ms": round(ordered[-1] * 1000, 1) if ordered else None}


def timeline(run: Run, started: float, step: float = 5.0) -> list[dict]:
    """Start and end latency per ``step`` seconds of the run (warm-up included): whether a queue
    built at the start drains, or grows."""
    buckets: dict[int, list[float]] = {}
    for sent, seconds in run.timeline:
        buckets.setdefault(int((sent - started) // step), []).append(seconds)
    return [
        {"from_s": k * step, "n": len(v), **{k2: v2 for k2, v2 in figures(v).items() if k2 in ("p50_ms", "p95_ms")}}
        for k, v in sorted(buckets.items())
    ]


def classify_deliveries(run: Run) -> None:
    """A poll sent after its request was committed found it waiting ("next, request waiting": the
    poll's own latency); one already waiting when it was made was woken ("delivery": from the
    moment the call button's service was called to the workstation having it)."""
    made = {row["id"]: row for row in run.dispatched}
    for row in run.delivered:
        request = made.get(row["id"])
        if request is None or row["sent"] < run.record_from:
            continue
        if row["sent"] >= request["t1"]:
            run.latencies.setdefault("next_waiting", []).append(row["s"])
        else:
            run.latencies.setdefault("delivery", []).append(row["received"] - request["t0"])


async def settle(run: Run, timeout: float) -> None:
    """Wait for every asked-for request to be received and every call to end."""
    deadline = time.time() + timeout
    while (run.pending or run.in_call) and time.time() < deadline:
        await asyncio.sleep(0.1)
    if run.pending:
        run.error(f"requests never received: {len(run.pending)}")
    if run.in_call:
        run.error(f"calls never ended: {len(run.in_call)}")


async def loop_lag(run: Run) -> None:
    """How late this client's own event loop wakes up (every 50 ms): a lagging client would add
    its lag to every latency it measures."""
    while not run.stopping:
        due = time.perf_counter() + 0.05
        await asyncio.sleep(0.05)
        if time.time() >= run.record_from:
            run.lag.append(time.perf_counter() - due)


async def load(run: Run, base_url: str, dispatcher: list[str], env: dict[str, str]) -> dict:
    """Connect every workstation (``/api/dialer/ping``), start the polls and the dispatcher, ask
    for requests for WARMUP + DURATION seconds, let the last calls end, stop."""
    timeout = aiohttp.ClientTimeout(total=POLL_WAIT + 30, connect=30)
    clients = {
        agent: aiohttp.ClientSession(
            base_url=base_url,
            connector=aiohttp.TCPConnector(limit=1, force_close=False),  # one keep-alive connection each
            timeout=timeout,
            headers={"Authorization": f"Bearer {secret}"},
        )
        for agent, secret in run.tokens.items()
    }
    process = await asyncio.create_subprocess_exec(
        *dispatcher, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    tasks: list[asyncio.Task] = []
    try:
        ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 120))
        pings = await asyncio.gather(
            *(timed(c, "GET", "/api/dialer/ping") for c in clients.values()), return_exceptions=True
        )
        pings = [p if isinstance(p, Exception) else p[0] for p in pings]
        bad = [p for p in pings if isinstance(p, Exception) or p.status_code != 200]
        if bad:
            raise RuntimeError(f"{len(bad)} workstations failed /api/dialer/ping: {bad[0]!r}")
        tasks = [asyncio.create_task(workstation(run, c, agent)) for agent, c in clients.items()]
        reader = asyncio.create_task(read_dispatcher(run, process.stdout))
        tasks.append(asyncio.create_task(loop_lag(run)))
        await asyncio.sleep(1)  # every workstation is waiting in its poll
        started = time.time()
        run.record_from = started + run.warmup
        await dispatch(run, process.stdin, until=run.record_from + run.duration)
        await settle(run, timeout=30)
        run.stopping = True
        process.stdin.close()
        await asyncio.wait_for(process.wait(), 60)
        await reader
        classify_deliveries(run)
        return {
            "dispatcher_ready": ready,
            "wall_s": round(time.time() - started, 1),
            "recorded_s": run.duration,
            "requests_asked": len(run.dispatched),
            "requests_received": len(run.delivered),
            "requests_received_twice": len(run.delivered) - len({d["id"] for d in run.delivered}),
            "requests_never_received": len({d["id"] for d in run.dispatched} - {d["id"] for d in run.delivered}),
            "calls_started": len(run.started),
            "calls_ended": len(run.ended),
            "calls_per_s": round(sum(1 for d in run.dispatched if d["t0"] >= run.record_from) / run.duration, 1),
            "repeats_differing": run.repeats_differing,
            "polls": run.polls,
            "latency": {name: figures(values) for name, values in sorted(run.latencies.items())},
            "client_loop_lag": figures(run.lag),
            "timeline": timeline(run, started),
            "errors": sum(run.errors.values()),
            "error_kinds": run.errors,
        }
    finally:
        run.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in clients.values()), return_exceptions=True)
        if process.returncode is None:
            process.kill()
            await process.wait()

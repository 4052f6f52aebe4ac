"""500 workstations long-polling while 50 calls a second start and end (issue 4), on PostgreSQL
with the ASGI server and the Redis channel layer, as in production (docs/deploy.md).

1. Creates its own database ``crm_bench_dialer`` (so it may run alongside the other benchmarks),
   migrates it and seeds it (``dialer_data.py seed``): a Cartera campaign (CR), supervisors,
   BENCH_DIALER_AGENTS agents (500), each with one debtor (one phone) and one workstation token.
2. Starts uvicorn with WORKERS (2, one per core) on a free 127.0.0.1 port, with
   ``REDIS_URL`` = BENCH_DIALER_REDIS_URL (Redis database 5, emptied before and after: the
   channel layer that wakes the long-polls across processes, and the cache that counts the rate
   limit) and ``CONN_MAX_AGE=0``. The rate limit is raised to BENCH_DIALER_RATE_LIMIT (100,000
   requests an hour per token) so that it never answers 429 in a run however often it is repeated
   within the hour; its cost (one Redis ``INCR`` a request) is still paid.
3. Runs the load (``dialer_load.py``): every workstation waits in ``GET /api/dialer/next?wait=25``;
   ``dialer_data.py dispatch`` (its own process, the service behind the card's call button)
   makes BENCH_DIALER_RATE (50) dial requests a second for BENCH_DIALER_WARMUP (5 s, not
   recorded) + BENCH_DIALER_DURATION (60 s); each received request becomes a start, a call of
   0.5–2.5 s and an end (one in ten of each sent twice). Then every pending call is let end.
4. Checks the database (``dialer_data.py verify``): every call a workstation started is there
   exactly once, with its end, its status and its dial request; every dial request ended.
5. Drops the database.

Targets: p95 ≤ 50 ms for ``calls/start``, ``calls/end`` and ``dialer/next`` when a request was
already waiting; no error (any answer but the expected one, 204 for an empty poll included as
expected; any transport error); no lost or duplicated call or dial request. The delivery time of
a request to a waiting poll is reported, not targeted. Returns 1 when a target is missed or a
step fails; skipped with the reason when PostgreSQL or Redis cannot be reached.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

import dialer_load  # noqa: E402
from support import (  # noqa: E402
    ROOT,
    BenchError,
    PgConnectionPeak,
    bench_env,
    cpu_seconds,
    finish,
    machine_busy_seconds,
    pg_create,
    pg_drop,
    pg_url,
    run_step,
    start_server,
    stop_server,
    tail,
)

DB = os.environ.get("BENCH_DIALER_DB", "crm_bench_dialer")
REDIS_URL = os.environ.get("BENCH_DIALER_REDIS_URL", "redis://127.0.0.1:6379/5")
RESULTS = ROOT / "bench" / "results" / "dialer.json"
HELPER = str(ROOT / "bench" / "dialer_data.py")
AGENTS = int(os.environ.get("BENCH_DIALER_AGENTS", "500"))
RATE = float(os.environ.get("BENCH_DIALER_RATE", "50"))
WARMUP = float(os.environ.get("BENCH_DIALER_WARMUP", "5"))
DURATION = float(os.environ.get("BENCH_DIALER_DURATION", "60"))
WORKERS = int(os.environ.get("BENCH_DIALER_WORKERS", "2"))
RATE_LIMIT = os.environ.get("BENCH_DIALER_RATE_LIMIT", "100000")
POOL_SIZE = os.environ.get("BENCH_DIALER_POOL_SIZE", "20")  # per process: 2 workers + dispatcher ≤ 60 of 100
TARGET_P95_MS = 50.0
TARGETED = {"start": "POST /api/calls/start", "end": "POST /api/calls/end", "next_waiting": "GET /api/dialer/next"}
LABELS = {**TARGETED, "next_waiting": "GET /api/dialer/next (solicitud ya esperando)", "delivery": "entrega a un poll"}


def redis_reset() -> str | None:
    """Empty the bench's Redis database; the reason to skip when Redis cannot be reached."""
    try:
        import redis
    except ImportError as exc:
        return f"redis no está instalado ({exc})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
    except redis.RedisError as exc:
        return f"Redis no disponible en {REDIS_URL}: {exc}"
    return None


class ServerSampler(threading.Thread):
    """Samples, four times a second, the threads of the uvicorn processes (a long-poll waiting
    under a sync middleware holds one) and the bench database's PostgreSQL connections."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.server_pid, self.stop = server_pid, threading.Event()
        self.threads_peak = 0

    def threads(self) -> int:
        pids = [self.server_pid]
        with contextlib.suppress(OSError):
            pids += [
                int(p) for p in Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children").read_text().split()
            ]
        total = 0
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))
        return total

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.threads_peak = max(self.threads_peak, self.threads())


def step_json(args: list[str], env: dict[str, str], timeout: float = 600) -> dict:
    out = run_step([sys.executable, HELPER, *args], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def run_load(env: dict[str, str], tmp: Path, tokens: dict[int, str]) -> dict:
    log = tmp / "uvicorn.log"
    server, port = start_server(env, log, WORKERS)
    sampler, peak = ServerSampler(server.pid), PgConnectionPeak(DB)
    try:
        sampler.start()
        peak.start()
        before = time.perf_counter(), time.process_time(), cpu_seconds(server.pid), machine_busy_seconds()
        run = dialer_load.Run(tokens=tokens, rate=RATE, warmup=WARMUP, duration=DURATION)
        loop_runner = _event_loop_runner()
        figures = loop_runner(
            dialer_load.load(run, f"http://127.0.0.1:{port}", [sys.executable, HELPER, "dispatch"], env)
        )
        after = time.perf_counter(), time.process_time(), cpu_seconds(server.pid), machine_busy_seconds()
        wall, client, uvicorn, busy = (b - a for a, b in zip(before, after, strict=True))
        figures["cpu_pct"] = {  # 100 % = one core, over the whole load (warm-up and settling included)
            "uvicorn": round(100 * uvicorn / wall, 1),
            "load_client": round(100 * client / wall, 1),
            "rest_of_machine": round(max(0.0, 100 * (busy - uvicorn - client) / wall), 1),
        }
        figures["uvicorn_threads_peak"] = sampler.threads_peak
        figures["pg_connections_peak"] = peak.peak
        figures["run"] = run
        return figures
    except BaseException:
        print(f"  registro de uvicorn:\n{tail(log)}")
        raise
    finally:
        sampler.stop.set()
        peak.stop.set()
        stop_server(server)
        kept = RESULTS.with_name("dialer-uvicorn.log")  # bench/results is not in git
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, kept)
        if "Traceback" in tail(log, 100_000):
            print(f"  registro de uvicorn con errores en {kept.relative_to(ROOT)}; el final:\n{tail(log, 3000)}")


def _event_loop_runner():
    """uvloop when installed (uvicorn's own loop; a cheaper client leaves more CPU to the server)."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:
        return asyncio.run


def verdicts(load: dict, checked: dict) -> list[str]:
    failures = []
    for name, label in TARGETED.items():
        fig = load["latency"].get(name)
        if not fig or not fig["n"]:
            failures.append(f"{label}: sin muestras")
        elif fig["p95_ms"] > TARGET_P95_MS:
            failures.append(f"{label}: p95 {fig['p95_ms']} ms > {TARGET_P95_MS:g} ms")
    if load["errors"]:
        failures.append(f"{load['errors']} errores: {load['error_kinds']}")
    for key in ("requests_received_twice", "requests_never_received", "repeats_differing"):
        if load[key]:
            failures.append(f"{key}: {load[key]}")
    for key in ("lost_starts", "lost_ends", "calls_not_started_by_clients", "duplicated_call_uuids"):
        if checked[key]:
            failures.append(f"{key}: {checked[key]} (p. ej. {checked['examples']})")
    for key in ("calls_with_wrong_fields", "dial_requests_not_ended"):
        if checked[key]:
            failures.append(f"{key}: {checked[key]} {checked['dial_requests_by_status']}")
    if checked["calls_in_db"] != load["calls_started"]:
        failures.append(f"{checked['calls_in_db']} llamadas en la base, {load['calls_started']} iniciadas")
    if load["calls_per_s"] < RATE * 0.95:
        failures.append(f"solo {load['calls_per_s']} llamadas/s de {RATE:g}")
    return failures


def print_figures(load: dict, checked: dict) -> None:
    print(f"\n  {'':<48}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'máx ms':>9}")
    for name, fig in load["latency"].items():
        print(
            f"  {LABELS.get(name, name):<48}{fig['n']:>7}{fig['p50_ms']:>9}{fig['p95_ms']:>9}"
            f"{fig['p99_ms']:>9}{fig['max_ms']:>9}"
        )
    print(
        f"\n  llamadas/s {load['calls_per_s']}; solicitudes {load['requests_asked']} pedidas, "
        f"{load['requests_received']} recibidas; llamadas {load['calls_started']} iniciadas, "
        f"{load['calls_ended']} terminadas; polls 200/204 {load['polls']['200']}/{load['polls']['204']}; "
        f"errores {load['errors']} {load['error_kinds'] or ''}"
    )
    print(
        f"  en la base: {checked['calls_in_db']} llamadas, perdidas {checked['lost_starts']} inicios / "
        f"{checked['lost_ends']} finales, duplicadas {checked['duplicated_call_uuids']}, con datos erróneos "
        f"{checked['calls_with_wrong_fields']}; solicitudes {checked['dial_requests_by_status']}"
    )
    print(
        "  inicio y fin por tramo de 5 s (calentamiento incluido): "
        + "; ".join(f"{row['from_s']:g} s: {row['p50_ms']}/{row['p95_ms']} ms" for row in load["timeline"])
    )
    lag = load["client_loop_lag"]
    print(f"  retraso del bucle del cliente: p50 {lag['p50_ms']} ms, p95 {lag['p95_ms']} ms, máx. {lag['max_ms']} ms")
    cpu = load["cpu_pct"]
    print(
        f"  CPU (100 % = un núcleo): uvicorn {cpu['uvicorn']} %, cliente {cpu['load_client']} %, resto "
        f"{cpu['rest_of_machine']} %; hilos uvicorn (máx.) {load['uvicorn_threads_peak']}; conexiones "
        f"PostgreSQL (máx.) {load['pg_connections_peak']}"
    )


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "no instalado"


def environment() -> dict:
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **{name: package_version(name) for name in ("django", "uvicorn", "aiohttp", "psycopg", "channels-redis")},
        "agents": AGENTS,
        "rate_per_s": RATE,
        "warmup_s": WARMUP,
        "duration_s": DURATION,
        "workers": WORKERS,
        "rate_limit_per_hour": RATE_LIMIT,
        "db_pool_max_size": POOL_SIZE,
    }


def main() -> int:
    meta, failures = environment(), []
    print("  " + ", ".join(f"{k}={v}" for k, v in meta.items()))
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-dialer-"))
    result: dict = dict(meta)
    created = False
    try:
        reason = redis_reset() or pg_create(DB)
        if reason:
            print(f"  se omite: {reason}")
            return finish(RESULTS, {**meta, "skipped": reason}, [])
        created = True
        env = bench_env(tmp)
        env.update(
            DATABASE_URL=pg_url(DB),
            CONN_MAX_AGE="0",
            DB_POOL_MAX_SIZE=POOL_SIZE,
            DB_POOL_TIMEOUT=os.environ.get("BENCH_DIALER_POOL_TIMEOUT", "10"),
            REDIS_URL=REDIS_URL,
            CHANNELS_PREFIX="crm-bench-dialer",
            DIALER_RATE_LIMIT_PER_HOUR=RATE_LIMIT,
            BENCH_DIALER_AGENTS=str(AGENTS),
        )
        run_step([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, timeout=900)
        tokens_path = tmp / "tokens.json"
        result["seed"] = step_json(["seed", str(tokens_path)], env)
        print(f"  datos: {result['seed']}", flush=True)
        tokens = {int(k): v for k, v in json.loads(tokens_path.read_text()).items()}
        result["load_before"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"  carga (uptime) antes de medir: {result['load_before']}", flush=True)
        load = run_load(env, tmp, tokens)
        result["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        run = load.pop("run")
        client_path = tmp / "client.json"
        client_path.write_text(json.dumps({"dispatched": run.dispatched, "started": run.started, "ended": run.ended}))
        checked = step_json(["verify", str(client_path)], env)
        result.update(load=load, verify=checked)
        print_figures(load, checked)
        print(f"  carga (uptime) después: {result['load_after']}")
        failures += verdicts(load, checked)
    except (BenchError, RuntimeError, subprocess.SubprocessError, OSError, json.JSONDecodeError) as exc:
        failures.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(f"  ERROR: {str(exc)[-3000:]}")
        result["error"] = str(exc)[-2000:]
    finally:
        if created:
            pg_drop(DB)
            redis_reset()
        shutil.rmtree(tmp, ignore_errors=True)
    return finish(RESULTS, result, failures)


if __name__ == "__main__":
    sys.exit(main())

"""Home and notification list under concurrent sessions, against the ASGI server (uvicorn).

For SQLite (a fresh temp file) and PostgreSQL (database ``crm_bench``, created and dropped here;
skipped with the reason when the server is unreachable):

1. migrate and seed a bench database (``home_data.py seed``: 5 supervisors, 50 agents, one
   campaign, 30 notifications and 20 follow-ups each);
2. count the queries of ``/`` and ``/notificaciones/`` for an agent and a supervisor in-process
   (``home_data.py queries``); the budget is QUERY_BUDGET per page;
3. start uvicorn (2 workers) on a free 127.0.0.1 port, log the 50 agents in through the real
   login form, and have each session loop GET on one page at a time: WARMUP seconds unrecorded,
   then DURATION seconds recorded. Reports requests, requests/s, p50/p95/p99 and errors (any
   answer other than 200 with the user's notifications, or a transport error), plus the CPU
   spent by uvicorn, by this load generator and by the rest of the machine, and how the
   sessions' keep-alive connections split between the two workers.

Fails when a page goes over the query budget, a request errors or a step breaks.
BENCH_SESSIONS, BENCH_WARMUP and BENCH_DURATION override the defaults (for quick trial runs).

PostgreSQL runs with CONN_MAX_AGE=0 (BENCH_CONN_MAX_AGE to change it). With the app's default of
60 the ASGI server kept opening connections until PostgreSQL refused clients ("too many clients
already"): Django's docs say persistent connections should be disabled under ASGI.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import home_data  # noqa: E402  (sibling modules, importable once bench/ is on the path)
from support import (  # noqa: E402
    PG_BENCH_URL,
    ROOT,
    BenchError,
    PgConnectionPeak,
    bench_env,
    connections_per_process,
    cpu_seconds,
    machine_busy_seconds,
    percentile,
    pg_create,
    pg_drop,
    run_step,
    start_server,
    stop_server,
    tail,
)

RESULTS = ROOT / "bench" / "results" / "home.json"
SESSIONS = min(int(os.environ.get("BENCH_SESSIONS", "50")), home_data.AGENTS)
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
DURATION = float(os.environ.get("BENCH_DURATION", "20"))
QUERY_BUDGET = 10
WORKERS = 2
PG_CONN_MAX_AGE = os.environ.get("BENCH_CONN_MAX_AGE", "0")
MARKER = home_data.MARKER.encode()
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def django_json(command: str, env: dict[str, str]) -> dict:
    out = run_step([sys.executable, str(ROOT / "bench" / "home_data.py"), command], env)
    return json.loads(out.strip().splitlines()[-1])


# --- Load -----------------------------------------------------------------------------------


async def login(client: httpx.AsyncClient, username: str) -> None:
    form = await client.get("/login/")
    token = CSRF_RE.search(form.text)
    if form.status_code != 200 or not token:
        raise BenchError(f"{username}: GET /login/ respondió {form.status_code} sin token CSRF")
    data = {"username": username, "password": home_data.PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    answer = await client.post("/login/", data=data, headers={"Referer": f"{client.base_url}login/"})
    if answer.status_code != 302 or answer.headers.get("location") != "/":
        raise BenchError(f"{username}: el login respondió {answer.status_code} {answer.headers.get('location')}")
    home = await client.get("/")
    if home.status_code != 200 or MARKER not in home.content:
        raise BenchError(f"{username}: tras el login / respondió {home.status_code} sin sus notificaciones")


async def hammer(client: httpx.AsyncClient, url: str, record_from: float, until: float, out: dict) -> None:
    """Loop GET ``url`` until ``until``; the latencies of the requests started from ``record_from``."""
    while (started := time.perf_counter()) < until:
        try:
            response = await client.get(url)
            ok = response.status_code == 200 and MARKER in response.content
            status = str(response.status_code) if response.status_code != 200 else "200 sin contenido"
        except httpx.HTTPError as exc:
            ok, status = False, type(exc).__name__
        finished = time.perf_counter()
        out["completed"] += record_from <= finished <= until  # throughput: completions in the window
        if started < record_from:
            out["warm"] += 1
            continue
        if ok:
            out["latencies"].append(finished - started)
        else:
            out["errors"][status] = out["errors"].get(status, 0) + 1


def cpu_snapshot(server_pid: int) -> tuple[float, float, float, float]:
    """(wall clock, load generator CPU, uvicorn CPU, whole machine busy CPU), in seconds."""
    return time.perf_counter(), time.process_time(), cpu_seconds(server_pid), machine_busy_seconds()


def page_figures(url: str, out: dict, before: tuple, after: tuple) -> dict:
    ordered, errors = sorted(out["latencies"]), sum(out["errors"].values())
    requests = len(ordered) + errors
    wall, client, server, busy = (end - start for start, end in zip(before, after, strict=True))
    return {
        "url": url,
        "requests": requests,
        "rps": round(out["completed"] / DURATION, 1),
        "p50_ms": round(percentile(ordered, 50) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
        "errors": errors,
        "error_kinds": out["errors"],
        # CPU over warm-up + measurement, 100 % = one core; "other" is everything else on the
        # machine (PostgreSQL's backends included).
        "server_cpu_ms_per_request": round(1000 * server / max(requests + out["warm"], 1), 1),
        "server_cpu_pct": round(100 * server / wall, 1),
        "client_cpu_pct": round(100 * client / wall, 1),
        "other_cpu_pct": round(max(0.0, 100 * (busy - server - client) / wall), 1),  # ticks are 10 ms
    }


async def connection_split(port: int, delay: float) -> list[int]:
    await asyncio.sleep(delay)
    return await asyncio.to_thread(connections_per_process, port)


async def run_load(port: int, server_pid: int) -> dict:
    base = f"http://127.0.0.1:{port}/"
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=limits) for _ in range(SESSIONS)]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(login(c, home_data.agent_username(i + 1)) for i, c in enumerate(clients)))
        results = {"login_s": round(time.perf_counter() - started, 1), "pages": {}}
        for page, url in home_data.PAGES.items():
            out = {"latencies": [], "errors": {}, "completed": 0, "warm": 0}
            before = cpu_snapshot(server_pid)
            record_from = time.perf_counter() + WARMUP
            # Each session keeps one keep-alive connection: how they split between the workers.
            split = asyncio.create_task(connection_split(port, WARMUP))
            await asyncio.gather(*(hammer(c, url, record_from, record_from + DURATION, out) for c in clients))
            results["pages"][page] = page_figures(url, out, before, cpu_snapshot(server_pid))
            results["pages"][page]["connections_per_worker"] = await split
        return results
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


# --- One database, then all -----------------------------------------------------------------


def bench_database(name: str, env: dict[str, str], tmp: Path) -> tuple[dict, list[str]]:
    failures = []
    run_step([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    seeded = django_json("seed", env)
    print(f"  datos: {seeded}")
    queries = django_json("queries", env)
    for label, info in queries.items():
        bad = info["count"] > QUERY_BUDGET or info["status"] != [200, 200] or not info["content_ok"]
        flag = "  <-- FUERA DE PRESUPUESTO O PÁGINA INCORRECTA" if bad else ""
        print(f"  consultas {label:<26} {info['count']:>3}  (HTTP {info['status'][1]}){flag}")
        if bad:
            failures.append(f"{name}: {label}: {info['count']} consultas, HTTP {info['status']}")
            print("\n".join(f"      {sql}" for sql in info["queries"]))
    server, peak, log = None, PgConnectionPeak() if "DATABASE_URL" in env else None, tmp / "uvicorn.log"
    try:
        server, port = start_server(env, log, WORKERS)
        if peak:
            peak.start()
        load = asyncio.run(run_load(port, server.pid))
    except BaseException:
        print(f"  registro de uvicorn:\n{tail(log)}")
        raise
    finally:
        if peak:
            peak.stop.set()
        if server is not None:
            stop_server(server)
    print(f"  login de {SESSIONS} sesiones: {load['login_s']} s")
    if peak:
        load["pg_connections_peak"] = peak.peak
        print(f"  conexiones PostgreSQL (máx. muestreado): {peak.peak}")
    for page, fig in load["pages"].items():
        print(
            f"  {page}: CPU (100 % = un núcleo) uvicorn {fig['server_cpu_pct']} % "
            f"({fig['server_cpu_ms_per_request']} ms/petición), generador de carga {fig['client_cpu_pct']} %, "
            f"resto de la máquina {fig['other_cpu_pct']} %; conexiones por worker {fig['connections_per_worker']}"
        )
        if fig["errors"]:
            failures.append(f"{name}: {page} con {fig['errors']} errores {fig['error_kinds']}")
    if any(fig["errors"] for fig in load["pages"].values()):
        print(f"  registro de uvicorn:\n{tail(log)}")
    return {"seed": seeded, "queries": {k: v["count"] for k, v in queries.items()}, **load}, failures


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "no instalado"


def environment() -> dict:
    versions = {name: package_version(name) for name in ("django", "uvicorn", "httpx", "psycopg")}
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **versions,
        "sessions": SESSIONS,
        "workers": WORKERS,
        "warmup_s": WARMUP,
        "duration_s": DURATION,
        "pg_conn_max_age": PG_CONN_MAX_AGE,
    }


def print_table(results: dict) -> None:
    print(f"\nbench_home · {SESSIONS} sesiones · {WORKERS} workers uvicorn · {DURATION:g} s por página")
    head = f"{'peticiones':>11}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errores':>9}"
    head += f"{'CPU ms/pet':>12}{'conex./worker':>15}"
    print(f"{'base':<11}{'página':<16}{head}")
    for db, res in results.items():
        if "skipped" in res or "pages" not in res:
            print(f"{db:<11}{'omitida: ' + res.get('skipped', 'falló'):<40}")
            continue
        for f in res["pages"].values():
            print(
                f"{db:<11}{f['url']:<16}{f['requests']:>11}{f['rps']:>9}"
                f"{f['p50_ms']:>9}{f['p95_ms']:>9}{f['p99_ms']:>9}{f['errors']:>9}{f['server_cpu_ms_per_request']:>12}"
                f"{'/'.join(map(str, f['connections_per_worker'])):>15}"
            )


def main() -> int:
    results, failures, meta = {}, [], environment()
    print("  " + ", ".join(f"{k}={v}" for k, v in meta.items()))
    for name in ("SQLite", "PostgreSQL"):
        print(f"\n== bench_home · {name} ==")
        tmp = Path(tempfile.mkdtemp(prefix="crm-bench-"))
        env, pg_created = bench_env(tmp), False
        try:
            if name == "SQLite":
                env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
            else:
                reason = pg_create()
                if reason:
                    print(f"  se omite PostgreSQL: {reason}")
                    results[name] = {"skipped": reason}
                    continue
                pg_created = True
                env.update(DATABASE_URL=PG_BENCH_URL, CONN_MAX_AGE=PG_CONN_MAX_AGE)
            results[name], db_failures = bench_database(name, env, tmp)
            failures += db_failures
        except (BenchError, httpx.HTTPError, subprocess.SubprocessError, OSError, json.JSONDecodeError) as exc:
            print(f"  ERROR: {exc}")
            results[name] = {"error": str(exc)[:500]}
            failures.append(f"{name}: {str(exc).splitlines()[0]}")
        finally:
            if pg_created:
                pg_drop()
            shutil.rmtree(tmp, ignore_errors=True)
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**meta, "results": results}, indent=2))
    for failure in failures:
        print(f"FALLO: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

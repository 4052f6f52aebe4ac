"""The support desk at scale (issue 5): 200,000 tickets with their comments on PostgreSQL.

1. Creates its own database ``crm_bench_tickets`` (so it may run alongside the other
   benchmarks), migrates it and generates the desk inside PostgreSQL (``tickets_data.py seed``):
   an office calendar, SLA policies, three support groups with 16 members and assignment rules,
   300 agents on 15 supervisors' teams, BENCH_TICKETS_TICKETS tickets (200,000) over a year — the
   recent ones still open, the old ones mostly closed — with BENCH_TICKETS_COMMENTS comments each
   on average (3; a quarter of support's are internal notes), their status spans and a few
   watchers; then VACUUM ANALYZE.
2. Measures in-process with ``django.test.Client`` (``tickets_data.py measure``): the support
   member's queue with its default and with filters, searches and deep pages, "Todos" as admin and
   as supervisor, "Mis tickets", and the dashboard for 30, 90 and 365 days. WARMUP unrecorded
   requests, then SAMPLES recorded ones per case: p50/p95/p99 and queries per request.
3. Drops the database (``BENCH_TICKETS_KEEP=1`` keeps it; ``BENCH_TICKETS_REUSE=1`` measures a
   kept one again after ``migrate``, without generating it anew).

Targets: the queue lists p95 ≤ 150 ms with ≤ 12 queries; the dashboard p95 ≤ 300 ms. Returns 1
when one is missed or a step fails. PostgreSQL only: skipped with the reason when the server
cannot be reached.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import (  # noqa: E402
    PG_ADMIN_URL,
    ROOT,
    BenchError,
    bench_env,
    finish,
    pg_create,
    pg_drop,
    pg_url,
    run_step,
)

DB = os.environ.get("BENCH_TICKETS_DB", "crm_bench_tickets")
RESULTS = ROOT / "bench" / "results" / "tickets.json"
HELPER = str(ROOT / "bench" / "tickets_data.py")
TARGETS = {"lista": (150.0, 12), "dashboard": (300.0, None)}  # p95 ms, queries
KEEP = os.environ.get("BENCH_TICKETS_KEEP") == "1"
REUSE = os.environ.get("BENCH_TICKETS_REUSE") == "1"
PASS_ENV = ("TICKETS", "COMMENTS", "REQUESTERS", "SAMPLES", "WARMUP")


def step_json(command: str, env: dict[str, str], timeout: float) -> dict:
    out = run_step([sys.executable, HELPER, command], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone() is not None


def environment() -> dict:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "no instalado"

    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": version("django"),
        "psycopg": version("psycopg"),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def verdicts(cases: dict) -> list[str]:
    failures = []
    for case in cases.values():
        max_ms, max_queries = TARGETS[case["group"]]
        missed = []
        if case["p95_ms"] > max_ms:
            missed.append(f"{case['label']}: p95 {case['p95_ms']} ms > {max_ms:.0f} ms")
        if max_queries is not None and case["queries_max"] > max_queries:
            missed.append(f"{case['label']}: {case['queries_max']} consultas > {max_queries}")
        case["ok"] = not missed
        failures += missed
    return failures


def print_table(cases: dict) -> None:
    print(
        f"\n  {'caso':<50}{'filas':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'máx ms':>8}{'consultas':>11}  objetivo"
    )
    for case in cases.values():
        max_ms, max_queries = TARGETS[case["group"]]
        queries = str(case["queries_max"])
        if case["queries_min"] != case["queries_max"]:
            queries = f"{case['queries_min']}–{case['queries_max']}"
        target = f"p95 ≤ {max_ms:.0f}" + (f", ≤ {max_queries} q" if max_queries else "")
        rows = "" if case["rows"] is None else str(case["rows"])
        print(
            f"  {case['label']:<50}{rows:>6}{case['p50_ms']:>8}{case['p95_ms']:>8}{case['p99_ms']:>8}"
            f"{case['max_ms']:>8}{queries:>11}  {target} {'PASS' if case['ok'] else 'FAIL'}"
        )


def main() -> int:
    meta = environment()
    print("  " + ", ".join(f"{k}={v}" for k, v in meta.items()), flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-tickets-"))
    env = bench_env(tmp)
    env.update(DATABASE_URL=pg_url(DB), CONN_MAX_AGE="0")
    env.update(
        {f"BENCH_TICKETS_{k}": os.environ[f"BENCH_TICKETS_{k}"] for k in PASS_ENV if f"BENCH_TICKETS_{k}" in os.environ}
    )
    result: dict = {**meta}
    failures: list[str] = []
    created = False
    try:
        reuse = REUSE and database_exists()
        if not reuse:
            reason = pg_create(DB)
            if reason:
                print(f"  se omite: {reason}")
                return finish(RESULTS, {**meta, "skipped": reason}, [])
        created = True
        started = time.monotonic()
        run_step([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, timeout=3600)
        print(f"  migrate: {time.monotonic() - started:.1f} s", flush=True)
        if reuse:
            result["seed"] = step_json("counts", env, timeout=600)
            print(f"  base existente reutilizada: {result['seed']}", flush=True)
        else:
            result["seed"] = step_json("seed", env, timeout=7200)
            print(f"  datos generados en {result['seed']['total_s']} s: {result['seed']}", flush=True)
        result["load_before_measure"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"  carga (uptime) antes de medir: {result['load_before_measure']}", flush=True)
        started = time.monotonic()
        measured = step_json("measure", env, timeout=7200)
        print(f"  medición: {time.monotonic() - started:.0f} s", flush=True)
        result["load_after_measure"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        result.update(measured)
        failures += verdicts(measured["cases"])
        print_table(measured["cases"])
    except (BenchError, subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as exc:
        failures.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(f"  ERROR: {str(exc)[-3000:]}")
        result["error"] = str(exc)[-2000:]
    finally:
        if created and not KEEP:
            pg_drop(DB)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish(RESULTS, result, failures)


if __name__ == "__main__":
    sys.exit(main())

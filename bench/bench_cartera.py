"""The collections portfolio at scale (issue 3): 1,000,000 debtors and 5,000,000 gestiones on PostgreSQL.

1. Creates its own database ``crm_bench_cartera`` (not ``crm_bench``, so it may run alongside the
   other benchmarks), migrates it, and generates the portfolio inside PostgreSQL
   (``cartera_data.py seed``): one collections campaign (CR) with its settings and
   tipificaciones, a supervisor and BENCH_CARTERA_AGENTS agents (50) on the supervisor's team,
   BENCH_CARTERA_DEBTORS debtors (1,000,000) — 10 % in the unassigned pool, spread over the mora
   buckets and the inactivity states, some closed — with 1.2 phones each,
   BENCH_CARTERA_GESTIONES gestiones (5 per debtor), follow-ups and payment agreements; then
   VACUUM ANALYZE. Prints how long each part took.
2. Measures in-process with ``django.test.Client`` (``cartera_data.py measure``): "Siguiente"
   (the service and the view; the lease is released after each claim so every call claims
   again), the debtor list for an agent and the supervisor (pages, filters, searches) and the
   debtor card (typical debtors and debtors with 50+ gestiones). WARMUP unrecorded requests,
   then SAMPLES recorded ones per case: p50/p95/p99 and queries per request.
3. Drops the database (``BENCH_CARTERA_KEEP=1`` keeps it; ``BENCH_CARTERA_REUSE=1`` measures a
   kept one again after ``migrate``, without generating it anew).

Targets: "Siguiente" p95 ≤ 20 ms; debtor list and debtor card p95 ≤ 150 ms with ≤ 15 queries.
Returns 1 when one is missed or a step fails. PostgreSQL only: skipped with the reason when the
server cannot be reached.
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

DB = os.environ.get("BENCH_CARTERA_DB", "crm_bench_cartera")
RESULTS = ROOT / "bench" / "results" / "cartera.json"
HELPER = str(ROOT / "bench" / "cartera_data.py")
TARGETS = {"siguiente": (20.0, None), "lista": (150.0, 15), "ficha": (150.0, 15)}  # p95 ms, queries
KEEP = os.environ.get("BENCH_CARTERA_KEEP") == "1"
REUSE = os.environ.get("BENCH_CARTERA_REUSE") == "1"
PASS_ENV = ("AGENTS", "DEBTORS", "GESTIONES", "SAMPLES", "WARMUP")


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
    print(f"\n  {'caso':<52}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'máx ms':>8}{'consultas':>11}  objetivo")
    for case in cases.values():
        max_ms, max_queries = TARGETS[case["group"]]
        queries = str(case["queries_max"])
        if case["queries_min"] != case["queries_max"]:
            queries = f"{case['queries_min']}–{case['queries_max']}"
        target = f"p95 ≤ {max_ms:.0f}" + (f", ≤ {max_queries} q" if max_queries else "")
        print(
            f"  {case['label']:<52}{case['p50_ms']:>8}{case['p95_ms']:>8}{case['p99_ms']:>8}{case['max_ms']:>8}"
            f"{queries:>11}  {target} {'PASS' if case['ok'] else 'FAIL'}"
        )


def main() -> int:
    meta = environment()
    print("  " + ", ".join(f"{k}={v}" for k, v in meta.items()), flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-cartera-"))
    env = bench_env(tmp)
    env.update(DATABASE_URL=pg_url(DB), CONN_MAX_AGE="0")
    env.update(
        {f"BENCH_CARTERA_{k}": os.environ[f"BENCH_CARTERA_{k}"] for k in PASS_ENV if f"BENCH_CARTERA_{k}" in os.environ}
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

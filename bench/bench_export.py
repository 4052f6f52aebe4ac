"""Excel export of 1,000,000 gestiones in the background (issue 3), on PostgreSQL.

1. Creates the database ``crm_bench_export`` (its own: other benchmarks may use ``crm_bench`` at
   the same time), migrates it and seeds it (``export_data.py seed``): a collections campaign
   with a supervisor and 10 agents, BENCH_EXPORT_GESTIONES gestiones (default 1,000,000, five
   per debtor, one phone each) generated in SQL, and another team's 50,000 gestiones in another
   campaign that the supervisor's export must leave out. Skipped, with the reason, when
   PostgreSQL cannot be reached.
2. ``export_data.py request``: the supervisor's GET /cartera/gestiones/?export=xlsx through
   Django's test client with the database task queue, so the request only queues the export job
   and redirects to its progress page. Also times the size probe (a COUNT over at most
   EXPORT_SYNC_MAX_ROWS + 1 rows) against a full COUNT of the same list.
3. ``export_data.py worker``: ``manage.py db_worker --batch`` inside the measured subprocess
   runs the job as production does: the list rebuilt for the supervisor, rows from a chunked
   iterator into openpyxl's write-only sheet, the file saved to a temp dir and copied into the
   media storage. Peak memory is ``ru_maxrss`` of that subprocess (the whole process: Python,
   Django, openpyxl, the worker); RSS and the job's progress are sampled every 2 s.
4. ``export_data.py check FILE``: counts the ``<row>`` elements of the stored file's sheet,
   reads its header and first row with openpyxl and compares that row with the list's first row.

Target: peak memory ≤ 300 MB. Also fails when the job does not end ``done`` or the file does
not hold exactly BENCH_EXPORT_GESTIONES rows plus the header. Figures go to
``bench/results/export.json``. BENCH_EXPORT_TIMEOUT (seconds, default 3600) bounds each step.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export_data  # noqa: E402  (sibling modules, importable once bench/ is on the path)
from support import ROOT, BenchError, bench_env, finish, pg_create, pg_drop, pg_url, run_step  # noqa: E402

DB = "crm_bench_export"
RESULTS = ROOT / "bench" / "results" / "export.json"
TIMEOUT = float(os.environ.get("BENCH_EXPORT_TIMEOUT", "3600"))
MAX_PEAK_MB = 300.0
HELPER = str(ROOT / "bench" / "export_data.py")


def step_json(args: list[str], env: dict[str, str], timeout: float = TIMEOUT) -> dict:
    out = run_step([sys.executable, HELPER, *args], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(env: dict[str, str], result: dict) -> list[str]:
    """The steps, each in its own subprocess; figures go into ``result`` as they come."""
    started = time.monotonic()
    run_step([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, timeout=600)
    result["seed"] = step_json(["seed"], env)
    print(
        f"  datos: {result['seed']['gestiones_in_table']:,} gestiones en la tabla "
        f"({time.monotonic() - started:.0f} s con migrate)",
        flush=True,
    )
    result["request"] = step_json(["request"], env, timeout=600)
    print(f"  petición: {result['request']}", flush=True)
    result["load_before"] = load_average()
    print(f"  carga antes de la exportación (1/5/15 min): {result['load_before']}", flush=True)
    result["worker"] = step_json(["worker"], env)
    worker = result["worker"]
    print(
        f"  exportación: {worker['status']} en {worker['seconds']} s, pico {worker['peak_mb']} MB, "
        f"archivo {worker['file_mb']} MB",
        flush=True,
    )
    failures = []
    if result["request"]["status"] != 302 or "/exportaciones/" not in result["request"]["location"]:
        failures.append(f"la petición no encoló la exportación: {result['request']}")
    if worker["status"] != "done":
        failures.append(f"la exportación terminó en estado {worker['status']}: {worker['error']}")
        return failures
    result["check"] = step_json(["check", worker["file"]], env)
    check = result["check"]
    if worker["peak_mb"] > MAX_PEAK_MB:
        failures.append(f"memoria pico {worker['peak_mb']:.0f} MB > {MAX_PEAK_MB:.0f} MB")
    if check["rows_with_header"] != export_data.GESTIONES + 1 or worker["total_rows"] != export_data.GESTIONES:
        failures.append(
            f"el archivo tiene {check['rows_with_header'] - 1} filas (trabajo: {worker['total_rows']}); "
            f"se esperaban {export_data.GESTIONES}"
        )
    if not check["first_row_matches_list"]:
        failures.append(f"la primera fila del archivo no es la de la lista: {check['first_row']}")
    return failures


def print_summary(result: dict) -> None:
    worker, check, request = result["worker"], result.get("check", {}), result["request"]
    rows = worker["total_rows"]
    print(f"\n  Exportación de {export_data.GESTIONES:,} gestiones (objetivo ≤ {MAX_PEAK_MB:.0f} MB)")
    print(
        f"  filas {rows:,} · {worker['seconds']} s ({round(rows / worker['seconds']) if worker['seconds'] else '–'} "
        f"filas/s; CPU del proceso {worker.get('cpu_seconds')} s) · pico {worker['peak_mb']} MB "
        f"(tras arrancar {worker['baseline_peak_mb']} MB) · "
        f"archivo {worker['file_mb']} MB · filas en el archivo {check.get('rows_with_header', 0) - 1:,}"
    )
    print(
        f"  primera página de la lista {request['list_page_ms']} ms (primera petición del proceso); "
        f"petición ?export=xlsx: {request['status']} en {request['request_ms']} ms; sondeo LIMIT "
        f"{request['probe_ms']} ms frente a COUNT completo {request['full_count_ms']} ms ({request['full_count']:,})"
    )
    samples = worker["samples"]
    if samples:
        picks = [samples[round(i * (len(samples) - 1) / 4)] for i in range(5)]
        text = ", ".join(f"{t:.0f} s: {mb} MB / {done:,} filas" for t, mb, done in picks)
        print(f"  RSS durante la exportación: {text}")
    print(f"  {'PASS' if worker['peak_mb'] <= MAX_PEAK_MB else 'FAIL'} memoria")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-export-"))
    result: dict = {"gestiones": export_data.GESTIONES}
    failures: list[str] = []
    created = False
    try:
        reason = pg_create(DB)
        if reason:
            print(f"PostgreSQL omitido: {reason}")
            result["skipped"] = reason
            return 0
        created = True
        env = bench_env(tmp)
        env.update(
            DATABASE_URL=pg_url(DB),
            CONN_MAX_AGE="0",
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            TMPDIR=str(tmp),
            BENCH_EXPORT_GESTIONES=str(export_data.GESTIONES),
        )
        try:
            failures = run(env, result)
        except (BenchError, subprocess.TimeoutExpired) as exc:
            result["error"] = str(exc)[-2000:]
            failures.append(str(exc)[-2000:])
        if "worker" in result:
            print_summary(result)
    finally:
        if created:
            pg_drop(DB)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish(RESULTS, result, failures)


if __name__ == "__main__":
    sys.exit(main())

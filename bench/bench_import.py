"""Debtor import of a large debt-collection file (issue 3), on SQLite and PostgreSQL.

1. Generates once, into a temp dir, a BENCH_IMPORT_ROWS-row .xlsx (default 100,000) of the
   collections layout (RUT, NOMBRE, TELEFONO, MONTO, FECHA_VENC): valid Costa Rican cédulas,
   phones typed the sample's many ways, ~5 % repeated debtors (same cédula, phone written
   differently, new balance) and ~0.5 % rows that must be rejected (no contact; impossible phone).
2. For SQLite (a fresh temp file) and PostgreSQL (``crm_bench``, created and dropped here; skipped
   with the reason when unreachable): migrate, create a collections campaign (CR) and a
   supervisor, then in a subprocess import the file the way the app does
   (``import_job_create`` with the file as a Django ``File`` → ``import_job_confirm`` with the
   proposed mapping; ``TASKS_BACKEND=ImmediateBackend`` runs the task inline on commit).
3. In the same run, right before each import, times a bare openpyxl read-only pass over the file
   (``load_workbook(read_only=True)`` + ``iter_rows(values_only=True)``) in a subprocess.

Targets: import ≤ 60 s, ≤ 1.5× the openpyxl pass, peak memory ≤ 500 MB (``ru_maxrss`` of the
import subprocess: the whole process, Django included). Also checks the job's counts against
what the generator wrote. Returns 1 when a target is missed, after printing everything.
BENCH_IMPORT_TIMEOUT (seconds, default 900) bounds each import; on timeout the job's progress
so far is read back from the database and reported.
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
import import_data  # noqa: E402  (sibling modules, importable once bench/ is on the path)
from support import PG_BENCH_URL, ROOT, BenchError, bench_env, finish, pg_create, pg_drop, run_step  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "import.json"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
TIMEOUT = float(os.environ.get("BENCH_IMPORT_TIMEOUT", "900"))
DATABASES = [name for name in os.environ.get("BENCH_IMPORT_DATABASES", "sqlite,postgresql").split(",") if name]
MAX_SECONDS = 60.0
MAX_RATIO = 1.5
MAX_PEAK_MB = 500.0
HELPER = str(ROOT / "bench" / "import_data.py")


def step_json(args: list[str], env: dict[str, str], timeout: float = 900) -> dict:
    out = run_step([sys.executable, HELPER, *args], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def bench_database(env: dict[str, str], files: dict[str, tuple[Path, dict]]) -> tuple[dict, list[str]]:
    """Each case imports its file into the same campaign, in order: new debtors, then a refresh."""
    run_step([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, timeout=600)
    step_json(["seed"], env, timeout=120)
    results, failures = {}, []
    for case, (xlsx, expected) in files.items():
        bare = step_json(["openpyxl", str(xlsx)], env, timeout=600)
        print(f"  {case}: openpyxl read-only {bare['rows'] - 1} filas en {bare['seconds']:.1f} s", flush=True)
        results[case], case_failures = bench_case(env, xlsx, expected, bare)
        print(f"  {case}: importación {results[case]['seconds']:.1f} s", flush=True)
        failures += [f"{case}: {text}" for text in case_failures]
    return results, failures


def bench_case(env: dict[str, str], xlsx: Path, expected: dict, bare: dict) -> tuple[dict, list[str]]:
    started = time.monotonic()
    try:
        result = step_json(["run", str(xlsx)], env, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:  # subprocess.run has killed the import
        elapsed = time.monotonic() - started
        result = {"timeout": True, "seconds": round(elapsed, 1), **step_json(["status"], env, timeout=120)}
    result["openpyxl_seconds"] = bare["seconds"]
    result["openpyxl_peak_mb"] = bare["peak_mb"]
    result["ratio"] = round(result["seconds"] / bare["seconds"], 2) if bare["seconds"] else None
    result["rows_per_s"] = round(ROWS / result["seconds"]) if not result.get("timeout") else None
    failures = []
    if result.get("timeout"):
        failures.append(f"la importación no terminó en {TIMEOUT:.0f} s (se detuvo)")
    elif result["status"] != "done":
        failures.append(f"la importación terminó en estado {result['status']}: {result['error']}")
    else:
        if result["seconds"] > MAX_SECONDS:
            failures.append(f"{result['seconds']:.1f} s > {MAX_SECONDS:.0f} s")
        if result["ratio"] > MAX_RATIO:
            failures.append(f"{result['ratio']}× openpyxl > {MAX_RATIO}×")
        if result["peak_mb"] > MAX_PEAK_MB:
            failures.append(f"memoria pico {result['peak_mb']:.0f} MB > {MAX_PEAK_MB:.0f} MB")
        counts = {key: result[key] for key in expected if key != "rows"}
        wanted = {key: expected[key] for key in counts}
        if counts != wanted:
            failures.append(f"conteos {counts} ≠ esperados {wanted}")
    return result, failures


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


CASES = {
    "nuevos": "the file into an empty campaign: every debtor is created",
    "refresco": "the same debtors with every balance changed: every debtor is updated, with history",
}


def print_table(results: dict) -> None:
    targets = f"≤ {MAX_SECONDS:.0f} s, ≤ {MAX_RATIO}× openpyxl, ≤ {MAX_PEAK_MB:.0f} MB"
    print(f"\n  Importación de {ROWS:,} filas (objetivo {targets})")
    print(
        f"  {'base':<11}{'caso':<10}{'import s':>10}{'openpyxl s':>12}{'ratio':>7}{'pico MB':>9}"
        f"{'filas/s':>9}{'creados':>9}{'actualiz.':>10}{'rechaz.':>9}   tiempo ratio memoria"
    )
    for name, cases in results.items():
        if "skipped" in cases or "error" in cases:
            label = "omitida" if "skipped" in cases else "error"
            print(f"  {name:<11}{label}: {cases.get('skipped') or cases['error']}")
            continue
        for case, r in cases.items():
            done = not r.get("timeout") and r.get("status") == "done"
            seconds = f"{r['seconds']:.1f}" + ("+" if r.get("timeout") else "")
            peak = f"{r['peak_mb']:.0f}" if "peak_mb" in r else "–"
            print(
                f"  {name:<11}{case:<10}{seconds:>10}{r['openpyxl_seconds']:>12.1f}{r['ratio']:>7}{peak:>9}"
                f"{r['rows_per_s'] or '–'!s:>9}{r['created']:>9}{r['updated']:>10}{r['rejected']:>9}"
                f"   {verdict(done and r['seconds'] <= MAX_SECONDS):<6} {verdict(done and r['ratio'] <= MAX_RATIO):<5} "
                f"{verdict(done and r.get('peak_mb', 1e9) <= MAX_PEAK_MB)}"
            )
            if done:
                print(
                    f"  {'':<21}alta del trabajo {r['create_seconds']:.1f} s + ejecución {r['run_seconds']:.1f} s; "
                    f"memoria tras arrancar Django {r['baseline_mb']:.0f} MB; {r['debtors']} deudores, "
                    f"{r['phones']} teléfonos; {r['unchanged']} sin cambios"
                )
            else:
                progress = f"processed_rows={r.get('processed_rows')} (estado {r.get('status')})"
                print(f"  {'':<21}progreso al detenerla: {progress}")
    print("  La memoria pico es ru_maxrss del subproceso de importación (los procesos de análisis aparte).")


def main() -> int:
    results, failures = {}, []
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-import-"))
    try:
        started = time.monotonic()
        files = {}
        first = import_data.generate(tmp / "nuevos.xlsx", ROWS)
        files["nuevos"] = (tmp / "nuevos.xlsx", {**first, "unchanged": 0})
        import_data.generate(tmp / "refresco.xlsx", ROWS, amount_shift=7)
        refresh = {"rows": ROWS, "created": 0, "updated": ROWS - first["rejected"], "unchanged": 0}
        files["refresco"] = (tmp / "refresco.xlsx", {**refresh, "rejected": first["rejected"]})
        size = (tmp / "nuevos.xlsx").stat().st_size / 1024 / 1024
        print(
            f"Archivos generados: 2 × {ROWS:,} filas ({size:.1f} MB) en {time.monotonic() - started:.1f} s; "
            f"se esperan {first['created']} nuevos, {first['updated']} actualizados y {first['rejected']} "
            f"rechazados, luego {refresh['updated']} actualizados",
            flush=True,
        )
        for name in DATABASES:
            print(f"\n== {name} ==", flush=True)
            env, pg_created = bench_env(tmp), False
            env["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
            try:
                if name == "sqlite":
                    env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
                else:
                    reason = pg_create()
                    if reason:
                        print(f"  PostgreSQL omitido: {reason}")
                        results[name] = {"skipped": reason}
                        continue
                    pg_created = True
                    env.update(DATABASE_URL=PG_BENCH_URL, CONN_MAX_AGE="0")
                results[name], db_failures = bench_database(env, files)
                failures += [f"{name}: {text}" for text in db_failures]
            except (BenchError, subprocess.TimeoutExpired) as exc:
                results[name] = {"error": str(exc)[-2000:]}
                failures.append(f"{name}: {exc}")
            finally:
                if pg_created:
                    pg_drop()
                shutil.rmtree(tmp / "media", ignore_errors=True)
                (tmp / "bench.sqlite3").unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_table(results)
    expected = {case: wanted for case, (_, wanted) in files.items()}
    return finish(RESULTS, {"rows": ROWS, "expected": expected, "results": results}, failures)


if __name__ == "__main__":
    sys.exit(main())

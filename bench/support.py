"""Plumbing shared by the benchmarks: a clean app environment, subprocess steps, the throwaway
PostgreSQL database and the uvicorn server. Not a benchmark (run_all.py only runs ``bench_*.py``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the project's helpers (core.testing) without Django settings

from core.testing.processes import stop_process  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "crm_bench"
PG_BENCH_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def setup_django() -> None:
    """Django set up in a bench helper subprocess (its environment names the database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (NaN when empty)."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summarise(group: str, label: str, seconds: list[float], queries: list[int], extra: dict | None = None) -> dict:
    """One measured case: latency percentiles in ms and the queries per request."""
    ordered = sorted(seconds)
    return {
        "group": group,
        "label": label,
        "samples": len(ordered),
        "p50_ms": round(percentile(ordered, 50) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "queries_min": min(queries),
        "queries_max": max(queries),
        **(extra or {}),
    }


def pg_url(db: str = PG_DB) -> str:
    """DATABASE_URL of a bench database (each benchmark that may run alongside others has its own)."""
    return f"postgres://postgres@127.0.0.1:5432/{db}"


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def bench_env(tmp: Path) -> dict[str, str]:
    """A clean environment: nothing from the caller's shell or .env reaches the app."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update(
        CRM_ENV_FILE="/dev/null",
        DJANGO_SETTINGS_MODULE="crm.settings",
        SECRET_KEY="bench",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        MEDIA_ROOT=str(tmp / "media"),
        BACKUP_DIR=str(tmp / "backups"),
        LOG_LEVEL="WARNING",
    )
    return env


def run_step(args: list[str], env: dict[str, str], timeout: float = 900) -> str:
    """Run a step of the preparation in ROOT; its stdout, or BenchError with its stderr."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise BenchError(f"`{' '.join(args[1:])}` falló ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


# --- PostgreSQL -----------------------------------------------------------------------------


def pg_create(db: str = PG_DB) -> str | None:
    """Create an empty bench database; the reason to skip PostgreSQL when that is impossible."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg no está instalado ({exc})"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {db}")
    except psycopg.Error as exc:
        return f"PostgreSQL no disponible en {PG_ADMIN_URL}: {' '.join(str(exc).split())}"
    return None


def pg_drop(db: str = PG_DB) -> None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    except psycopg.Error as exc:
        print(f"  aviso: no se pudo borrar la base {db}: {exc}")


class PgConnectionPeak(threading.Thread):
    """Samples how many connections the bench database has open, four times a second."""

    def __init__(self, db: str = PG_DB) -> None:
        super().__init__(daemon=True)
        self.db, self.peak, self.stop = db, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            while not self.stop.wait(0.25):
                self.peak = max(self.peak, conn.execute(sql, [self.db]).fetchone()[0])


# --- uvicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], log_path: Path, workers: int) -> tuple[subprocess.Popen, int]:
    """uvicorn on a free 127.0.0.1 port, once /health/ has answered 200 a few times in a row."""
    port = free_port()
    uvicorn = ROOT / ".venv" / "bin" / "uvicorn"
    command = [str(uvicorn)] if uvicorn.exists() else [sys.executable, "-m", "uvicorn"]
    command += ["crm.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--lifespan", "off", "--log-level", "warning"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline, healthy = time.monotonic() + 60, 0
    while healthy < 4:
        if server.poll() is not None:
            raise BenchError(f"uvicorn terminó ({server.returncode}):\n{tail(log_path)}")
        if time.monotonic() > deadline:
            stop_server(server)
            raise BenchError(f"/health/ no respondió 200 en 60 s:\n{tail(log_path)}")
        try:
            ok = httpx.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code == 200
        except httpx.HTTPError:
            ok = False
        healthy = healthy + 1 if ok else 0
        time.sleep(0.2 if ok else 0.5)
    return server, port


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the uvicorn parent (it stops its workers); SIGKILL to it after 20 s."""
    stop_process(server, timeout=20)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its direct children (uvicorn and its workers)."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores, everything but idle and iowait)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def connections_per_process(port: int) -> list[int]:
    """Established connections to ``port`` per server process (uvicorn workers), most first."""
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"sport = :{port}"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


def peak_mb() -> float:
    """Peak resident memory of this process so far (``ru_maxrss``; KiB on Linux)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def finish(results_path: Path, payload: dict, failures: list[str]) -> int:
    """Write a benchmark's figures as JSON and print its verdict; the exit status for run_all."""
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(payload, indent=2, default=str))
    if failures:
        print("\nFuera de objetivo:")
        for text in failures:
            print(f"  - {text}")
        return 1
    print("\nTodo dentro de objetivo.")
    return 0

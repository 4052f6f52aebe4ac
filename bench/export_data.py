"""Django side of bench_export: the gestiones to export and the steps run in subprocesses.

    python bench/export_data.py seed            # JSON: campaigns, team, debtors, phones, gestiones
    python bench/export_data.py request         # JSON: the supervisor's GET ?export=xlsx (queues a job)
    python bench/export_data.py worker          # JSON: db_worker --batch runs the export; memory and time
    python bench/export_data.py check FILE      # JSON: rows in the file, its header, first row vs the list

The people, campaigns and tipificaciones go through the app's services and the ORM; debtors,
phones and gestiones are generated inside PostgreSQL with ``INSERT … SELECT generate_series(…)``
into the tables the migrations made (``setseed`` makes every run alike). A second team in
another campaign gets its own gestiones, which the supervisor's export must leave out. Peak
memory is ``ru_maxrss`` of the subprocess: the whole process (Python, Django, openpyxl).
Not a benchmark itself (run_all.py only runs ``bench_*.py``).
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import threading
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import peak_mb, setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GESTIONES = int(os.environ.get("BENCH_EXPORT_GESTIONES", "1000000"))
PER_DEBTOR = 5  # gestiones per debtor
OTHER_GESTIONES = 50_000  # the other team's, never in the supervisor's export
AGENTS = 10
CAMPAIGN = "Bench Exportación Cobranza"
OTHER_CAMPAIGN = "Bench Exportación Otra"
SUPERVISOR = "bench_export_supervisor"
OTHER_SUPERVISOR = "bench_export_otro_supervisor"
LIST_PATH = "/cartera/gestiones/"

FIRST = ["Ana", "Luis", "María", "José", "Carmen", "Jorge", "Paola", "Andrés", "Laura", "Diego", "Sofía", "Pablo"]
LAST = ["Araya", "Rojas", "Mora", "Vargas", "Solís", "Quesada", "Jiménez", "Castro", "Chaves", "Brenes", "Monge"]
CITIES = ["San José", "Heredia", "Alajuela", "Cartago", "Liberia", "Puntarenas", "Limón"]
NOTES = [
    "",
    "No contesta, se deja mensaje de voz.",
    "Cliente indica que paga el viernes con SINPE; se agenda seguimiento.",
    "Cuelga al identificarse la llamada.",
    "Número de un familiar; dice que el titular llega después de las 6 p. m.",
    "Solicita arreglo de pago en tres cuotas; se envía propuesta al correo registrado.",
    "",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_seconds() -> float:
    """User + system CPU time of this process (the sampler thread included, a negligible share)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- seed -----------------------------------------------------------------------------------


def _team(campaign, supervisor_name: str, agents: int, prefix: str) -> list[int]:
    from core.models import CampaignMembership, User
    from core.roles import Role

    supervisor = User.objects.create_user(username=supervisor_name, password=None, role=Role.SUPERVISOR)
    CampaignMembership.objects.create(user=supervisor, campaign=campaign)
    ids = []
    for index in range(agents):
        agent = User.objects.create_user(
            username=f"{prefix}_{index:02d}", password=None, role=Role.AGENTE, supervisor=supervisor
        )
        CampaignMembership.objects.create(user=agent, campaign=campaign)
        ids.append(agent.pk)
    return ids


def _generate(cursor, *, campaign, agents: list[int], gestiones: int, first_document: int) -> dict:
    """Debtors (one phone each) of ``campaign`` assigned round-robin to ``agents``, and
    ``gestiones`` gestiones over them, PER_DEBTOR each, in the last 180 days."""
    from django.utils import timezone

    from cartera.models import Outcome

    outcomes = dict(Outcome.objects.filter(campaign=campaign).values_list("code", "pk"))
    debtors = -(-gestiones // PER_DEBTOR)
    now, today = timezone.now(), timezone.localdate()
    common = {"campaign": campaign.pk, "now": now, "today": today}
    timings = {}
    started = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO cartera_debtor (campaign_id, document_type, document_number, full_name, email, address, city,
            product, original_amount, amount_due, due_date, variables, assigned_agent_id, last_outcome_id, priority,
            closed, last_contact_at, last_seen_at, lease_holder_id, lease_until, created_at, updated_at)
        SELECT %(campaign)s, 'cedula', (%(first_document)s + g)::text,
            (%(first)s::text[])[1 + g %% %(n_first)s] || ' ' || (%(last)s::text[])[1 + (g / 7) %% %(n_last)s] || ' '
                || (%(last)s::text[])[1 + (g / 3) %% %(n_last)s],
            '', '', (%(cities)s::text[])[1 + g %% %(n_cities)s], 'Tarjeta de crédito', NULL,
            round((50000 + random() * 1950000)::numeric, 2), %(today)s - (g %% 400), '{}'::jsonb,
            (%(agents)s::bigint[])[1 + g %% %(n_agents)s], NULL, 3, false, NULL, %(now)s, NULL, NULL, %(now)s, %(now)s
        FROM generate_series(1, %(debtors)s) AS g
        """,
        {
            **common,
            "first_document": first_document,
            "first": FIRST,
            "n_first": len(FIRST),
            "last": LAST,
            "n_last": len(LAST),
            "cities": CITIES,
            "n_cities": len(CITIES),
            "agents": agents,
            "n_agents": len(agents),
            "debtors": debtors,
        },
    )
    timings["debtors_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO cartera_debtorphone (debtor_id, e164, raw, phone_type, is_primary, last_result, invalid, created_at)
        SELECT d.id, '+5068' || lpad((d.id %% 10000000)::text, 7, '0'), lpad((d.id %% 10000000)::text, 7, '0'),
            'mobile', true, '', false, %(now)s
        FROM cartera_debtor d WHERE d.campaign_id = %(campaign)s
        """,
        common,
    )
    timings["phones_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO cartera_gestion (debtor_id, agent_id, channel, phone_id, outcome_id, notes, next_action_at,
            promised_amount, promised_date, created_at)
        SELECT x.debtor_id, x.agent_id, 'llamada', x.phone_id, x.outcome_id, x.notes, NULL,
            CASE WHEN x.outcome_id = %(promise)s THEN round((10000 + random() * 90000)::numeric, 2) END,
            CASE WHEN x.outcome_id = %(promise)s THEN (x.created_at + interval '7 days')::date END,
            x.created_at
        FROM (
            SELECT d.id AS debtor_id, d.assigned_agent_id AS agent_id, p.id AS phone_id,
                (%(outcomes)s::bigint[])[1 + floor(random() * %(n_outcomes)s)::int] AS outcome_id,
                (%(notes)s::text[])[1 + floor(random() * %(n_notes)s)::int] AS notes,
                %(now)s - random() * interval '180 days' AS created_at
            FROM cartera_debtor d JOIN cartera_debtorphone p ON p.debtor_id = d.id
                CROSS JOIN generate_series(1, %(per)s) AS k
            WHERE d.campaign_id = %(campaign)s
            ORDER BY d.id, k
            LIMIT %(gestiones)s
        ) AS x
        """,
        {
            **common,
            "promise": outcomes["PROMESA_PAGO"],
            "outcomes": list(outcomes.values()),
            "n_outcomes": len(outcomes),
            "notes": NOTES,
            "n_notes": len(NOTES),
            "per": PER_DEBTOR,
            "gestiones": gestiones,
        },
    )
    timings["gestiones_s"] = round(time.perf_counter() - started, 1)
    return {"debtors": debtors, **timings}


def seed() -> dict:
    from django.db import connection, transaction

    from cartera.services import outcomes_seed
    from core import services
    from core.choices import Country, Module

    started = time.perf_counter()
    with transaction.atomic():
        campaign = services.campaign_create(name=CAMPAIGN, module=Module.CARTERA, country=Country.CR)
        other = services.campaign_create(name=OTHER_CAMPAIGN, module=Module.CARTERA, country=Country.CR)
        for one in (campaign, other):
            outcomes_seed(campaign=one)
        agents = _team(campaign, SUPERVISOR, AGENTS, "bench_export_agente")
        others = _team(other, OTHER_SUPERVISOR, 2, "bench_export_otro_agente")
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.2026)")
            mine = _generate(cursor, campaign=campaign, agents=agents, gestiones=GESTIONES, first_document=100_000_000)
            theirs = _generate(
                cursor, campaign=other, agents=others, gestiones=OTHER_GESTIONES, first_document=500_000_000
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cartera_debtor, cartera_debtorphone, cartera_gestion")
        cursor.execute("SELECT count(*) FROM cartera_gestion")
        total = cursor.fetchone()[0]
    return {
        "gestiones": GESTIONES,
        "other_gestiones": OTHER_GESTIONES,
        "gestiones_in_table": total,
        "supervisor_team": mine,
        "other_team": theirs,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- request: what the supervisor's click costs -----------------------------------------------


def request() -> dict:
    """GET the gestiones list with ?export=xlsx as the supervisor (database task queue: the request
    only queues the job), after one GET of the list's first page; also times the size probe
    against a full COUNT of the same list."""
    from django.conf import settings
    from django.test import Client

    from cartera.models import Gestion
    from core.export_jobs import has_more_rows_than
    from core.models import User

    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.endswith("DatabaseBackend"):
        raise SystemExit(f"TASKS_BACKEND debe ser la cola en base de datos, no {backend}")
    user = User.objects.get(username=SUPERVISOR)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    started = time.perf_counter()
    page = client.get(LIST_PATH)  # warms the process up (first request); the list's first page
    page_s = time.perf_counter() - started
    started = time.perf_counter()
    response = client.get(f"{LIST_PATH}?export=xlsx")
    request_s = time.perf_counter() - started
    queryset = Gestion.objects.visible_to(user)
    started = time.perf_counter()
    more = has_more_rows_than(queryset, settings.EXPORT_SYNC_MAX_ROWS)
    probe_s = time.perf_counter() - started
    started = time.perf_counter()
    count = queryset.count()
    count_s = time.perf_counter() - started
    return {
        "list_page_status": page.status_code,
        "list_page_ms": round(page_s * 1000, 1),
        "status": response.status_code,
        "location": response.get("Location", ""),
        "request_ms": round(request_s * 1000, 1),
        "probe_ms": round(probe_s * 1000, 1),
        "probe_more": more,
        "full_count": count,
        "full_count_ms": round(count_s * 1000, 1),
        "sync_max_rows": settings.EXPORT_SYNC_MAX_ROWS,
    }


# --- worker: the export itself ------------------------------------------------------------------


class Sampler(threading.Thread):
    """Every ``every`` seconds: elapsed time, this process's RSS and the job's processed_rows."""

    def __init__(self, job_id: int, every: float = 2.0):
        super().__init__(daemon=True)
        self.job_id, self.every = job_id, every
        self.samples: list[tuple[float, float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from core.models import ExportJob

        started = time.perf_counter()
        try:
            while not self.stop.wait(self.every):
                rows = ExportJob.objects.filter(pk=self.job_id).values_list("processed_rows", flat=True).first()
                self.samples.append((round(time.perf_counter() - started, 1), rss_mb(), rows or 0))
        finally:
            connection.close()


def worker() -> dict:
    """``manage.py db_worker --batch`` in this process: it takes the queued export and runs it."""
    from django.core.management import call_command

    from core.models import ExportJob

    job = ExportJob.objects.order_by("-pk").first()
    baseline = {"baseline_rss_mb": rss_mb(), "baseline_peak_mb": peak_mb()}
    sampler = Sampler(job.pk)
    sampler.start()
    started, cpu_before = time.perf_counter(), cpu_seconds()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
    sampler.stop.set()
    sampler.join()
    job.refresh_from_db()
    path = job.file.path if job.file else ""
    return {
        **baseline,
        "job": job.pk,
        "status": job.status,
        "error": job.error[:500],
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "task_seconds": round((job.finished_at - job.started_at).total_seconds(), 1) if job.finished_at else None,
        "peak_mb": peak_mb(),
        "file": path,
        "file_mb": round(Path(path).stat().st_size / 1024 / 1024, 1) if path else None,
        "samples": sampler.samples,
    }


# --- check: what the file holds -----------------------------------------------------------------


def count_rows(path: str) -> int:
    """``<row`` elements of the first sheet, read from the zip in chunks (no openpyxl, no DOM)."""
    pattern, count, tail = re.compile(rb"<row[ >]"), 0, b""
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            count += len(pattern.findall(data))
            tail = data[-4:]  # a "<row" cut by the chunk boundary; too short to hold a whole match
    return count


def same_cell(read, written) -> bool:
    """A value read back from the file against the one the export wrote: Excel keeps numbers as
    floats, dates as datetimes at midnight, times to the millisecond and "" as an empty cell."""
    if written in ("", None):
        return read in ("", None)
    if isinstance(written, datetime):
        return isinstance(read, datetime) and abs((read - written).total_seconds()) < 0.001
    if isinstance(written, date):
        return isinstance(read, datetime) and read.date() == written and read.time() == datetime.min.time()
    if isinstance(written, Decimal | float | int) and not isinstance(written, bool):
        return isinstance(read, int | float) and abs(float(read) - float(written)) < 1e-6
    return read == written


def check(path: str) -> dict:
    """The file's row count, header and first data row, and the list's first row as the
    supervisor sees it (newest gestión first) for comparison."""
    from openpyxl import load_workbook

    from cartera.models import Gestion
    from cartera.views_lists import GestionListView
    from core.exports import _value
    from core.models import User

    started = time.perf_counter()
    rows = count_rows(path)
    count_s = time.perf_counter() - started
    workbook = load_workbook(path, read_only=True)
    try:
        sheet = workbook.active
        head = []
        for row in sheet.iter_rows(values_only=True):
            head.append(row)
            if len(head) == 3:
                break
    finally:
        workbook.close()
    user = User.objects.get(username=SUPERVISOR)
    first = Gestion.objects.visible_to(user).select_related("debtor", "agent", "outcome", "phone").first()
    expected = [_value(first, accessor) for _, accessor in GestionListView.export_columns]
    return {
        "rows_with_header": rows,
        "count_seconds": round(count_s, 1),
        "header": list(head[0]),
        "first_row": [str(value) for value in head[1]],
        "first_row_matches_list": len(head[1]) == len(expected) and all(map(same_cell, head[1], expected)),
    }


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command not in ("seed", "request", "worker", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    setup_django()
    result = check(argv[2]) if command == "check" else {"seed": seed, "request": request, "worker": worker}[command]()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

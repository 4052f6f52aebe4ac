"""Helpers of bench_import: the generated debt-collection file and the steps run in subprocesses.

    python bench/import_data.py openpyxl FILE   # JSON: bare openpyxl read-only pass over FILE
    python bench/import_data.py seed            # JSON: a collections campaign (CR) and a supervisor
    python bench/import_data.py run FILE        # JSON: import FILE the way the app does, timed
    python bench/import_data.py status          # JSON: the last import job as the database has it

``run`` and ``seed`` need the Django environment (bench_import.py passes a clean one pointing at
the bench database). Peak memory is ``ru_maxrss`` of the subprocess: the whole process (Python,
Django, openpyxl), not only the import. Not a benchmark itself (run_all.py only runs ``bench_*.py``).
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import peak_mb, setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ("RUT", "NOMBRE", "TELEFONO", "MONTO", "FECHA_VENC")
CAMPAIGN = "Bench Importación Cobranza"
SUPERVISOR = "bench_import_supervisor"
UPLOAD_NAME = "cartera_bench.xlsx"
REPEAT_SHARE = 0.05  # rows repeating an earlier debtor: same cédula, phone written differently
BAD_SHARE = 0.005  # rows the import must reject: no contact at all, or an impossible phone and RUT

FIRST_NAMES = tuple(
    [
        "ANA",
        "MARÍA",
        "CARLOS",
        "LUIS",
        "SOFÍA",
        "ANDRÉS",
        "CARMEN",
        "FERNANDO",
        "DANIELA",
        "RICARDO",
        "PAOLA",
        "MAURICIO",
        "GABRIELA",
        "VALENTINA",
        "LUCÍA",
        "JOSÉ",
        "DIEGO",
        "LAURA",
        "JORGE",
        "MARCELA",
        "ESTEBAN",
        "KATHERINE",
        "ALONSO",
        "MELISSA",
    ]
)
SURNAMES = tuple(
    [
        "ARAYA",
        "SOLÍS",
        "ROJAS",
        "VARGAS",
        "RODRÍGUEZ",
        "CASTRO",
        "MORA",
        "SÁNCHEZ",
        "ALVARADO",
        "QUESADA",
        "GÓMEZ",
        "RAMOS",
        "HERNÁNDEZ",
        "PÉREZ",
        "MUÑOZ",
        "JIMÉNEZ",
        "CHAVES",
        "CALDERÓN",
        "BRENES",
        "MONGE",
        "SALAS",
        "ZÚÑIGA",
    ]
)


# --- The file -------------------------------------------------------------------------------


def _cedula(rng: random.Random, taken: set[str]) -> str:
    """A valid 9-digit Costa Rican cédula (province 1-9, tomo, asiento), as the sample writes it."""
    from stdnum.cr import cpf

    while True:
        number = f"{rng.randint(1, 9)}{rng.randint(1, 9999):04d}{rng.randint(1, 9999):04d}"
        if number not in taken and cpf.is_valid(number):
            taken.add(number)
            return number


def _phone(rng: random.Random, taken: set[str]) -> str:
    """Eight valid Costa Rican digits: mostly mobiles (6, 7, 8), some fixed lines (2)."""
    import phonenumbers

    while True:
        first = rng.choice("6788822")
        digits = first + f"{rng.randint(0, 9999999):07d}"
        if digits in taken:
            continue
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "CR")):
            taken.add(digits)
            return digits


def write_phone(digits: str, shape: int):
    """The sample's ways of typing one number; plain digits sometimes as an Excel number."""
    return (
        f"+506 {digits[:4]}-{digits[4:]}",
        f"506{digits}",
        f"{digits[:4]}-{digits[4:]}",
        f"{digits[:4]} {digits[4:]}",
        f"(506) {digits}",
        digits,
        int(digits),
        f" {digits} ",
        f"+506-{digits[:4]}-{digits[4:]}",
    )[shape % 9]


def generate(path: Path, rows: int, seed: int = 2026, amount_shift: int = 0) -> dict:
    """Write ``rows`` data rows (openpyxl write-only) and return what an import should report.

    The same seed gives the same debtors; ``amount_shift`` moves every balance, so a file made
    with a shift, imported over one made without, updates every debtor (the monthly refresh)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    bad = max(1, round(rows * BAD_SHARE)) if rows >= 200 else 0
    repeats = round(rows * REPEAT_SHARE)
    cedulas: set[str] = set()
    phones: set[str] = set()
    debtors: list[tuple[str, str]] = []
    # Which row positions get a repeat or a bad row: never the first rows (a repeat needs an earlier debtor).
    slots = rng.sample(range(min(rows, 50), rows), repeats + bad) if rows > 50 else []
    kinds = dict.fromkeys(slots[:repeats], "repeat") | dict.fromkeys(slots[repeats:], "bad")
    start = datetime(2026, 1, 1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cartera")
    sheet.append(HEADERS)
    for index in range(rows):
        kind = kinds.get(index, "new")
        amount = rng.choice((50_000, 104_000, 250_000, 1_250_000)) + rng.randint(0, 1_500) + amount_shift
        due = start + timedelta(days=rng.randint(0, 330))
        if kind == "new":
            cedula, digits = _cedula(rng, cedulas), _phone(rng, phones)
            debtors.append((cedula, digits))
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            sheet.append((cedula, name, write_phone(digits, rng.randrange(9)), amount, due))
        elif kind == "repeat":
            cedula, digits = rng.choice(debtors)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            sheet.append((cedula, name, write_phone(digits, rng.randrange(9)), amount + 1, due))
        elif index % 2:
            sheet.append((None, "SIN TELEFONO", None, 1000, due))
        else:
            sheet.append(("123", "TELEFONO MALO", "12-34", 1000, due))
    workbook.save(path)
    # A repeat of a repeated debtor updates it again: every repeat row counts as one update.
    return {"rows": rows, "created": len(debtors), "updated": repeats, "rejected": bad}


# --- Subprocess steps -----------------------------------------------------------------------


def openpyxl_pass(path: str) -> dict:
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True)
    rows = 0
    for _ in workbook.active.iter_rows(values_only=True):
        rows += 1
    workbook.close()
    return {"seconds": round(time.perf_counter() - started, 3), "rows": rows, "peak_mb": peak_mb()}


def seed() -> dict:
    from core import services
    from core.choices import Country, Module
    from core.models import User
    from core.roles import Role

    campaign = services.campaign_create(name=CAMPAIGN, module=Module.CARTERA, country=Country.CR)
    user = User.objects.create_user(username=SUPERVISOR, password=None, role=Role.SUPERVISOR)
    return {"campaign": campaign.pk, "user": user.pk, "phone_region": campaign.phone_region}


def run(path: str) -> dict:
    """Upload → job (header read, file stored) → confirm with the proposed mapping → run.

    With TASKS_BACKEND=ImmediateBackend the confirmation's on-commit enqueue runs the import
    inline, so ``import_job_confirm`` returns after the whole import.
    """
    from django.conf import settings
    from django.core.files import File

    from cartera.importer import import_job_confirm, import_job_create
    from core.models import Campaign, ImportJob, User

    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.endswith("ImmediateBackend"):
        raise SystemExit(f"TASKS_BACKEND debe ser ImmediateBackend, no {backend}")
    campaign = Campaign.objects.get(name=CAMPAIGN)
    user = User.objects.get(username=SUPERVISOR)
    baseline_mb = peak_mb()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        job = import_job_create(campaign=campaign, upload=File(handle, name=UPLOAD_NAME), user=user)
    created = time.perf_counter()
    import_job_confirm(job=job, mapping=job.mapping)
    finished = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    return {
        "seconds": round(finished - started, 3),
        "create_seconds": round(created - started, 3),
        "run_seconds": round(finished - created, 3),
        "peak_mb": peak_mb(),
        "baseline_mb": baseline_mb,
        "mapping": job.mapping,
        **job_figures(job),
    }


def job_figures(job) -> dict:
    from cartera.models import Debtor, DebtorPhone

    return {
        "job": job.pk,
        "status": job.status,
        "error": job.error[:500],
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "debtors": Debtor.objects.count(),
        "phones": DebtorPhone.objects.count(),
    }


def status() -> dict:
    from core.models import ImportJob

    job = ImportJob.objects.order_by("-pk").first()
    return job_figures(job) if job else {}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "openpyxl":
        result = openpyxl_pass(argv[2])
    elif command in ("seed", "run", "status"):
        setup_django()
        result = {"seed": seed, "status": status}[command]() if command != "run" else run(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

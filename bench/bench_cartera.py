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

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import ScaleBench  # noqa: E402
from support import ROOT  # noqa: E402

BENCH = ScaleBench(
    name="cartera",
    db=os.environ.get("BENCH_CARTERA_DB", "crm_bench_cartera"),
    helper=ROOT / "bench" / "cartera_data.py",
    results=ROOT / "bench" / "results" / "cartera.json",
    targets={"siguiente": (20.0, None), "lista": (150.0, 15), "ficha": (150.0, 15)},  # p95 ms, queries
    prefix="BENCH_CARTERA",
    pass_env=("AGENTS", "DEBTORS", "GESTIONES", "SAMPLES", "WARMUP"),
)


def main() -> int:
    return BENCH.run()


if __name__ == "__main__":
    sys.exit(main())

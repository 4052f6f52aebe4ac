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

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import ScaleBench  # noqa: E402
from support import ROOT  # noqa: E402

BENCH = ScaleBench(
    name="tickets",
    db=os.environ.get("BENCH_TICKETS_DB", "crm_bench_tickets"),
    helper=ROOT / "bench" / "tickets_data.py",
    results=ROOT / "bench" / "results" / "tickets.json",
    targets={"lista": (150.0, 12), "dashboard": (300.0, None)},  # p95 ms, queries
    prefix="BENCH_TICKETS",
    pass_env=("TICKETS", "COMMENTS", "REQUESTERS", "SAMPLES", "WARMUP"),
    rows_column=True,
)


def main() -> int:
    return BENCH.run()


if __name__ == "__main__":
    sys.exit(main())

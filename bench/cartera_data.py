"""Django side of bench_cartera: the 1,000,000-debtor portfolio and the in-process measurements.

Run by bench_cartera.py in subprocesses whose environment points Django at the bench database:

    python bench/cartera_data.py seed      # JSON: what was generated and how long each part took
    python bench/cartera_data.py measure   # JSON: p50/p95/p99 and queries of every measured case

The campaign, its settings, tipificaciones and people go through the app's services and the ORM;
the bulk (debtors, phones, gestiones, follow-ups, agreements, instalments) is generated inside
PostgreSQL with ``INSERT … SELECT generate_series(…)`` into the tables the migrations made.
``random()`` is seeded (``setseed``), so every run generates the same portfolio relative to the
moment it ran. History tables (simple-history) are not filled. Not a benchmark itself
(run_all.py only picks up ``bench_*.py``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import setup_django  # noqa: E402

CAMPAIGN = "Bench Cartera Escala"
AGENTS = int(os.environ.get("BENCH_CARTERA_AGENTS", "50"))
DEBTORS = int(os.environ.get("BENCH_CARTERA_DEBTORS", "1000000"))
GESTIONES = int(os.environ.get("BENCH_CARTERA_GESTIONES", str(5 * DEBTORS)))
SAMPLES = int(os.environ.get("BENCH_CARTERA_SAMPLES", "200"))
WARMUP = int(os.environ.get("BENCH_CARTERA_WARMUP", "20"))
POOL_SHARE = 0.10  # unassigned debtors any agent may take
HEAVY_EVERY = 997  # one debtor in this many (prime: spread over the agents) has 50–149 gestiones
SECOND_PHONE_EVERY = 5  # one debtor in five has a second (fixed-line) number

FIRST = [
    "Ana", "Luis", "María", "José", "Carmen", "Jorge", "Paola", "Andrés", "Laura", "Diego", "Sofía", "Pablo",
    "Gabriela", "Esteban", "Valeria", "Ricardo", "Daniela", "Mauricio", "Lucía", "Fernando", "Marcela", "Alonso",
    "Melissa", "Kevin", "Natalia", "Sergio", "Adriana", "Rodrigo", "Karla", "Manuel", "Silvia", "Óscar",
]  # fmt: skip
LAST = [
    "Araya", "Rojas", "Mora", "Vargas", "Solís", "Quesada", "Jiménez", "Castro", "Chaves", "Alvarado", "Brenes",
    "Monge", "Salas", "Zúñiga", "Calderón", "Hernández", "Ramírez", "Sánchez", "Gómez", "Pérez", "Muñoz", "Ureña",
    "Soto", "Campos", "Herrera", "Villalobos", "Arias", "Madrigal", "Segura", "Cordero", "Fallas", "Barrantes",
]  # fmt: skip
CITIES = ["San José", "Heredia", "Alajuela", "Cartago", "Liberia", "Puntarenas", "Limón", "Escazú", "Desamparados"]
PRODUCTS = ["Tarjeta de crédito", "Préstamo personal", "Línea móvil", "Crédito de consumo"]
# Last outcome of a worked debtor, with its share (the rest of the gestiones are drawn from the
# non-closing ones with the same weights).
OUTCOME_SHARES = [
    ("NC", 0.30),
    ("BUZON", 0.13),
    ("CUELGA", 0.10),
    ("RECHAZA", 0.08),
    ("NUMERO_EQUIVOCADO", 0.05),
    ("SERVICIOS_ACTIVOS", 0.03),
    ("SIN_GESTIONAR", 0.02),
    ("INTERESADO", 0.07),
    ("VOLVER_A_LLAMAR", 0.10),
    ("PROMESA_PAGO", 0.09),
    ("YA_PAGO", 0.02),
    ("FALLECIDO", 0.01),
]


def agent_username(index: int) -> str:
    return f"bench_cartera_agente_{index:02d}"


SUPERVISOR = "bench_cartera_supervisor"


def _sql_text_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def _pick(values: list[str], expr: str) -> str:
    """SQL picking an element of ``values`` from ``expr`` in [0, 1)."""
    return f"({_sql_text_array(values)})[1 + floor(({expr}) * {len(values)})::int]"


def _outcome_case(expr: str, shares: list[tuple[int, float]]) -> str:
    """SQL CASE choosing an outcome id from ``expr`` in [0, 1) with the given shares."""
    total = sum(share for _, share in shares)
    parts, acc = [], 0.0
    for outcome_id, share in shares[:-1]:
        acc += share / total
        parts.append(f"WHEN {expr} < {acc:.6f} THEN {outcome_id}")
    return f"(CASE {' '.join(parts)} ELSE {shares[-1][0]} END)"


def _people(campaign) -> tuple[object, list]:
    from django.contrib.auth.hashers import make_password

    from core.models import CampaignMembership, User
    from core.roles import Role

    password = make_password(None)  # unusable: the benchmark logs in with force_login
    supervisor = User.objects.create(
        username=SUPERVISOR, password=password, role=Role.SUPERVISOR, first_name="Supervisora", last_name="Bench"
    )
    agents = User.objects.bulk_create(
        User(
            username=agent_username(i),
            password=password,
            role=Role.AGENTE,
            first_name="Agente",
            last_name=f"Bench {i:02d}",
            supervisor=supervisor,
            extension=str(3000 + i),
        )
        for i in range(1, AGENTS + 1)
    )
    CampaignMembership.objects.bulk_create(CampaignMembership(user=u, campaign=campaign) for u in [supervisor, *agents])
    return supervisor, agents


def _drop_secondary_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the indexes that back no constraint (recreated after the load: far faster than
    maintaining them row by row); returns their definitions."""
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)
           AND indexname NOT IN (SELECT conname FROM pg_constraint)""",
        [tables],
    )
    rows = cursor.fetchall()
    for name, _ in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def seed() -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from cartera import services as cartera_services
    from cartera.models import Debtor, Outcome
    from core import services
    from core.choices import Country, Module

    timings: dict[str, float] = {}
    started = time.monotonic()

    def lap(name: str) -> None:
        nonlocal started
        timings[name] = round(time.monotonic() - started, 1)
        started = time.monotonic()

    with transaction.atomic():
        campaign = services.campaign_create(name=CAMPAIGN, module=Module.CARTERA, country=Country.CR)
        cartera_services.cartera_settings_get(campaign=campaign)
        cartera_services.outcomes_seed(campaign=campaign)
        supervisor, agents = _people(campaign)
    outcomes = {o.code: o for o in Outcome.objects.filter(campaign=campaign)}
    follow_up_ids = [o.pk for o in outcomes.values() if o.needs_follow_up]
    closing_ids = [o.pk for o in outcomes.values() if o.closes_debtor]
    last_case = _outcome_case("s.r_out", [(outcomes[code].pk, share) for code, share in OUTCOME_SHARES])
    earlier = [(outcomes[c].pk, s) for c, s in OUTCOME_SHARES if not outcomes[c].closes_debtor]
    earlier_case = _outcome_case("random()", earlier)
    priority_case = "(CASE " + " ".join(f"WHEN p.outcome = {o.pk} THEN {o.priority}" for o in outcomes.values())
    priority_case += " ELSE 3 END)"
    debtor_ct = ContentType.objects.get_for_model(Debtor).pk
    lap("campaign_people_s")

    # Gestiones per worked debtor: the heavy ones take 50–149 each, the rest share what is left
    # with a uniform 0..2m count (m their mean).
    assigned = DEBTORS * (1 - POOL_SHARE)
    heavy = assigned / HEAVY_EVERY
    mean = max((GESTIONES - heavy * 99.5) / max(assigned - heavy, 1), 0)
    agent_ids = "ARRAY[" + ",".join(str(a.pk) for a in agents) + "]::bigint[]"
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        # The rows are generated consistent (every foreign key points at a row made here), so the
        # load skips the per-row foreign-key triggers.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SELECT setseed(0.2026)")
        tables = ["cartera_debtor", "cartera_debtorphone", "cartera_gestion", "core_followup"]
        tables += ["cartera_paymentagreement", "cartera_instalment"]
        indexes = _drop_secondary_indexes(cursor, tables)
        cursor.execute(
            f"""
            CREATE TEMP TABLE plan AS
            SELECT s.*, CASE WHEN s.n > 0 THEN {last_case} END AS outcome,
                   -- mostly days or weeks ago; a few inside the retry window (just called)
                   CASE WHEN s.n > 0 THEN %s - (s.r_contact ^ 2) * interval '120 days' END AS contact
            FROM (
                SELECT g AS id, r_assign, r_out, r_seen, r_contact,
                       CASE WHEN r_assign < {POOL_SHARE} THEN NULL
                            ELSE ({agent_ids})[1 + mod(g, {len(agents)})] END AS agent,
                       CASE WHEN r_assign < {POOL_SHARE} THEN 0
                            WHEN mod(g, {HEAVY_EVERY}) = 0 THEN 50 + mod(g / {HEAVY_EVERY}, 100)
                            ELSE floor(random() * {2 * mean + 1:.4f})::int END AS n
                FROM (SELECT g, random() AS r_assign, random() AS r_out, random() AS r_seen, random() AS r_contact
                      FROM generate_series(1, {DEBTORS}) g) r
            ) s
            """,
            [now],
        )
        cursor.execute("ALTER TABLE plan ADD PRIMARY KEY (id)")
        lap("plan_s")
        cursor.execute(
            f"""
            INSERT INTO cartera_debtor (id, campaign_id, document_type, document_number, full_name, email, address,
                city, product, original_amount, amount_due, due_date, variables, assigned_agent_id, last_outcome_id,
                priority, closed, last_contact_at, last_seen_at, lease_holder_id, lease_until, created_at, updated_at)
            SELECT p.id, %(campaign)s, 'cedula', (100000000 + p.id)::text,
                {_pick(FIRST, "random()")} || ' ' || {_pick(LAST, "random()")} || ' ' || {_pick(LAST, "random()")},
                CASE WHEN mod(p.id, 3) = 0 THEN 'deudor' || p.id || '@correo.cr' ELSE '' END,
                '', {_pick(CITIES, "random()")}, {_pick(PRODUCTS, "random()")},
                original, round((original * (0.2 + 0.8 * random()))::numeric, 2),
                -- not yet due, then one share per mora bucket (180+ reaching two years)
                %(today)s - ((ARRAY[-20, 0, 31, 61, 91, 181])[p.mora]
                             + floor(random() * (ARRAY[20, 31, 30, 30, 90, 540])[p.mora])::int),
                jsonb_build_object('segmento', (ARRAY['A','B','C'])[1 + mod(p.id, 3)], 'tramo_origen', mod(p.id, 7)),
                p.agent, p.outcome, {priority_case}, COALESCE(p.outcome IN ({",".join(map(str, closing_ids))}), false),
                p.contact,
                CASE WHEN p.r_seen < 0.80 THEN %(now)s - p.r_seen / 0.80 * interval '30 days'
                     WHEN p.r_seen < 0.88 THEN %(now)s - interval '95 days' - random() * interval '80 days'
                     WHEN p.r_seen < 0.94 THEN %(now)s - interval '186 days' - random() * interval '50 days'
                     ELSE %(now)s - interval '250 days' - random() * interval '200 days' END,
                NULL, NULL, %(now)s - interval '400 days', %(now)s - interval '1 day'
            FROM (SELECT plan.*, round((50000 + random() * 1950000)::numeric, -3) AS original,
                         1 + floor(random() * 6)::int AS mora FROM plan) p
            ORDER BY p.id
            """,
            {"campaign": campaign.pk, "today": now.date(), "now": now},
        )
        lap("debtors_s")
        cursor.execute(
            f"""
            INSERT INTO cartera_debtorphone (id, debtor_id, e164, raw, phone_type, is_primary, last_result, invalid,
                created_at)
            SELECT g, g, '+506' || (60000000 + g), to_char(60000000 + g, 'FM0000-0000'), 'mobile', true, '', false,
                %(now)s - interval '400 days'
            FROM generate_series(1, {DEBTORS}) g;
            INSERT INTO cartera_debtorphone (id, debtor_id, e164, raw, phone_type, is_primary, last_result, invalid,
                created_at)
            SELECT {DEBTORS} + g, g, '+506' || (22000000 + g), to_char(22000000 + g, 'FM0000 0000'), 'fixed_line',
                false, '', mod(g, 100) = 0, %(now)s - interval '400 days'
            FROM generate_series({SECOND_PHONE_EVERY}, {DEBTORS}, {SECOND_PHONE_EVERY}) g;
            """,
            {"now": now},
        )
        lap("phones_s")
        cursor.execute(
            f"""
            INSERT INTO cartera_gestion (debtor_id, agent_id, channel, phone_id, outcome_id, notes, next_action_at,
                promised_amount, promised_date, created_at)
            SELECT p.id, p.agent, CASE WHEN r < 0.9 THEN 'llamada' WHEN r < 0.96 THEN 'whatsapp' ELSE 'sms' END,
                CASE WHEN r < 0.97 THEN p.id END, o, CASE WHEN r < 0.3 THEN 'Cliente indica que llamará luego' ELSE ''
                END,
                CASE WHEN o IN ({",".join(map(str, follow_up_ids))}) THEN at + interval '2 days' END,
                CASE WHEN o = {outcomes["PROMESA_PAGO"].pk} THEN 25000 END,
                CASE WHEN o = {outcomes["PROMESA_PAGO"].pk} THEN (at + interval '7 days')::date END,
                at
            FROM (
                SELECT p.id, p.agent, random() AS r,
                    CASE WHEN k = p.n THEN p.outcome ELSE {earlier_case} END AS o,
                    p.contact - (p.n - k) * (interval '1 day' + random() * interval '6 days') AS at
                FROM plan p CROSS JOIN LATERAL generate_series(1, p.n) k WHERE p.n > 0
            ) p
            """
        )
        lap("gestiones_s")
        cursor.execute(
            f"""
            INSERT INTO core_followup (owner_id, created_by_id, content_type_id, object_id, due_at, note, done_at,
                notified_at, created_at)
            SELECT p.agent, p.agent, {debtor_ct}, p.id::text,
                p.contact + interval '1 day' + p.r_seen * interval '9 days',
                'Seguimiento de gestión', CASE WHEN mod(p.id, 2) = 0 AND p.contact < %(now)s - interval '10 days'
                THEN p.contact + interval '1 day' END, NULL, p.contact
            FROM plan p WHERE p.outcome IN ({",".join(map(str, follow_up_ids))})
            """,
            {"now": now},
        )
        cursor.execute(
            f"""
            INSERT INTO cartera_paymentagreement (id, debtor_id, created_by_id, approved_by_id, debt_at_signing,
                discount_pct, negotiated_amount, down_payment, instalments_count, frequency, first_due_date, status,
                notes, created_at, decided_at)
            SELECT d.id, d.id, d.assigned_agent_id, NULL, d.amount_due, 5 * mod(d.id, 3),
                round(d.amount_due * (1 - 0.05 * mod(d.id, 3)), 2), 0, 3, 'mensual',
                (d.last_contact_at + interval '15 days')::date, 'vigente', '', d.last_contact_at, NULL
            FROM cartera_debtor d WHERE d.last_outcome_id = {outcomes["PROMESA_PAGO"].pk} AND mod(d.id, 2) = 0;
            INSERT INTO cartera_instalment (agreement_id, number, due_date, amount, paid_amount)
            SELECT a.id, k, a.first_due_date + (k - 1) * interval '1 month',
                CASE WHEN k < 3 THEN round(a.negotiated_amount / 3, 2)
                     ELSE a.negotiated_amount - 2 * round(a.negotiated_amount / 3, 2) END,
                CASE WHEN k = 1 AND mod(a.id, 4) = 0 THEN round(a.negotiated_amount / 3, 2) ELSE 0 END
            FROM cartera_paymentagreement a CROSS JOIN generate_series(1, 3) k;
            """
        )
        lap("follow_ups_agreements_s")
        # 49 other agents are on a call right now, each holding a debtor at the head of the pool.
        cursor.execute(
            f"""
            UPDATE cartera_debtor d SET lease_holder_id = h.agent, lease_until = %(until)s
            FROM (SELECT pool.id, ({agent_ids})[1 + pool.k] AS agent
                  FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM cartera_debtor
                        WHERE assigned_agent_id IS NULL ORDER BY id LIMIT {len(agents) - 1}) pool) h
            WHERE d.id = h.id
            """,
            {"until": now + timedelta(minutes=10)},
        )
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(max(id), 1) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        for definition in indexes:
            cursor.execute(definition)
        lap("indexes_s")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    lap("vacuum_analyze_s")
    return {"timings": timings, "total_s": round(sum(timings.values()), 1), **counts()}


def counts() -> dict:
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for name, sql in {
            "debtors": "SELECT count(*) FROM cartera_debtor",
            "pool": "SELECT count(*) FROM cartera_debtor WHERE assigned_agent_id IS NULL",
            "closed": "SELECT count(*) FROM cartera_debtor WHERE closed",
            "phones": "SELECT count(*) FROM cartera_debtorphone",
            "gestiones": "SELECT count(*) FROM cartera_gestion",
            "follow_ups": "SELECT count(*) FROM core_followup",
            "agreements": "SELECT count(*) FROM cartera_paymentagreement",
            "instalments": "SELECT count(*) FROM cartera_instalment",
            "debtors_50_plus_gestiones": "SELECT count(*) FROM (SELECT debtor_id FROM cartera_gestion "
            "GROUP BY debtor_id HAVING count(*) >= 50) s",
            "size_mb": "SELECT pg_database_size(current_database()) / 1048576",
        }.items():
            cursor.execute(sql)
            result[name] = cursor.fetchone()[0]
    return result


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in {"seed", "measure", "counts"}:
        print("uso: cartera_data.py seed|measure|counts", file=sys.stderr)
        return 2
    setup_django()
    if command == "seed":
        result = seed()
    elif command == "counts":
        result = counts()
    else:
        from cartera_measure import measure

        result = measure()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

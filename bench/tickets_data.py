"""Django side of bench_tickets: 200,000 tickets with their comments, spans and watchers, and
the in-process measurements of the queue lists and the dashboard.

Run by bench_tickets.py in subprocesses whose environment points Django at the bench database:

    python bench/tickets_data.py seed      # JSON: what was generated and how long each part took
    python bench/tickets_data.py measure   # JSON: p50/p95/p99 and queries of every measured case

The desk's configuration (calendar, SLA policies, categories, groups, members, rules) and the
people go through the ORM; tickets, comments, spans and watchers are generated inside PostgreSQL
with ``INSERT … SELECT generate_series(…)``. SLA deadlines and business minutes are stored the
way the services store them, approximated from calendar time (a working week of 45 h in a 168 h
week), which is what the lists and the dashboard read. ``random()`` is seeded: every run makes
the same desk relative to the moment it ran. History tables are not filled.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import setup_django, summarise  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS_TICKETS", "200000"))
COMMENTS_PER_TICKET = float(os.environ.get("BENCH_TICKETS_COMMENTS", "3"))
REQUESTERS = int(os.environ.get("BENCH_TICKETS_REQUESTERS", "300"))
SUPERVISORS = 15
SAMPLES = int(os.environ.get("BENCH_TICKETS_SAMPLES", "100"))
WARMUP = int(os.environ.get("BENCH_TICKETS_WARMUP", "10"))
DAYS = 365
# group name, aplicativos it takes, members
GROUPS = [
    ("Mesa CRM", ["crm", "otro"], 6),
    ("Telefonía", ["vicidial", "telefonica"], 6),
    ("Cartera y Tarjeta", ["cartera", "tarjeta_plata"], 4),
]
CALENDAR_RATIO = 168 / 45  # calendar minutes per business minute, on average
POLICIES = {"baja": (480, 2700), "media": (240, 1080), "alta": (60, 480), "critica": (15, 240)}
PRIORITY_SHARES = [("baja", 0.20), ("media", 0.50), ("alta", 0.22), ("critica", 0.08)]
PHRASES = [
    "No carga la pantalla de gestiones",
    "El marcador se congela al tipificar",
    "Error al exportar el reporte",
    "No puedo iniciar sesión",
    "La campaña no marca",
    "El softphone no tiene audio",
    "Lentitud general del sistema",
    "La base de hoy no se cargó",
    "Falla al guardar el acuerdo de pago",
    "La bandeja sale vacía",
]


def member_username(group: int, index: int) -> str:
    return f"bench_soporte_{group}_{index}"


def requester_username(index: int) -> str:
    return f"bench_agente_{index:03d}"


def supervisor_username(index: int) -> str:
    return f"bench_supervisor_{index:02d}"


ADMIN = "bench_tickets_admin"


def _array(values, cast: str) -> str:
    if cast == "text":
        return "ARRAY[" + ",".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]::text[]"
    return "ARRAY[" + ",".join(str(v) for v in values) + f"]::{cast}[]"


def _weighted(expr: str, shares: list[tuple[str, float]]) -> str:
    parts, acc = [], 0.0
    for value, share in shares[:-1]:
        acc += share
        parts.append(f"WHEN {expr} < {acc:.4f} THEN '{value}'")
    return f"(CASE {' '.join(parts)} ELSE '{shares[-1][0]}' END)"


def _configuration() -> dict:
    from datetime import time as clock

    from django.contrib.auth.hashers import make_password

    from core.models import User
    from core.roles import Role
    from tickets.models import (
        AssignmentRule,
        BusinessCalendar,
        BusinessHours,
        Category,
        SLAPolicy,
        SupportGroup,
        SupportGroupMember,
    )

    password = make_password(None)  # unusable: the benchmark logs in with force_login
    calendar = BusinessCalendar.objects.create(name="Oficina", is_default=True)
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, start=clock(8), end=clock(17)) for day in range(5)
    )
    policies = {
        priority: SLAPolicy.objects.create(
            name=priority, priority=priority, first_response_minutes=first, resolution_minutes=resolution
        )
        for priority, (first, resolution) in POLICIES.items()
    }
    User.objects.create(username=ADMIN, password=password, role=Role.ADMINISTRADOR, is_staff=True, is_superuser=True)
    supervisors = User.objects.bulk_create(
        User(username=supervisor_username(i), password=password, role=Role.SUPERVISOR, first_name="Supervisor")
        for i in range(SUPERVISORS)
    )
    requesters = User.objects.bulk_create(
        User(
            username=requester_username(i),
            password=password,
            role=Role.AGENTE,
            first_name="Agente",
            last_name=f"{i:03d}",
            supervisor=supervisors[i % SUPERVISORS],
        )
        for i in range(REQUESTERS)
    )
    groups, members, categories = [], [], []
    for index, (name, aplicativos, size) in enumerate(GROUPS):
        group = SupportGroup.objects.create(name=name, is_default=index == 0)
        people = User.objects.bulk_create(
            User(username=member_username(index, i), password=password, role=Role.BACKOFFICE, first_name="Soporte")
            for i in range(size)
        )
        SupportGroupMember.objects.bulk_create(SupportGroupMember(group=group, user=p) for p in people)
        for aplicativo in aplicativos:
            AssignmentRule.objects.create(aplicativo=aplicativo, group=group)
            for label in ("Acceso", "Error", "Lentitud"):
                categories.append(Category.objects.create(aplicativo=aplicativo, name=label))
        groups.append(group)
        members.append([p.pk for p in people])
    return {
        "policies": {p: policy.pk for p, policy in policies.items()},
        "requesters": [u.pk for u in requesters],
        "groups": [g.pk for g in groups],
        "members": members,
        "aplicativos": [[a for a in aplicativos] for _, aplicativos, _ in GROUPS],
        "categories": {c.aplicativo: [] for c in categories} | _by_aplicativo(categories),
    }


def _by_aplicativo(categories) -> dict:
    grouped: dict[str, list[int]] = {}
    for category in categories:
        grouped.setdefault(category.aplicativo, []).append(category.pk)
    return grouped


def seed() -> dict:
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    started = time.monotonic()

    def lap(name: str) -> None:
        nonlocal started
        timings[name] = round(time.monotonic() - started, 1)
        started = time.monotonic()

    with transaction.atomic():
        config = _configuration()
    lap("configuracion_s")
    # One row per (group, aplicativo): a ticket picks one, then a member of that group.
    routes = [(g, a) for g, apps in enumerate(config["aplicativos"]) for a in apps]
    route_group = _array([config["groups"][g] for g, _ in routes], "bigint")
    route_app = _array([a for _, a in routes], "text")
    route_index = _array([g for g, _ in routes], "int")
    width = max(len(m) for m in config["members"])
    members = "ARRAY[" + ",".join(_array(m + m[: width - len(m)], "bigint") for m in config["members"]) + "]"
    categories = "ARRAY[" + ",".join(_array((config["categories"][a] * 3)[:3], "bigint") for _, a in routes) + "]"
    policy_id = "(CASE priority " + " ".join(f"WHEN '{p}' THEN {pk}" for p, pk in config["policies"].items()) + " END)"
    first_min = "(CASE priority " + " ".join(f"WHEN '{p}' THEN {f}" for p, (f, _) in POLICIES.items()) + " END)"
    res_min = "(CASE priority " + " ".join(f"WHEN '{p}' THEN {r}" for p, (_, r) in POLICIES.items()) + " END)"
    requesters = _array(config["requesters"], "bigint")
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(
            f"""
            CREATE TEMP TABLE plan AS
            SELECT g AS n, 1 + floor(r_route * {len(routes)})::int AS route, r_member, r_cat, r_status, r_first, r_res,
                   {_weighted("r_prio", PRIORITY_SHARES)} AS priority,
                   -- more tickets lately: the age is skewed towards today
                   now() - (r_age ^ 1.6) * interval '{DAYS} days' AS created_at
            FROM (SELECT g, random() AS r_route, random() AS r_member, random() AS r_cat, random() AS r_status,
                         random() AS r_first, random() AS r_res, random() AS r_prio, random() AS r_age
                  FROM generate_series(1, {TICKETS}) g) s
            """
        )
        cursor.execute(
            f"""
            CREATE TEMP TABLE shaped AS
            SELECT p.*, ({route_group})[route] AS group_id, ({route_app})[route] AS aplicativo,
                   ({members})[({route_index})[route] + 1][1 + floor(r_member * {width})::int] AS assignee_id,
                   ({categories})[route][1 + floor(r_cat * 3)::int] AS category_id,
                   ({requesters})[1 + mod(n, {len(config["requesters"])})] AS requester_id,
                   {policy_id} AS sla_policy_id, {first_min} AS first_target, {res_min} AS res_target,
                   CASE
                     WHEN created_at > now() - interval '3 days' THEN
                       (ARRAY['abierto','en_progreso','en_espera','resuelto'])[1 + floor(r_status * 4)::int]
                     WHEN created_at > now() - interval '30 days' THEN
                       CASE WHEN r_status < 0.06 THEN 'abierto' WHEN r_status < 0.14 THEN 'en_progreso'
                            WHEN r_status < 0.20 THEN 'en_espera' WHEN r_status < 0.45 THEN 'resuelto'
                            ELSE 'cerrado' END
                     ELSE CASE WHEN r_status < 0.01 THEN 'en_espera' WHEN r_status < 0.03 THEN 'en_progreso'
                               WHEN r_status < 0.06 THEN 'resuelto' ELSE 'cerrado' END
                   END AS status
            FROM plan p
            """
        )
        cursor.execute(
            f"""
            INSERT INTO tickets_ticket (
                title, description, aplicativo, category_id, priority, status, requester_id, assignee_id,
                group_id, created_at, updated_at, status_changed_at, first_response_at, resolved_at, closed_at,
                sla_policy_id, first_response_due_at, resolution_due_at, first_response_minutes, resolution_minutes)
            SELECT title, title || '. Pasa desde esta mañana en varias estaciones.', aplicativo, category_id,
                   priority, status, requester_id, assignee_id, group_id, created_at, now(),
                   COALESCE(closed_at, resolved_at, first_at, created_at), first_at, resolved_at, closed_at,
                   sla_policy_id, created_at + first_target * {CALENDAR_RATIO} * interval '1 minute',
                   created_at + res_target * {CALENDAR_RATIO} * interval '1 minute',
                   CASE WHEN first_at IS NOT NULL THEN round(r_first * first_target * 1.6) END,
                   CASE WHEN resolved_at IS NOT NULL THEN round(r_res * res_target * 1.5) END
            FROM (
                SELECT s.*, {_pick_title()} AS title,
                       CASE WHEN status <> 'abierto'
                            THEN LEAST(now(), created_at + r_first * first_target * 1.6 * {CALENDAR_RATIO}
                                 * interval '1 minute') END AS first_at,
                       CASE WHEN status IN ('resuelto', 'cerrado')
                            THEN LEAST(now(), created_at + r_res * res_target * 1.5 * {CALENDAR_RATIO}
                                 * interval '1 minute') END AS resolved_at,
                       CASE WHEN status = 'cerrado'
                            THEN LEAST(now(), created_at + (r_res * res_target * 1.5 * {CALENDAR_RATIO} + 1440)
                                 * interval '1 minute') END AS closed_at
                FROM shaped s
            ) t
            ORDER BY n
            """
        )
        lap("tickets_s")
        cursor.execute(
            f"""
            INSERT INTO tickets_ticketcomment (ticket_id, author_id, body, internal, created_at)
            SELECT t.id, CASE WHEN mod(k, 2) = 1 THEN t.assignee_id ELSE t.requester_id END,
                   CASE WHEN mod(k, 2) = 1 THEN 'Lo estamos revisando, te aviso en cuanto quede.'
                        ELSE 'Sigue pasando, adjunto captura.' END,
                   mod(k, 2) = 1 AND random() < 0.25,
                   t.created_at + k * (COALESCE(t.resolved_at, now()) - t.created_at) / 5
            FROM tickets_ticket t
            CROSS JOIN generate_series(1, 4) k
            WHERE k <= 1 + floor(random() * {max(2 * COMMENTS_PER_TICKET - 1, 1):.2f})
            """
        )
        lap("comentarios_s")
        cursor.execute(
            """
            INSERT INTO tickets_ticketstatusspan (ticket_id, status, started_at, ended_at, changed_by_id)
            SELECT id, 'abierto', created_at, CASE WHEN status <> 'abierto' THEN status_changed_at END, requester_id
            FROM tickets_ticket
            UNION ALL
            SELECT id, status, status_changed_at, NULL, assignee_id FROM tickets_ticket WHERE status <> 'abierto'
            """
        )
        cursor.execute(
            f"""
            INSERT INTO tickets_ticket_watchers (ticket_id, user_id)
            SELECT id, ({requesters})[1 + mod(id * 7, {len(config["requesters"])})]
            FROM tickets_ticket WHERE mod(id, 25) = 0
              AND ({requesters})[1 + mod(id * 7, {len(config["requesters"])})] <> requester_id
            """
        )
        lap("tramos_y_seguidores_s")
        cursor.execute("DROP TABLE plan, shaped")
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lap("vacuum_analyze_s")
    return {**counts(), **timings, "total_s": round(sum(timings.values()), 1)}


def _pick_title() -> str:
    return f"({_array(PHRASES, 'text')})[1 + mod(n, {len(PHRASES)})]"


def counts() -> dict:
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Ticket, TicketComment, TicketStatusSpan

    return {
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
        "comments": TicketComment.objects.count(),
        "spans": TicketStatusSpan.objects.count(),
    }


# --- Measurements ---------------------------------------------------------------------------


def measure() -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.models import User
    from tickets.models import Ticket

    def client_for(username: str) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
        return client

    support = member_username(0, 0)
    some_ticket = Ticket.objects.filter(group__name=GROUPS[0][0]).order_by("-pk").values_list("pk", flat=True)[500]
    number = f"TCK-{some_ticket:06d}"
    cases = [
        ("lista", "Mi cola (soporte): sin resolver, vence antes", support, "/tickets/cola/"),
        ("lista", "Mi cola: prioridad alta + aplicativo CRM", support, "/tickets/cola/?priority=alta&aplicativo=crm"),
        ("lista", "Mi cola: SLA vencido", support, "/tickets/cola/?sla=vencido"),
        ("lista", "Mi cola: resueltos, página 5", support, "/tickets/cola/?status=resuelto&page=5"),
        ("lista", "Mi cola: todos, recientes, pág. 40", support, "/tickets/cola/?status=&orden=recientes&page=40"),
        ("lista", "Mi cola: buscar número", support, f"/tickets/cola/?status=&q={number}"),
        ("lista", "Mi cola: buscar texto (título/descripción)", support, "/tickets/cola/?status=&q=softphone"),
        ("lista", "Mi cola: míos, críticos", support, "/tickets/cola/?status=&priority=critica&assignee=ASSIGNEE"),
        ("lista", "Todos (admin): cerrados de Vicidial", ADMIN, "/tickets/todos/?status=cerrado&aplicativo=vicidial"),
        ("lista", "Todos (admin): sin filtros, página 100", ADMIN, "/tickets/todos/?page=100"),
        ("lista", "Todos (supervisor): su equipo", supervisor_username(0), "/tickets/todos/"),
        ("lista", "Mis tickets (agente)", requester_username(1), "/tickets/"),
        ("dashboard", "Dashboard (admin): 30 días", ADMIN, "/tickets/dashboard/"),
        ("dashboard", "Dashboard (admin): 365 días", ADMIN, "/tickets/dashboard/?from=FROM365"),
        ("dashboard", "Dashboard (soporte): 30 días", support, "/tickets/dashboard/"),
        ("dashboard", "Dashboard (supervisor): 90 días, CRM", supervisor_username(0), "?from=FROM90&aplicativo=crm"),
    ]  # fmt: skip
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    support_pk = User.objects.get(username=support).pk
    results = {}
    for group, label, username, url in cases:
        url = (
            ("/tickets/dashboard/" + url if url.startswith("?") else url)
            .replace("ASSIGNEE", str(support_pk))
            .replace("FROM365", (today - timedelta(days=364)).isoformat())
            .replace("FROM90", (today - timedelta(days=89)).isoformat())
        )
        client = client_for(username)
        seconds, queries = [], []
        for i in range(WARMUP + SAMPLES):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{label}: HTTP {response.status_code} en {url}")
            if i >= WARMUP:
                seconds.append(elapsed)
                queries.append(len(captured.captured_queries))
        rows = response.content.decode().count('data-testid="ticket-row"') if group == "lista" else None
        results[label] = summarise(group, label, seconds, queries, {"url": url, "rows": rows})
        print(f"  {label}: p95 {results[label]['p95_ms']} ms, {max(queries)} consultas", file=sys.stderr, flush=True)
    return {"cases": results, "counts": counts()}


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in {"seed", "measure", "counts"}:
        print("uso: tickets_data.py seed|measure|counts", file=sys.stderr)
        return 2
    setup_django()
    result = {"seed": seed, "counts": counts, "measure": measure}[command]()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The measurements of bench_cartera, run in-process against the seeded bench database.

Imported by ``cartera_data.py measure`` (Django already set up). Every page is requested through
``django.test.Client`` (the whole middleware stack and the templates, no network) logged in with
``force_login``; the queue service is also timed on its own. Each case makes WARMUP unrecorded
requests, then SAMPLES recorded ones; the queries of every recorded sample are counted with
``CaptureQueriesContext``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from cartera_data import AGENTS, CAMPAIGN, SAMPLES, SUPERVISOR, WARMUP, agent_username
from support import summarise

# The queue is timed for the first half of the agents; the other half are "on a call", each
# holding a debtor at the head of the unassigned pool, so the queue has to step over them.
QUEUE_AGENTS = max(AGENTS // 2, 1)
HOST = "127.0.0.1"


class Recorder:
    """Times what runs inside ``measure()`` and counts its queries, once warm-up is over."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.queries: list[int] = []
        self.recording = False

    @contextmanager
    def measure(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        # CaptureQueriesContext counts by position in a log that keeps the last 9,000 queries.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            yield
            elapsed = time.perf_counter() - started
        if self.recording:
            self.seconds.append(elapsed)
            self.queries.append(len(captured.captured_queries))


def timed(call, repeat: int, warmup: int = WARMUP) -> tuple[list[float], list[int], list]:
    """Run ``call(i, recorder)`` warmup + repeat times; the durations and query counts of what
    the recorded runs measured, and their results. A call measures all of itself unless it
    opens ``recorder.measure()`` for a part (the lease it releases afterwards is not timed)."""
    recorder, results = Recorder(), []
    for i in range(warmup + repeat):
        recorder.recording = i >= warmup
        before = len(recorder.seconds)
        with recorder.measure() if getattr(call, "whole", True) else nullcontext():
            result = call(i, recorder)
        if recorder.recording:
            assert len(recorder.seconds) == before + 1, "a call must measure exactly once"
            results.append(result)
    return recorder.seconds, recorder.queries, results


def part(call):
    """Mark a call that measures a part of itself with ``recorder.measure()``."""
    call.whole = False
    return call


def client_for(user):
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


class Failure(Exception):
    pass


def check_page(response, marker: str, what: str) -> None:
    if response.status_code != 200 or marker not in response.content.decode():
        raise Failure(f"{what}: HTTP {response.status_code} sin «{marker}»")


def measure() -> dict:
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from cartera import queue
    from cartera.models import Debtor, Gestion
    from core.models import Campaign, User

    campaign = Campaign.objects.get(name=CAMPAIGN)
    agents = [User.objects.get(username=agent_username(i)) for i in range(1, AGENTS + 1)]
    supervisor = User.objects.get(username=SUPERVISOR)
    workers, on_call = agents[:QUEUE_AGENTS], agents[QUEUE_AGENTS:]
    # Reset the leases a previous run may have left, then put the other agents on a call.
    Debtor.objects.filter(lease_holder__isnull=False).update(lease_holder=None, lease_until=None)
    pool_head = list(
        queue.queue_candidates(agent=workers[0], campaign=campaign)
        .filter(assigned_agent__isnull=True)
        .values_list("pk", flat=True)[: len(on_call)]
    )
    until = timezone.now() + timedelta(hours=2)
    for agent, pk in zip(on_call, pool_head, strict=False):
        Debtor.objects.filter(pk=pk).update(lease_holder=agent, lease_until=until)
    cases = {}

    # --- Siguiente: the service, then the view -----------------------------------------------
    @part
    def claim(i: int, recorder: Recorder):
        agent = workers[i % len(workers)]
        # Read as the "Siguiente" view reads it (with its settings), afresh for every claim.
        fresh = Campaign.objects.select_related("cartera_settings").get(pk=campaign.pk)
        with recorder.measure():
            debtor = queue.next_debtor(agent=agent, campaign=fresh)
        if debtor is None:
            raise Failure(f"cola vacía para {agent}")
        queue.lease_release(debtor=debtor, agent=agent)  # so that the next call claims again
        return debtor.pk

    seconds, queries, claimed = timed(claim, SAMPLES)
    cases["queue_service"] = summarise(
        "siguiente", "Siguiente: queue.next_debtor()", seconds, queries, {"distinct_debtors": len(set(claimed))}
    )
    clients = {agent.pk: client_for(agent) for agent in workers}
    url = f"{reverse('cartera:queue_next')}?campaign={campaign.pk}"

    @part
    def claim_view(i: int, recorder: Recorder):
        agent = workers[i % len(workers)]
        with recorder.measure():
            response = clients[agent.pk].get(url)
        if response.status_code != 302 or "/cartera/deudores/" not in response["Location"]:
            raise Failure(f"Siguiente: HTTP {response.status_code} {response.get('Location')}")
        pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        Debtor.objects.filter(pk=pk, lease_holder=agent).update(lease_holder=None, lease_until=None)
        return pk

    seconds, queries, claimed = timed(claim_view, SAMPLES)
    cases["queue_view"] = summarise(
        "siguiente",
        "Siguiente: GET /cartera/siguiente/ (302)",
        seconds,
        queries,
        {"distinct_debtors": len(set(claimed))},
    )

    # --- Debtor list ---------------------------------------------------------------------------
    agent = workers[0]
    agent_client, supervisor_client = clients[agent.pk], client_for(supervisor)
    list_url = reverse("cartera:debtor_list")
    mine = list(
        Debtor.objects.filter(assigned_agent=agent).order_by("?").values("full_name", "document_number")[:SAMPLES]
    )
    anyone = list(Debtor.objects.order_by("?").values("full_name", "document_number", "pk")[:SAMPLES])
    mine_phones = list(
        Debtor.objects.filter(assigned_agent=agent, phones__is_primary=True)
        .order_by("?")
        .values_list("phones__raw", "full_name")[:SAMPLES]
    )
    anyone_phones = list(
        Debtor.objects.filter(phones__is_primary=False).order_by("?").values_list("phones__raw", "full_name")[:SAMPLES]
    )
    surnames = ["Rojas", "Mora", "Vargas", "Solís", "Castro", "Chaves"]

    def pages(client, make_query, marker):
        def call(i: int, recorder: Recorder):
            query = make_query(i)
            response = client.get(f"{list_url}?{query}" if query else list_url)
            check_page(response, marker(i) if callable(marker) else marker, f"deudores ?{query}")
            return response

        return call

    table = 'data-testid="debtor-table"'
    from urllib.parse import urlencode

    list_cases = [
        ("list_agent_p1", "Lista · agente · página 1", agent_client, lambda i: "", table),
        ("list_agent_p5", "Lista · agente · página 5", agent_client, lambda i: "page=5", table),
        ("list_agent_bucket", "Lista · agente · mora 31–60", agent_client, lambda i: "bucket=31-60", table),
        (
            "list_agent_name",
            "Lista · agente · busca nombre completo",
            agent_client,
            lambda i: urlencode({"q": mine[i % len(mine)]["full_name"]}),
            lambda i: mine[i % len(mine)]["full_name"],
        ),
        (
            "list_agent_phone",
            "Lista · agente · busca teléfono (8888-8888)",
            agent_client,
            lambda i: urlencode({"q": mine_phones[i % len(mine_phones)][0]}),
            lambda i: mine_phones[i % len(mine_phones)][1],
        ),
        (
            "list_agent_document",
            "Lista · agente · busca cédula",
            agent_client,
            lambda i: urlencode({"q": mine[i % len(mine)]["document_number"]}),
            lambda i: mine[i % len(mine)]["full_name"],
        ),
        ("list_sup_p1", "Lista · supervisor · página 1", supervisor_client, lambda i: "", table),
        ("list_sup_p2", "Lista · supervisor · página 2", supervisor_client, lambda i: "page=2", table),
        ("list_sup_p40", "Lista · supervisor · página 40", supervisor_client, lambda i: "page=40", table),
        ("list_sup_bucket", "Lista · supervisor · mora 91–180", supervisor_client, lambda i: "bucket=91-180", table),
        (
            "list_sup_agent",
            "Lista · supervisor · filtro agente",
            supervisor_client,
            lambda i: f"assigned_agent={workers[i % len(workers)].pk}",
            table,
        ),
        ("list_sup_pool", "Lista · supervisor · sin asignar", supervisor_client, lambda i: "unassigned=true", table),
        (
            "list_sup_name",
            "Lista · supervisor · busca nombre completo",
            supervisor_client,
            lambda i: urlencode({"q": anyone[i % len(anyone)]["full_name"]}),
            lambda i: anyone[i % len(anyone)]["full_name"],
        ),
        (
            "list_sup_surname",
            "Lista · supervisor · busca apellido",
            supervisor_client,
            lambda i: urlencode({"q": surnames[i % len(surnames)]}),
            table,
        ),
        (
            "list_sup_phone",
            "Lista · supervisor · busca teléfono fijo (2222 2222)",
            supervisor_client,
            lambda i: urlencode({"q": anyone_phones[i % len(anyone_phones)][0]}),
            lambda i: anyone_phones[i % len(anyone_phones)][1],
        ),
        (
            "list_sup_document",
            "Lista · supervisor · busca cédula",
            supervisor_client,
            lambda i: urlencode({"q": anyone[i % len(anyone)]["document_number"]}),
            lambda i: anyone[i % len(anyone)]["full_name"],
        ),
    ]
    for key, label, client, make_query, marker in list_cases:
        seconds, queries, _ = timed(pages(client, make_query, marker), SAMPLES)
        cases[key] = summarise("lista", label, seconds, queries)

    # --- Debtor card ---------------------------------------------------------------------------
    # The agent with the most debtors of 50+ gestiones (about 20 each with a million debtors).
    heavy = Gestion.objects.values("debtor").annotate(n=Count("pk")).filter(n__gte=50)
    owners = Debtor.objects.filter(pk__in=heavy.values("debtor"), assigned_agent__in=workers)
    top = owners.values("assigned_agent").annotate(n=Count("pk")).order_by("-n").first()
    if top is None:
        raise Failure("no hay deudores con 50+ gestiones para medir la ficha")
    agent = next(a for a in workers if a.pk == top["assigned_agent"])
    agent_client = clients[agent.pk]
    counted = Gestion.objects.filter(debtor__assigned_agent=agent).values("debtor").annotate(n=Count("pk"))
    heavy_mine = [row["debtor"] for row in counted.filter(n__gte=50).order_by("debtor")]
    typical_mine = [row["debtor"] for row in counted.filter(n__gte=3, n__lte=8).order_by("?")[:SAMPLES]]
    if not heavy_mine or not typical_mine:
        raise Failure("no hay deudores con 50+ o con 3–8 gestiones para medir la ficha")
    gestion_counts = dict(counted.filter(debtor__in=heavy_mine).values_list("debtor", "n"))

    def card(client, pks):
        def call(i: int, recorder: Recorder):
            pk = pks[i % len(pks)]
            response = client.get(reverse("cartera:debtor_detail", args=[pk]))
            check_page(response, 'data-testid="debtor-card"', f"ficha {pk}")
            return response

        return call

    for key, label, client, pks in (
        ("card_agent_typical", "Ficha · agente · 3–8 gestiones", agent_client, typical_mine),
        ("card_agent_heavy", "Ficha · agente · 50+ gestiones", agent_client, heavy_mine),
        ("card_sup_typical", "Ficha · supervisor · 3–8 gestiones", supervisor_client, typical_mine),
        ("card_sup_heavy", "Ficha · supervisor · 50+ gestiones", supervisor_client, heavy_mine),
    ):
        seconds, queries, _ = timed(card(client, pks), SAMPLES)
        extra = {"debtors": len(pks)}
        if pks is heavy_mine:
            extra["gestiones_per_debtor"] = [min(gestion_counts.values()), max(gestion_counts.values())]
        cases[key] = summarise("ficha", label, seconds, queries, extra)
    Debtor.objects.filter(lease_holder__isnull=False).update(lease_holder=None, lease_until=None)
    return {"cases": cases, "queue_agents": len(workers), "agents_on_call": len(pool_head)}

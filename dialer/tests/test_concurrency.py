"""Workstations polling at once never get the same dial request; a start re-sent at once is one
call (PostgreSQL only: SQLite serialises writers)."""

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from dialer import services
from dialer.models import CallLog, DialRequest

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
REQUESTS = 400


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED and unique-index races are tested on PostgreSQL (SQLite serialises writers)")


def run_together(work, args):
    errors: list[BaseException] = []
    start = threading.Barrier(len(args))

    def run(arg):
        try:
            start.wait()
            work(arg)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]


def test_eight_workstations_claim_four_hundred_requests_each_once(agente):
    tokens = [services.token_create(user=agente, name=f"PC-{n}").token for n in range(THREADS)]
    DialRequest.objects.bulk_create(
        [DialRequest(user=agente, phone="+50688881234", dial_string="88881234") for _ in range(REQUESTS)]
    )
    delivered: list[int] = []
    lock = threading.Lock()

    def poll(token):
        while (message := services.dial_request_next(token=token)) is not None:
            with lock:
                delivered.append(message["id"])

    run_together(poll, tokens)
    assert len(delivered) == REQUESTS
    assert [pk for pk, count in Counter(delivered).items() if count > 1] == []
    assert DialRequest.objects.filter(status="sent").count() == REQUESTS


def test_the_same_start_sent_eight_times_at_once_is_one_call(agente):
    call_uuid = uuid.uuid4()
    answers: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def start(_):
        call, created = services.call_start(
            user=agente, call_uuid=call_uuid, phone="+50688881234", started_at=datetime(2026, 3, 2, 15, tzinfo=UTC)
        )
        with lock:
            answers.append((call.pk, created))

    run_together(start, range(THREADS))
    assert CallLog.objects.count() == 1
    assert {pk for pk, _ in answers} == {CallLog.objects.get().pk}
    assert sorted(created for _, created in answers) == [False] * (THREADS - 1) + [True]

"""Many agents pressing "Siguiente" at once never get the same debtor (PostgreSQL only)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from cartera import queue
from cartera.models import Debtor
from core.roles import Role
from core.testing.factories import CampaignFactory, UserFactory

THREADS = 50
CLAIMS = 2000


@pytest.mark.django_db(transaction=True)
def test_fifty_agents_two_thousand_claims_no_debtor_twice():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED concurrency is tested on PostgreSQL (SQLite serialises writers)")
    campaign = CampaignFactory(name="Concurrencia")
    agents = [UserFactory(username=f"agente{i}", role=Role.AGENTE) for i in range(THREADS)]
    Debtor.objects.bulk_create(
        [Debtor(campaign=campaign, full_name=f"Deudor {i}", document_number=f"{i:09d}") for i in range(CLAIMS)]
    )
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(agent):
        try:
            start.wait()
            for _ in range(CLAIMS // THREADS):
                debtor = queue.next_debtor(agent=agent, campaign=campaign)
                assert debtor is not None, "the queue ran dry before every debtor was claimed"
                with lock:
                    claimed.append(debtor.pk)
                # Finishing the debtor (as a closing gestión would) takes it out of the queue.
                Debtor.objects.filter(pk=debtor.pk).update(closed=True, lease_holder=None, lease_until=None)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    assert len(claimed) == CLAIMS
    twice = [pk for pk, count in Counter(claimed).items() if count > 1]
    assert twice == []
    assert Debtor.objects.filter(closed=True).count() == CLAIMS

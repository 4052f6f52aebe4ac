"""The call flag: the top bar's widget reads the call log only when a call may be running."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialer import call_flags, services

pytestmark = pytest.mark.django_db

PHONE = "+50688881234"


def page(client, url=None):
    """The widget's tag on a page, and how many of the page's queries read the call log."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url or reverse("core:home"))
    assert response.status_code == 200
    widget = re.search(r'<div id="call-widget"[^>]*>', response.content.decode()).group(0)
    reads = sum("dialer_calllog" in q["sql"] for q in captured.captured_queries)
    return widget, reads, len(captured.captured_queries)


def start(user, ago=30):
    call, _ = services.call_start(
        user=user, call_uuid=uuid.uuid4(), phone=PHONE, started_at=timezone.now() - timedelta(seconds=ago)
    )
    return call


def end(user, call):
    services.call_end(user=user, call_uuid=call.uuid, status="COMPLETED", ended_at=timezone.now())


def test_without_a_call_only_the_first_page_reads_the_call_log(login, supervisor):
    client = login(supervisor)
    widget, reads, first = page(client)
    assert 'data-state="idle"' in widget and reads == 1
    assert call_flags.read(supervisor.pk) == call_flags.IDLE
    widget, reads, queries = page(client)
    assert 'data-state="idle"' in widget and reads == 0
    assert queries == first - 1 and queries <= 10  # the home benchmark's budget
    assert page(client, reverse("core:notification_list"))[1] == 0  # every page, not only the home


def test_a_call_started_through_the_api_shows_on_the_next_page(login, agente, api, django_capture_on_commit_callbacks):
    client = login(agente)
    assert page(client)[1] == 1 and page(client)[1] == 0  # the cache knows there is no call
    with django_capture_on_commit_callbacks(execute=True):
        body = {"call_uuid": str(uuid.uuid4()), "phone": PHONE, "started_at": timezone.now().isoformat()}
        response = api.post("/api/calls/start", body)
    assert response.status_code == 201
    assert call_flags.read(agente.pk) == call_flags.RUNNING
    widget, reads, _ = page(client)
    assert 'data-state="call"' in widget and f'data-call-id="{response.json()["call_id"]}"' in widget
    assert reads == 1


def test_the_flag_says_ended_when_the_call_ends_and_idle_after_the_next_read(
    login, agente, django_capture_on_commit_callbacks
):
    client = login(agente)
    with django_capture_on_commit_callbacks(execute=True):
        call = start(agente)
    assert 'data-state="call"' in page(client)[0]
    with django_capture_on_commit_callbacks(execute=True):
        end(agente, call)
    assert call_flags.read(agente.pk) == call_flags.ENDED
    widget, reads, _ = page(client)
    assert 'data-state="idle"' in widget and reads == 1
    # "ended" is kept a minute (a page that read the log before a start must not store "idle"
    # over it); then the next page stores "idle" and the ones after skip the query.
    with time_machine.travel(timedelta(seconds=call_flags.ENDED_SECONDS + 1)):
        assert page(client)[1] == 1 and call_flags.read(agente.pk) == call_flags.IDLE
        assert page(client)[1] == 0


def test_a_rolled_back_start_leaves_the_flag_alone(login, agente, django_capture_on_commit_callbacks):
    client = login(agente)
    page(client)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        start(agente)
        raise RuntimeError("the request failed after the start")
    assert call_flags.read(agente.pk) == call_flags.IDLE
    assert 'data-state="idle"' in page(client)[0]


def test_a_cleared_cache_never_hides_a_running_call(login, agente, django_capture_on_commit_callbacks):
    client = login(agente)
    with django_capture_on_commit_callbacks(execute=True):
        call = start(agente)
    from django.core.cache import cache

    cache.clear()  # a restart, a flushed or evicted key
    widget, reads, _ = page(client)
    assert f'data-call-id="{call.pk}"' in widget and reads == 1
    assert call_flags.read(agente.pk) is None  # a call was found: nothing to remember
    assert f'data-call-id="{call.pk}"' in page(client)[0]


def test_one_call_ending_leaves_the_users_other_call_on_the_widget(login, agente, django_capture_on_commit_callbacks):
    client = login(agente)
    with django_capture_on_commit_callbacks(execute=True):
        older, newer = start(agente, ago=60), start(agente, ago=10)
        end(agente, newer)
    widget, _, _ = page(client)
    assert f'data-call-id="{older.pk}"' in widget
    assert call_flags.read(agente.pk) != call_flags.IDLE


def test_a_start_and_an_end_between_a_pages_read_and_its_write_cannot_store_idle(
    agente, django_capture_on_commit_callbacks
):
    # The page found no call and is about to store "idle" when a call starts and ends.
    with django_capture_on_commit_callbacks(execute=True):
        call = start(agente)
    call_flags.note_idle(agente.pk)
    assert call_flags.read(agente.pk) == call_flags.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        end(agente, call)
    call_flags.note_idle(agente.pk)
    assert call_flags.read(agente.pk) == call_flags.ENDED


def test_a_cache_that_does_not_answer_costs_the_query_not_the_call(
    login, agente, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    client = login(agente)
    with django_capture_on_commit_callbacks(execute=True):
        call = start(agente)  # the flag cannot be written: the start is recorded all the same
    assert call_flags.read(agente.pk) == call_flags.UNREADABLE
    widget, reads, _ = page(client)
    assert f'data-call-id="{call.pk}"' in widget and reads == 1


def test_with_redis_the_flags_live_on_the_shared_client_with_their_expiry(
    login, agente, redis_cache, django_capture_on_commit_callbacks
):
    server = redis_cache.server
    client = login(agente)
    assert page(client)[1] == 1 and page(client)[1] == 0
    [key] = server.keys(f"{redis_cache.prefix}:*")
    assert server.get(key) == b"idle" and 0 < server.ttl(key) <= call_flags.IDLE_SECONDS
    with django_capture_on_commit_callbacks(execute=True):
        call = start(agente, ago=3600)
    assert server.get(key) == b"call"
    assert 3 * 3600 < server.ttl(key) <= 3 * 3600 + 60  # while the call counts as running (4 h)
    assert f'data-call-id="{call.pk}"' in page(client)[0]
    with django_capture_on_commit_callbacks(execute=True):
        end(agente, call)
    assert server.get(key) == b"ended" and 0 < server.ttl(key) <= call_flags.ENDED_SECONDS
    from dialer.redis_client import _clients

    assert (redis_cache.url,) in _clients

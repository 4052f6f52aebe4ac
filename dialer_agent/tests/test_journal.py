"""The local journal: durable before sending, in order, settled by the server's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from dialer_agent.journal import END, START, Journal


def start(call_uuid: str, request_id=None) -> dict:
    payload = {"call_uuid": call_uuid, "phone": "+50688881234", "started_at": "2026-01-05T15:00:00.000+00:00"}
    if request_id is not None:
        payload["dial_request_id"] = request_id
    return payload


def end(call_uuid: str) -> dict:
    return {"call_uuid": call_uuid, "status": "COMPLETED", "ended_at": "2026-01-05T15:02:00.000+00:00", "notes": ""}


@pytest.fixture
def journal(tmp_path):
    journal = Journal(tmp_path / "sub" / "journal.sqlite3")
    yield journal
    journal.close()


def test_an_event_survives_the_process_that_wrote_it(tmp_path, journal):
    journal.append(START, start("a"))
    # No close, no commit call: a second connection (the next run after a crash) sees it.
    after_crash = Journal(journal.path)
    assert [(e.kind, e.call_uuid, e.state) for e in after_crash.pending()] == [(START, "a", "pending")]
    after_crash.close()


def test_pending_events_come_out_oldest_first_until_settled(journal):
    for event in [(START, start("a")), (START, start("b")), (END, end("a")), (END, end("b"))]:
        journal.append(*event)
    order = []
    while (event := journal.next_pending()) is not None:
        order.append((event.kind, event.call_uuid))
        journal.mark_sent(event.seq, {"call_id": 1})
    assert order == [(START, "a"), (START, "b"), (END, "a"), (END, "b")]
    assert journal.counts() == {"sent": 4}


def test_the_same_start_or_end_written_twice_is_one_event(journal):
    first = journal.append(START, start("a"))
    again = journal.append(START, {**start("a"), "phone": "+1"})
    assert again == first
    assert len(journal.all_events()) == 1


def test_a_failure_is_counted_and_the_event_stays_pending(journal):
    event = journal.append(START, start("a"))
    journal.record_failure(event.seq, "connection refused")
    journal.record_failure(event.seq, "HTTP 503")
    pending = journal.next_pending()
    assert (pending.attempts, pending.last_error) == (2, "HTTP 503")


def test_a_refused_event_is_kept_with_its_reason_and_no_longer_pending(journal):
    event = journal.append(START, start("a"))
    journal.mark_rejected(event.seq, "phone is not E.164")
    assert journal.next_pending() is None
    (kept,) = journal.all_events()
    assert (kept.state, kept.last_error) == ("rejected", "phone is not E.164")


def test_open_calls_are_the_starts_without_an_end(journal):
    journal.append(START, start("a"))
    journal.append(START, start("b"))
    journal.append(END, end("a"))
    assert [event.call_uuid for event in journal.open_calls()] == ["b"]


def test_the_last_sign_of_life_of_a_call_is_kept(journal):
    assert journal.alive_at("a") is None
    journal.touch("a")
    first = journal.alive_at("a")
    journal.touch("a")
    assert journal.alive_at("a") >= first


def test_a_dial_request_already_handled_is_known(journal):
    journal.append(START, start("a", request_id=41))
    assert journal.knows_dial_request(41)
    assert journal.knows_dial_request("41")
    assert not journal.knows_dial_request(42)


def test_purge_forgets_only_calls_fully_settled(journal):
    for call_uuid in ("done", "half"):
        journal.append(START, start(call_uuid))
    journal.append(END, end("done"))
    journal.append(START, start("open"))
    for event in journal.all_events():
        journal.mark_sent(event.seq, None)
    journal.append(END, end("half"))  # still pending
    journal.touch("done")
    assert journal.purge(keep_days=30) == 0  # settled just now
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        assert journal.purge(keep_days=30) == 1
    assert sorted({event.call_uuid for event in journal.all_events()}) == ["half", "open"]
    assert journal.alive_at("done") is None

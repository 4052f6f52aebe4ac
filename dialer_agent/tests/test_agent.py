"""The agent's loop end to end against the fake CRM on loopback: requests in, calls out,
through down time, lost answers, rate limits and revoked tokens — every call recorded once."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from dialer_agent.agent import CRASH_NOTE, EXIT_ERROR, EXIT_OK, EXIT_TOKEN, STOP_NOTE, Agent
from dialer_agent.api import CALL_END_PATH, CALL_START_PATH
from dialer_agent.drivers import CallStatus, DriverError
from dialer_agent.journal import END, START, Journal
from dialer_agent.tests.helpers import RecordingDriver, journal_events, running, wait_for

DIAL = {"id": 41, "phone": "+50688881234", "dial_string": "88881234"}


def ended_calls(crm):
    return [call for call in crm.calls.values() if call["end"]]


def only_call(crm):
    assert len(crm.calls) == 1, crm.calls
    return next(iter(crm.calls.values()))


def test_a_dial_request_is_dialled_and_its_start_and_end_reported(crm, config, driver):
    with running(config, driver=driver, outside_line_prefix="9") as agent:
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm), what="the call's end")
        assert agent.stop() == EXIT_OK
    call = only_call(crm)
    assert driver.dialled[0].number == "988881234"
    assert driver.dialled[0].phone == "+50688881234"
    assert call["start"]["dial_request_id"] == 41
    assert call["start"]["phone"] == "+50688881234"
    assert call["start"]["provider"] == "log"
    assert datetime.fromisoformat(call["start"]["started_at"]).tzinfo is not None
    assert call["end"]["status"] == "COMPLETED"
    assert call["end_answer"]["duration_seconds"] == 0  # the log driver's call lasts 0.3 s
    assert [event.state for event in journal_events(config)] == ["sent", "sent"]


def test_each_event_is_in_the_journal_before_the_server_hears_of_it(crm, config, driver):
    seen_in_journal = []
    original = crm.handle

    def handle(handler, method, path, query, body):
        if method == "POST":
            with sqlite3.connect(config.journal_path) as db:
                kinds = {
                    row[0] for row in db.execute("SELECT kind FROM events WHERE call_uuid = ?", (body["call_uuid"],))
                }
            seen_in_journal.append((path, kinds))
        return original(handler, method, path, query, body)

    crm.handle = handle
    with running(config, driver=driver):
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm))
    assert seen_in_journal[0][0] == CALL_START_PATH and START in seen_in_journal[0][1]
    assert seen_in_journal[-1][0] == CALL_END_PATH and END in seen_in_journal[-1][1]


def test_a_hang_up_request_from_the_crm_ends_the_call(crm, config):
    driver = RecordingDriver(call_seconds=60)
    with running(config, driver=driver):
        crm.enqueue(DIAL)
        call_uuid = wait_for(lambda: next(iter(crm.calls), None), what="the call's start")
        crm.enqueue({"action": "hangup", "call_uuid": "someone-else"})
        crm.enqueue({"action": "hangup", "call_uuid": call_uuid})
        wait_for(lambda: ended_calls(crm))
    end = only_call(crm)["end"]
    assert end["status"] == "COMPLETED"
    assert end["notes"].startswith("hung up from the CRM")


def test_the_call_arrives_exactly_once_when_the_server_is_down_for_a_while(crm, config, driver):
    crm.go_down_after_dispatch = True  # the server hands over the request, then goes away
    with running(config, driver=driver) as agent:
        crm.enqueue(DIAL)
        wait_for(lambda: not crm.up, what="the server to go down")
        # The call is dialled and ends while the server is away; both events wait in the journal.
        wait_for(lambda: [e.kind for e in journal_events(config)] == [START, END], what="the end in the journal")
        wait_for(lambda: all(e.attempts for e in journal_events(config)[:1]), what="a failed delivery")
        assert crm.calls == {}
        crm.start()  # same port
        wait_for(lambda: ended_calls(crm), what="the call once the server is back")
        assert agent.stop() == EXIT_OK
    call_uuid = only_call(crm)["start"]["call_uuid"]
    assert crm.posts["start", call_uuid] == 1
    assert crm.posts["end", call_uuid] == 1
    assert len(driver.dialled) == 1
    starts = crm.requests_to(CALL_START_PATH)
    ends = crm.requests_to(CALL_END_PATH)
    assert starts[-1][0] < ends[0][0], "the end went out before the start"


def test_a_lost_answer_is_resent_and_recorded_once(crm, config, driver):
    crm.lose_next_response = 1  # the start is recorded but the agent never hears the 201
    with running(config, driver=driver):
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm))
    call_uuid = only_call(crm)["start"]["call_uuid"]
    assert crm.posts["start", call_uuid] == 2
    assert [status for *_, status in crm.requests_to(CALL_START_PATH)] == [201, 200]
    assert crm.posts["end", call_uuid] == 1


def test_the_end_never_overtakes_a_start_that_keeps_failing(crm, config, driver):
    crm.fail_next = 0
    original = crm.call_start
    failures = {"left": 4}

    def flaky_start(body):
        if failures["left"]:
            failures["left"] -= 1
            return 503, None
        return original(body)

    crm.call_start = flaky_start
    with running(config, driver=driver):
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm), timeout=8)
    statuses = [(path, status) for _, _, path, status in crm.log if path in (CALL_START_PATH, CALL_END_PATH)]
    assert statuses == [(CALL_START_PATH, 503)] * 4 + [(CALL_START_PATH, 201), (CALL_END_PATH, 200)]


def test_a_429_waits_for_retry_after_before_the_next_request(crm, config, driver):
    with running(config, driver=driver):
        wait_for(lambda: crm.requests_to("/api/dialer/next"), what="the first poll")
        crm.rate_limit_next = 1
        crm.retry_after = "1"
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm), timeout=8)
    limited = next(entry for entry in crm.log if entry[3] == 429)
    after = [entry for entry in crm.log if entry[0] > limited[0]]
    assert after[0][0] - limited[0] >= 0.9, "the agent came back before Retry-After"
    assert len(crm.calls) == 1


def test_a_revoked_token_stops_the_agent_with_its_exit_code(crm, config, driver):
    crm.token = "another-token"
    with running(config, driver=driver) as agent:
        agent.thread.join(5)
        assert not agent.thread.is_alive()
    assert agent.result == [EXIT_TOKEN]


def test_a_revoked_token_mid_call_keeps_the_call_in_the_journal(crm, config):
    with running(config, driver=RecordingDriver(call_seconds=60)) as agent:
        crm.enqueue(DIAL)
        wait_for(lambda: crm.calls, what="the start")
        crm.token = "revoked"
        agent.thread.join(5)
    assert agent.result == [EXIT_TOKEN]
    end = journal_events(config)[-1]
    assert (end.kind, end.state, end.payload["status"]) == (END, "pending", "DROPPED")


def test_a_call_left_open_by_a_crash_is_reported_dropped_at_its_last_sign_of_life(crm, config):
    journal = Journal(config.journal_path)
    journal.append(START, {"call_uuid": "c-1", "phone": "+50688881234", "started_at": "2020-01-01T10:00:00.000+00:00"})
    journal.touch("c-1")
    alive_at = journal.alive_at("c-1")
    journal.close()
    with running(config) as agent:
        wait_for(lambda: ended_calls(crm), what="the recovered call")
        agent.stop()
    end = crm.calls["c-1"]["end"]
    assert (end["status"], end["ended_at"], end["notes"]) == ("DROPPED", alive_at, CRASH_NOTE)


def test_a_dial_request_seen_before_is_not_dialled_again(crm, config, driver):
    with running(config, driver=driver):
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm))
        crm.enqueue(DIAL)
        crm.enqueue({**DIAL, "id": 42})
        wait_for(lambda: len(ended_calls(crm)) == 2)
    assert [target.number for target in driver.dialled] == ["88881234", "88881234"]
    assert sorted(call["start"]["dial_request_id"] for call in crm.calls.values()) == [41, 42]


def test_the_next_dial_request_ends_the_call_in_progress(crm, config):
    driver = RecordingDriver(call_seconds=60)
    with running(config, driver=driver):
        crm.enqueue(DIAL)
        wait_for(lambda: crm.calls)
        crm.enqueue({"id": 42, "phone": "+50622223333", "dial_string": "22223333"})
        wait_for(lambda: len(crm.calls) == 2 and ended_calls(crm))
    first = next(call for call in crm.calls.values() if call["start"]["dial_request_id"] == 41)
    assert first["end"]["notes"].startswith("ended because the next call was dialled")


def test_a_dial_the_softphone_refuses_is_reported_failed(crm, config):
    class Refusing(RecordingDriver):
        def dial(self, target):
            raise DriverError("InterPhone is not open")

    with running(config, driver=Refusing()):
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm))
    end = only_call(crm)["end"]
    assert (end["status"], end["notes"]) == ("FAILED", "InterPhone is not open")


def test_a_dial_string_that_is_not_digits_is_never_dialled(crm, config, driver):
    with running(config, driver=driver):
        crm.enqueue({**DIAL, "dial_string": "8888 & calc.exe"})
        wait_for(lambda: ended_calls(crm))
    assert driver.dialled == []
    assert only_call(crm)["end"]["status"] == "FAILED"


def test_a_request_without_phone_or_with_an_unknown_action_is_ignored(crm, config, driver):
    with running(config, driver=driver):
        crm.enqueue({"id": 7})
        crm.enqueue({"id": 8, "action": "transfer", "phone": "+50688881234"})
        crm.enqueue({"action": "hangup"})  # no call in progress
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm))
    assert len(driver.dialled) == 1


def test_an_event_the_server_refuses_for_good_does_not_hold_back_later_calls(crm, config, driver):
    crm.reject_phone = "+50600000000"
    with running(config, driver=driver):
        crm.enqueue({"id": 1, "phone": "+50600000000", "dial_string": "00000000"})
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm), timeout=8)
    assert [call["start"]["dial_request_id"] for call in crm.calls.values()] == [41]
    events = journal_events(config)
    assert [event.state for event in events] == ["rejected", "rejected", "sent", "sent"]
    assert events[0].last_error == "phone is not E.164"


def test_stopping_during_a_call_reports_it_and_exits_cleanly(crm, config):
    with running(config, driver=RecordingDriver(call_seconds=60)) as agent:
        crm.enqueue(DIAL)
        wait_for(lambda: crm.calls)
        assert agent.stop() == EXIT_OK
    end = only_call(crm)["end"]  # delivered while stopping
    assert (end["status"], end["notes"]) == ("DROPPED", STOP_NOTE)


def test_a_call_with_no_end_signal_is_closed_after_max_call_minutes(crm, config):
    with running(config, driver=RecordingDriver(call_seconds=60), max_call_minutes=0.01):
        crm.enqueue(DIAL)
        wait_for(lambda: ended_calls(crm))
    end = only_call(crm)["end"]
    assert end["status"] == CallStatus.DROPPED
    assert end["notes"].startswith("no end signal after 0.01 minutes")


def test_a_bug_in_a_background_thread_stops_the_agent_loudly(crm, config):
    agent = Agent(config)

    def broken(wait):
        raise RuntimeError("bug")

    agent.client.next_request = broken
    assert agent.run() == EXIT_ERROR

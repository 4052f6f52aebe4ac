"""The agent's loop: take dial and hang-up requests from the CRM, drive the softphone, and
journal every call's start and end for the sender to deliver.

Three threads: the poller long-polls the server and queues what arrives; the sender delivers
the journal; the main thread owns the call — it dials, watches the driver for the end, and
answers hang-up requests — so neither a slow server nor a slow softphone holds up the other.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from dialer_agent.api import ApiClient, Rejected, TokenRejected
from dialer_agent.config import Config
from dialer_agent.drivers import Call, CallEnd, CallStatus, DialTarget, DriverError
from dialer_agent.drivers.base import DIAL_STRING_RE
from dialer_agent.journal import END, START, Journal, now_iso
from dialer_agent.retry import retrying
from dialer_agent.sender import Sender
from dialer_agent.worker import Worker

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CONFIG = 2
EXIT_TOKEN = 3
EXIT_UNREACHABLE = 4
EXIT_DRIVER = 5

# How often the loop looks at the driver and at a stop request; calls are timed to the second.
TICK_SECONDS = 0.2
# How often the journal learns that the call in progress is still going (see recover()).
ALIVE_EVERY_SECONDS = 5.0
CRASH_NOTE = "the dialer agent stopped unexpectedly during this call; ended_at is the last time it saw the call going"
STOP_NOTE = "the dialer agent was stopped during this call; ended_at is when it stopped"


def make_client(config: Config) -> ApiClient:
    return ApiClient(
        config.server_url,
        config.token,
        timeout=config.timeout,
        verify_tls=config.verify_tls,
        ca_file=str(config.ca_file) if config.ca_file else None,
    )


@dataclass
class ActiveCall:
    call_uuid: str
    dial_request_id: Any
    call: Call
    started: float
    alive_touched: float


class Poller(Worker):
    """Long-polls for requests and queues them for the main thread."""

    def __init__(self, agent: Agent):
        super().__init__("dialer-agent-poller", agent.fatal)
        self.agent = agent

    def work(self) -> None:
        agent = self.agent
        config = agent.config

        def on_failure(error: Exception, wait: float) -> None:
            log.warning("cannot reach the CRM (%s); polling again in %.1f s", error, wait)

        poll = retrying(agent.stopping, initial=config.retry_initial, maximum=config.retry_max, on_failure=on_failure)
        while not agent.stopping.is_set():
            try:
                message = poll(agent.client.next_request, config.poll_wait)
            except Rejected as exc:  # e.g. a CRM without the dialer API yet
                log.error("the CRM refused the poll for requests: %s", exc)
                agent.stopping.wait(config.retry_max)
                continue
            if message is None:
                continue
            if agent.stopping.is_set():
                log.warning("request %s arrived while the agent was stopping; it was not acted on", message)
                break
            agent.inbox.put(message)


class Agent:
    def __init__(self, config: Config, *, client: ApiClient | None = None):
        self.config = config
        self.driver = config.driver
        self.client = client or make_client(config)
        self.stopping = threading.Event()
        self.inbox: queue.Queue[dict] = queue.Queue()
        self.exit_code = EXIT_OK
        self.current: ActiveCall | None = None
        self.journal: Journal | None = None
        self.sender: Sender | None = None

    def stop(self) -> None:
        """Ask the loop to finish (from a signal handler or another thread)."""
        self.stopping.set()

    def fatal(self, error: Exception) -> None:
        if isinstance(error, TokenRejected):
            log.error(
                "%s. Create a new token on your profile page in the CRM and put it in %s", error, self.config.path
            )
            self.exit_code = EXIT_TOKEN
        else:
            self.exit_code = EXIT_ERROR
        self.stopping.set()

    def run(self) -> int:
        self.journal = Journal(self.config.journal_path)
        purged = self.journal.purge(self.config.keep_days)
        if purged:
            log.info("journal: forgot %d calls settled more than %g days ago", purged, self.config.keep_days)
        self.recover()
        self.sender = Sender(
            self.journal,
            self.client,
            retry_initial=self.config.retry_initial,
            retry_max=self.config.retry_max,
            on_fatal=self.fatal,
        )
        self.sender.start()
        Poller(self).start()
        log.info("dialer agent started: %s, driver %s", self.config.server_url, self.driver.name)
        try:
            while not self.stopping.is_set():
                self.step()
        finally:
            self.shutdown()
        return self.exit_code

    def recover(self) -> None:
        """Close the calls a previous run lost track of; their events then go out in order."""
        for event in self.journal.open_calls():
            started_at = event.payload["started_at"]
            # Both are now_iso() strings (UTC, same width), so they compare as times.
            ended_at = max(self.journal.alive_at(event.call_uuid) or started_at, started_at)
            log.warning("call %s was left open by a previous run; reporting it DROPPED", event.call_uuid)
            self._journal_end(event.call_uuid, CallEnd(CallStatus.DROPPED, CRASH_NOTE), ended_at=ended_at)
        pending = len(self.journal.pending())
        if pending:
            log.info("journal: %d events from an earlier run still to deliver", pending)

    def step(self) -> None:
        if self.current:
            self.watch_call()
        try:
            message = self.inbox.get(timeout=TICK_SECONDS)
        except queue.Empty:
            return
        action = message.get("action") or "dial"
        if action == "dial":
            self.dial(message)
        elif action == "hangup":
            self.hangup_requested(message)
        else:
            log.warning("unknown request action %r ignored: %s", action, message)

    # Calls.

    def dial(self, message: dict) -> None:
        request_id = message.get("id")
        phone = message.get("phone")
        if not isinstance(phone, str) or not phone:
            log.error("dial request %s has no phone; ignored", request_id)
            return
        if request_id is not None and self.journal.knows_dial_request(request_id):
            log.warning("dial request %s was already handled; ignored", request_id)
            return
        if self.current:
            self.end_current("ended because the next call was dialled")
        dial_string = message.get("dial_string")
        number = f"{self.config.outside_line_prefix}{dial_string}" if dial_string else phone
        call_uuid = str(uuid.uuid4())
        start = {"call_uuid": call_uuid, "phone": phone, "started_at": now_iso(), "provider": self.driver.name}
        if request_id is not None:
            start["dial_request_id"] = request_id
        # Journaled before dialling: if the program dies mid-dial, the call is still on record.
        self.journal.append(START, start)
        self.sender.wake()
        log.info("dial request %s: calling %s as call %s", request_id, number, call_uuid)
        if not DIAL_STRING_RE.match(number):
            self._journal_end(call_uuid, CallEnd(CallStatus.FAILED, f"not a dialable number: {number!r}"))
            return
        try:
            call = self.driver.dial(DialTarget(number=number, phone=phone))
        except DriverError as exc:
            log.error("dialling %s failed: %s", number, exc)
            self._journal_end(call_uuid, CallEnd(CallStatus.FAILED, str(exc)))
            return
        now = time.monotonic()
        self.current = ActiveCall(call_uuid, request_id, call, started=now, alive_touched=now)
        self.journal.touch(call_uuid)

    def watch_call(self) -> None:
        current = self.current
        try:
            end = current.call.poll()
        except DriverError as exc:
            end = CallEnd(CallStatus.DROPPED, f"the softphone could not be read: {exc}")
        now = time.monotonic()
        if end:
            self._finish(end)
        elif now - current.started >= self.config.max_call_minutes * 60:
            self.end_current(f"no end signal after {self.config.max_call_minutes:g} minutes", CallStatus.DROPPED)
        elif now - current.alive_touched >= ALIVE_EVERY_SECONDS:
            current.alive_touched = now
            self.journal.touch(current.call_uuid)

    def hangup_requested(self, message: dict) -> None:
        if not self.current:
            log.info("hang-up request with no call in progress; ignored: %s", message)
            return
        # The server names the call by its UUID, or by the dial request while the start has
        # not reached it yet (the server was away); naming neither means "the call in progress".
        wanted_uuid = message.get("call_uuid")
        wanted_request = message.get("dial_request_id")
        if (wanted_uuid and wanted_uuid != self.current.call_uuid) or (
            wanted_request is not None and str(wanted_request) != str(self.current.dial_request_id)
        ):
            log.warning("hang-up request for another call ignored: %s", message)
            return
        self.end_current("hung up from the CRM")

    def end_current(self, note: str, status: CallStatus | None = None) -> None:
        """Hang up the call in progress and journal its end."""
        try:
            end = self.current.call.hangup()
        except DriverError as exc:
            log.warning("could not hang up the softphone: %s", exc)
            end = CallEnd(CallStatus.COMPLETED, f"the softphone was not hung up: {exc}")
        self._finish(CallEnd(status or end.status, "; ".join(filter(None, [note, end.notes]))))

    def _finish(self, end: CallEnd) -> None:
        self._journal_end(self.current.call_uuid, end)
        self.current = None

    def _journal_end(self, call_uuid: str, end: CallEnd, *, ended_at: str | None = None) -> None:
        payload = {
            "call_uuid": call_uuid,
            "status": end.status.value,
            "ended_at": ended_at or now_iso(),
            "notes": end.notes,
        }
        self.journal.append(END, payload)
        if self.sender:
            self.sender.wake()
        log.info("call %s ended: %s %s", call_uuid, end.status.value, end.notes)

    def shutdown(self) -> None:
        """Journal the call in progress (the softphone keeps it), deliver what can be, stop."""
        if self.current:
            self._finish(CallEnd(CallStatus.DROPPED, STOP_NOTE))
        while not self.inbox.empty():
            log.warning("request %s arrived while the agent was stopping; it was not acted on", self.inbox.get())
        if self.exit_code != EXIT_TOKEN and not self.sender.flush(self.config.shutdown_flush_seconds):
            log.warning(
                "stopping with %d events not yet delivered; they go out at the next start", len(self.journal.pending())
            )
        self.sender.stop()
        self.sender.join(timeout=self.config.timeout + 1)
        if not self.sender.is_alive():
            self.journal.close()
        log.info("dialer agent stopped")

"""The sender: a thread that delivers the journal's pending events, oldest first.

It keeps at the head of the queue until the server acknowledges it (2xx), so events never
overtake each other; a permanent refusal (a 4xx with the API's reason) is recorded in the
journal and logged, so one bad event cannot hold back every later call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from dialer_agent.api import ApiClient, Rejected
from dialer_agent.journal import START, Event, Journal
from dialer_agent.retry import retrying
from dialer_agent.worker import Worker

log = logging.getLogger(__name__)


class Sender(Worker):
    def __init__(
        self,
        journal: Journal,
        client: ApiClient,
        *,
        retry_initial: float,
        retry_max: float,
        on_fatal: Callable[[Exception], None],
    ):
        super().__init__("dialer-agent-sender", on_fatal)
        self.journal = journal
        self.client = client
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._idle = threading.Event()

    def wake(self) -> None:
        """There is a new event in the journal."""
        self._idle.clear()
        self._wake.set()

    def stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    def flush(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for every pending event to be settled; True if they were."""
        deadline = time.monotonic() + seconds
        self.wake()
        while self.is_alive() and time.monotonic() < deadline:
            if self._idle.wait(timeout=0.05) and self.journal.next_pending() is None:
                return True
        return self.journal.next_pending() is None

    def work(self) -> None:
        while not self.stopping.is_set():
            self._wake.clear()  # before looking, so a wake-up during the look is not lost
            event = self.journal.next_pending()
            if event is None:
                self._idle.set()
                self._wake.wait(timeout=1)
                continue
            self.deliver(event)

    def deliver(self, event: Event) -> None:
        post = self.client.call_start if event.kind == START else self.client.call_end

        def on_failure(error: Exception, wait: float) -> None:
            self.journal.record_failure(event.seq, str(error))
            log.warning(
                "call %s %s not delivered (%s); trying again in %.1f s", event.call_uuid, event.kind, error, wait
            )

        try:
            response = retrying(
                self.stopping, initial=self.retry_initial, maximum=self.retry_max, on_failure=on_failure
            )(post, event.payload)
        except Rejected as exc:
            self.journal.mark_rejected(event.seq, exc.reason)
            log.error("the server refused call %s %s for good: %s", event.call_uuid, event.kind, exc)
            return
        self.journal.mark_sent(event.seq, response.body)
        log.info("call %s %s delivered (HTTP %s)", event.call_uuid, event.kind, response.status)

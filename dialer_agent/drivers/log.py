"""``log``: dials nothing and only writes to the log; for training and tests.

The pretend call ends after ``call_seconds`` with ``status``, or when it is hung up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dialer_agent.drivers.base import CallEnd, CallStatus, DialTarget
from dialer_agent.tables import Table

log = logging.getLogger(__name__)


@dataclass
class LogCall:
    target: DialTarget
    ends_at: float
    status: CallStatus
    clock: Callable[[], float]
    hung_up: bool = field(default=False)

    def poll(self) -> CallEnd | None:
        if self.hung_up:
            return CallEnd(CallStatus.COMPLETED, "hung up")
        if self.clock() >= self.ends_at:
            return CallEnd(self.status, "log driver: nothing was dialled")
        return None

    def hangup(self) -> CallEnd:
        log.info("log driver: hang up %s", self.target.number)
        self.hung_up = True
        return CallEnd(CallStatus.COMPLETED, "hung up")


@dataclass
class LogDriver:
    call_seconds: float = 10.0
    status: CallStatus = CallStatus.COMPLETED
    clock: Callable[[], float] = time.monotonic
    name: str = "log"

    def check(self) -> str:
        return f"log driver: dials nothing; each call ends after {self.call_seconds:g} s as {self.status}"

    def dial(self, target: DialTarget) -> LogCall:
        log.info("log driver: dial %s (%s)", target.number, target.phone)
        return LogCall(target, self.clock() + self.call_seconds, self.status, self.clock)


def from_config(table: Table) -> LogDriver:
    return LogDriver(
        call_seconds=table.number("call_seconds", 10),
        status=CallStatus(table.choice("status", tuple(CallStatus), CallStatus.COMPLETED.value)),
    )

"""``tel``: hands a ``tel:`` URI to the operating system, which passes it to the softphone
registered for it (MicroSIP, Zoiper, Teams…).

The OS gives no news of the call afterwards: it ends when the CRM asks to hang up (the agent
hangs up in the softphone), when the next call is dialled, or at ``max_call_minutes``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from dialer_agent.drivers.base import CallEnd, CallStatus, DialTarget, DriverError
from dialer_agent.drivers.command import check_placeholders
from dialer_agent.tables import Table

log = logging.getLogger(__name__)


def os_opener(uri: str) -> None:
    """Open ``uri`` with the handler the operating system has for it."""
    if sys.platform == "win32":
        os.startfile(uri)  # noqa: S606 - the documented way to reach Windows' URI handlers
        return
    program = "open" if sys.platform == "darwin" else "xdg-open"
    subprocess.run([program, uri], check=True, timeout=15, stdin=subprocess.DEVNULL)  # noqa: S603


@dataclass
class TelCall:
    target: DialTarget
    hung_up: bool = field(default=False)

    def poll(self) -> CallEnd | None:
        return CallEnd(CallStatus.COMPLETED, "hung up") if self.hung_up else None

    def hangup(self) -> CallEnd:
        # The OS has no "hang up" for a URI; the call is only closed in the record.
        log.info("tel driver: cannot hang up the softphone; closing the call %s in the record", self.target.number)
        self.hung_up = True
        return CallEnd(CallStatus.COMPLETED, "closed from the CRM (tel: driver cannot hang up the softphone)")


@dataclass
class TelDriver:
    uri: str = "tel:{number}"
    opener: Callable[[str], None] = os_opener
    name: str = "tel"

    def check(self) -> str:
        return f"tel driver: hands {self.uri} to the operating system's tel: handler"

    def dial(self, target: DialTarget) -> TelCall:
        uri = self.uri.format(number=target.number, phone=target.phone)
        log.info("tel driver: open %s", uri)
        try:
            self.opener(uri)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DriverError(f"the operating system could not open {uri}: {exc}") from exc
        return TelCall(target)


def from_config(table: Table) -> TelDriver:
    uri = table.text("uri", "tel:{number}")
    check_placeholders(table, "uri", uri)
    return TelDriver(uri=uri)

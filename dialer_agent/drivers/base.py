"""The small interface every driver implements, and the types it speaks."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Protocol

# What may reach a softphone: digits plus the keypad's * and #, and a leading +. Anything
# else is refused, so a dial string can never smuggle options into a command line or key
# sequences (pywinauto's "{ENTER}", "^v") into a window.
DIAL_STRING_RE = re.compile(r"^\+?[0-9*#]{1,32}$")


class CallStatus(enum.StrEnum):
    """The call log's final statuses, as the server expects them."""

    COMPLETED = "COMPLETED"
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    FAILED = "FAILED"
    DROPPED = "DROPPED"


class DriverError(Exception):
    """The softphone could not be driven (not found, not running, the command failed)."""


@dataclass(frozen=True)
class DialTarget:
    number: str  # what is dialled: the server's dial string with the workstation's prefix
    phone: str  # the E.164 number, for drivers (tel:) that prefer it


@dataclass(frozen=True)
class CallEnd:
    status: CallStatus
    notes: str = ""


class Call(Protocol):
    """A call a driver placed."""

    def poll(self) -> CallEnd | None:
        """The end of the call once the driver sees it; None while it goes on."""

    def hangup(self) -> CallEnd:
        """Ask the softphone to hang up, and say how the call ended as far as the driver knows.

        Raises DriverError when the softphone could not be told.
        """


class Driver(Protocol):
    name: str

    def check(self) -> str:
        """Whether the softphone can be driven now, in words; raises DriverError if not."""

    def dial(self, target: DialTarget) -> Call:
        """Start the call; raises DriverError if the softphone refused it."""

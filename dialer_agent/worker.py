"""The agent's background threads share one rule for how they may end."""

from __future__ import annotations

import logging
import threading
from abc import ABCMeta, abstractmethod
from collections.abc import Callable

from dialer_agent.api import TokenRejected, Unavailable

log = logging.getLogger(__name__)


class Worker(threading.Thread, metaclass=ABCMeta):
    """A daemon thread running ``work()``; a refused token or a bug stops the whole agent.

    ``Unavailable`` escaping ``work()`` only means the agent was stopped while the server was
    away (the retries give up on stop): whatever was pending stays in the journal.
    """

    def __init__(self, name: str, on_fatal: Callable[[Exception], None]):
        super().__init__(name=name, daemon=True)
        self.on_fatal = on_fatal

    @abstractmethod
    def work(self) -> None:
        """The thread's loop; each kind of worker (poller, sender) defines its own."""

    def run(self) -> None:
        try:
            self.work()
        except TokenRejected as exc:
            self.on_fatal(exc)
        except Unavailable:
            pass
        except Exception as exc:  # a bug must stop the agent loudly, not leave it deaf or mute
            log.exception("%s stopped on an unexpected error", self.name)
            self.on_fatal(exc)

"""The one retry policy for every request: exponential backoff with jitter (tenacity),
honouring a 429's Retry-After, for as long as the agent runs.

The sleeps wait on a threading.Event, so stopping the agent cuts a long backoff short.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential, wait_random

from dialer_agent.api import RateLimited, Unavailable

log = logging.getLogger(__name__)


class _BackoffOrRetryAfter:
    def __init__(self, initial: float, maximum: float):
        # The jitter spreads a floor of workstations that lost the server at the same moment.
        self.backoff = wait_exponential(multiplier=initial, max=maximum) + wait_random(0, initial)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            return error.retry_after
        return self.backoff(state)


def retrying(
    stop: threading.Event,
    *,
    initial: float,
    maximum: float,
    on_failure: Callable[[Exception, float], None] | None = None,
) -> Retrying:
    """Retry while the server is unavailable, until ``stop`` is set (then the last error is raised)."""

    def before_sleep(state: RetryCallState) -> None:
        if on_failure and state.outcome and state.next_action:
            on_failure(state.outcome.exception(), state.next_action.sleep)

    return Retrying(
        retry=retry_if_exception_type(Unavailable),
        wait=_BackoffOrRetryAfter(initial, maximum),
        stop=lambda _state: stop.is_set(),
        sleep=stop.wait,
        before_sleep=before_sleep,
        reraise=True,
    )

"""Helpers for the dialer agent's tests: waiting, a recording driver, the loop in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from dialer_agent.agent import Agent
from dialer_agent.config import Config
from dialer_agent.drivers.log import LogDriver
from dialer_agent.journal import Journal


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "the condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RecordingDriver(LogDriver):
    """The log driver, remembering what it was asked to dial."""

    def __init__(self, call_seconds: float = 0.3, **kwargs):
        super().__init__(call_seconds=call_seconds, **kwargs)
        self.dialled: list = []

    def dial(self, target):
        self.dialled.append(target)
        return super().dial(target)


class RunningAgent:
    def __init__(self, agent: Agent, thread: threading.Thread, result: list[int]):
        self.agent = agent
        self.thread = thread
        self.result = result

    def stop(self, timeout: float = 10) -> int:
        self.agent.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the agent did not stop"
        return self.result[0]


@contextmanager
def running(config: Config, **overrides) -> Iterator[RunningAgent]:
    """The agent's loop in a thread; stopped on leaving the block."""
    agent = Agent(replace(config, **overrides) if overrides else config)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(agent.run()), daemon=True)
    thread.start()
    running_agent = RunningAgent(agent, thread, result)
    try:
        yield running_agent
    finally:
        if thread.is_alive():
            running_agent.stop()


def journal_events(config: Config) -> list:
    journal = Journal(config.journal_path)
    try:
        return journal.all_events()
    finally:
        journal.close()

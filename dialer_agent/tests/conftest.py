"""Fixtures for the dialer agent's tests: a fake CRM on loopback, config files, a running agent.

None of these tests touch Django or the database; the agent is plain Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dialer_agent.config import Config, load_config
from dialer_agent.tests.fake_crm import TOKEN, FakeCRM
from dialer_agent.tests.helpers import RecordingDriver


@pytest.fixture
def crm() -> Iterator[FakeCRM]:
    server = FakeCRM().start()
    yield server
    server.stop()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config file; the keyword arguments are whole TOML tables as text."""

    def write(url: str = "http://127.0.0.1:9", *, driver: str = "log", token: str = TOKEN, **tables: str) -> Path:
        sections = {
            "server": f'url = "{url}"\ntoken = "{token}"\npoll_wait = 1\ntimeout = 2',
            "dialer": f'driver = "{driver}"',
            "retry": "initial_seconds = 0.05\nmax_seconds = 0.2\nshutdown_flush_seconds = 2",
            "drivers.log": "call_seconds = 0.3",
        }
        sections.update({name.replace("__", "."): text for name, text in tables.items()})
        path = tmp_path / "config.toml"
        path.write_text("".join(f"[{name}]\n{text}\n\n" for name, text in sections.items()), encoding="utf-8")
        return path

    return write


@pytest.fixture
def config(crm: FakeCRM, write_config) -> Config:
    return load_config(write_config(crm.url))


@pytest.fixture
def driver() -> RecordingDriver:
    return RecordingDriver()

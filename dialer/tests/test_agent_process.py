"""The real workstation program (`python -m dialer_agent`, log driver) against a real CRM server.

The server is uvicorn on a temporary SQLite file (as the browser tests run it), the agent a
separate process with its own journal. A dial request made in the CRM is dialled, the agent's
signed-in browser gets the call's start over the events socket, and start and end are recorded
exactly once — also when the server is stopped in the middle of the call and started again.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from core.testing.processes import stop_process

PROJECT_DIR = Path(__file__).resolve().parents[2]
UVICORN = PROJECT_DIR / ".venv" / "bin" / "uvicorn"

SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from cartera.models import Debtor, DebtorPhone
from core import services as core
from dialer import services
campaign = core.campaign_create(name="Cobranza CR", module="cartera", country="CR")
agent = core.user_create(username="ana", password="x-pass-12345", role="agente", campaigns=[campaign])
debtor = Debtor.objects.create(campaign=campaign, full_name="Rosa Mora", assigned_agent=agent)
DebtorPhone.objects.create(debtor=debtor, e164="+50688881234", is_primary=True)
session = SessionStore()  # the agent's browser, signed in
session.update({SESSION_KEY: str(agent.pk), HASH_SESSION_KEY: agent.get_session_auth_hash(),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
session.create()
secret = services.token_create(user=agent, name="PC-07").secret
print(json.dumps({"secret": secret, "debtor": debtor.pk, "session": session.session_key}))
"""

DIAL = """
from cartera.models import Debtor
from dialer import services
debtor = Debtor.objects.get(pk={debtor})
print(services.dial_request_create(user=debtor.assigned_agent, record=debtor, phone="+50688881234").pk)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)  # polling other processes' progress
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def server_env(tmp_path) -> dict[str, str]:
    env = {
        **os.environ,
        "CRM_ENV_FILE": "/dev/null",
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "SECRET_KEY": "agent-test",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SQLITE_PATH": str(tmp_path / "crm.sqlite3"),
        "REDIS_URL": "",
        # The dial request is made by another process: with the in-memory channel layer no
        # wake-up crosses over, so the waiting poll finds it by looking again.
        "DIALER_POLL_RECHECK_SECONDS": "0.3",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    return env


def manage(env, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Server:
    def __init__(self, env, port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(UVICORN), "crm.asgi:application", "--host", "127.0.0.1", "--port", str(self.port)]
                + ["--ws", "websockets-sansio", "--lifespan", "off", "--log-level", "warning"],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def healthy():
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:  # noqa: S310
                    return response.status == 200
            except OSError:
                return False

        wait_for(healthy, timeout=30, what=f"the server to start:\n{self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@pytest.fixture
def crm(server_env, tmp_path):
    manage(server_env, "migrate", "--noinput")
    seeded = json.loads(manage(server_env, "shell", "-c", SEED).strip().splitlines()[-1])
    server = Server(server_env, free_port(), tmp_path / "uvicorn.log")
    server.start()
    try:
        yield server, seeded
    finally:
        server.stop()


def events_socket(server: Server, session_key: str):
    from websockets.sync.client import connect

    return connect(
        f"ws://127.0.0.1:{server.port}/ws/events/",
        additional_headers={"Cookie": f"sessionid={session_key}", "Origin": server.url},
        open_timeout=10,
    )


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=10) as connection:
        return connection.execute(sql).fetchall()


def test_a_dial_request_is_dialled_and_recorded_once_across_a_server_restart(crm, server_env, tmp_path):
    server, seeded = crm
    db = Path(server_env["SQLITE_PATH"])
    config = tmp_path / "agent.toml"
    config.write_text(
        f'[server]\nurl = "{server.url}"\ntoken = "{seeded["secret"]}"\npoll_wait = 2\ntimeout = 3\n\n'
        '[dialer]\ndriver = "log"\n\n'
        '[drivers.log]\ncall_seconds = 3\nstatus = "COMPLETED"\n\n'
        "[retry]\ninitial_seconds = 0.2\nmax_seconds = 0.5\nshutdown_flush_seconds = 3\n\n"
        f'[journal]\npath = "{tmp_path / "journal.sqlite3"}"\n\n'
        f'[log]\nfile = "{tmp_path / "agent.log"}"\nlevel = "DEBUG"\n',
        encoding="utf-8",
    )
    check = subprocess.run(
        [sys.executable, "-m", "dialer_agent", "--config", str(config), "--check"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Token:   accepted (user: " in check.stdout, check.stdout + check.stderr
    agent = subprocess.Popen(
        [sys.executable, "-m", "dialer_agent", "--config", str(config)],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        calls = "select uuid, dial_request_id, provider, status, duration_seconds from dialer_calllog"
        with events_socket(server, seeded["session"]) as browser:
            request_id = int(manage(server_env, "shell", "-c", DIAL.format(debtor=seeded["debtor"])).split()[-1])
            started = wait_for(lambda: rows(db, calls), timeout=30, what="the call's start")
            assert [row[1:4] for row in started] == [(request_id, "log", None)]
            # The agent's browser hears of it at once, with what the call widget's timer needs.
            event = json.loads(browser.recv(timeout=10))
        assert event["type"] == "call.started"
        payload = event["payload"]
        assert (payload["call_uuid"], payload["dial_request_id"]) == (str(uuid.UUID(started[0][0])), request_id)
        assert payload["started_at"].endswith("Z")

        # The server goes away mid-call; the call ends meanwhile; the end waits in the journal.
        server.stop()
        time.sleep(4)
        server.start()
        ended = wait_for(
            lambda: [row for row in rows(db, calls) if row[3]], timeout=30, what="the call's end after the restart"
        )
        assert [row[1:] for row in ended] == [(request_id, "log", "COMPLETED", 3)]
        assert rows(db, f"select status from dialer_dialrequest where id = {request_id}") == [("ended",)]
    finally:
        stop_process(agent)
    agent_log = (tmp_path / "agent.log").read_text(errors="replace")
    assert agent.returncode == 0, agent_log[-3000:]
    assert len(rows(db, "select id from dialer_calllog")) == 1

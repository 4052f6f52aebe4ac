"""``--check``: can this workstation reach the CRM, is its token accepted, can it dial?

Prints one line per finding and returns the exit code of the first problem found.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dialer_agent.agent import EXIT_DRIVER, EXIT_OK, EXIT_TOKEN, EXIT_UNREACHABLE, make_client
from dialer_agent.api import PING_PATH, ApiClient, ApiError, RateLimited, Rejected, TokenRejected
from dialer_agent.config import Config
from dialer_agent.drivers import DriverError
from dialer_agent.journal import Journal

# Fields of the ping answer worth showing, in this order, when the server sends them.
PING_FIELDS = ("user", "username", "workstation", "token_name", "server_time")


def run_check(config: Config, out: Callable[[str], None] = print, client: ApiClient | None = None) -> int:
    client = client or make_client(config)
    out(f"Config:  {config.path} (ok)")
    codes = [_check_server(config, client, out), _check_driver(config, out)]
    _check_journal(config, out)
    code = next((code for code in codes if code != EXIT_OK), EXIT_OK)
    out("Result:  all good" if code == EXIT_OK else f"Result:  problems found (exit code {code})")
    return code


def _check_server(config: Config, client: ApiClient, out: Callable[[str], None]) -> int:
    started = time.monotonic()
    try:
        response = client.ping()
    except TokenRejected as exc:
        out(f"Server:  {config.server_url} reachable")
        out(f"Token:   REFUSED — {exc}; create a new one on your profile page in the CRM")
        return EXIT_TOKEN
    except RateLimited as exc:
        out(f"Server:  {config.server_url} reachable")
        out(f"Token:   not checked — the server is rate limiting this token ({exc})")
        return EXIT_UNREACHABLE
    except Rejected as exc:
        out(f"Server:  {config.server_url} answered GET {PING_PATH} with {exc}; is the CRM up to date?")
        return EXIT_UNREACHABLE
    except ApiError as exc:
        out(f"Server:  {config.server_url} NOT reachable — {exc}")
        return EXIT_UNREACHABLE
    elapsed = (time.monotonic() - started) * 1000
    out(f"Server:  {config.server_url} reachable (HTTP {response.status} in {elapsed:.0f} ms)")
    body = response.body if isinstance(response.body, dict) else {}
    details = ", ".join(f"{key}: {body[key]}" for key in PING_FIELDS if body.get(key) not in (None, ""))
    out(f"Token:   accepted{f' ({details})' if details else ''}")
    return EXIT_OK


def _check_driver(config: Config, out: Callable[[str], None]) -> int:
    try:
        found = config.driver.check()
    except DriverError as exc:
        out(f"Driver:  {config.driver.name} NOT usable — {exc}")
        return EXIT_DRIVER
    out(f"Driver:  {config.driver.name} ok — {found}")
    return EXIT_OK


def _check_journal(config: Config, out: Callable[[str], None]) -> None:
    journal = Journal(config.journal_path)
    try:
        counts = journal.counts()
    finally:
        journal.close()
    rejected = f", {counts['rejected']} refused by the server (see the log)" if counts.get("rejected") else ""
    out(f"Journal: {config.journal_path} — {counts.get('pending', 0)} events waiting to be sent{rejected}")

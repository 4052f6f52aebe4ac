"""The agent's config file (TOML): reading, checking, defaults.

Every mistake is reported as a ConfigError naming the table and key, before anything runs.
Relative paths in the file are taken from the file's own folder, so the config, the journal
and the log can sit together wherever the workstation keeps them.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dialer_agent.drivers import DRIVER_NAMES, Driver, build_driver
from dialer_agent.tables import ConfigError, Table

CONFIG_ENV = "DIALER_AGENT_CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PREFIX_RE = re.compile(r"^[0-9*#]{0,8}$")
# The long-poll is held by the server; past a minute proxies and load balancers cut it.
MAX_POLL_WAIT = 60


def default_config_path() -> Path:
    """``%LOCALAPPDATA%\\dialer_agent\\config.toml`` on Windows, ``~/.config/…`` elsewhere.

    Not the roaming profile on Windows: the journal beside the config must stay on this machine.
    """
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "dialer_agent" / "config.toml"


@dataclass(frozen=True)
class Config:
    path: Path
    server_url: str
    token: str
    driver: Driver
    poll_wait: float = 25
    timeout: float = 10
    verify_tls: bool = True
    ca_file: Path | None = None
    outside_line_prefix: str = ""
    max_call_minutes: float = 240
    journal_path: Path = Path("journal.sqlite3")
    keep_days: float = 30
    log_file: Path | None = None
    log_level: str = "INFO"
    log_max_bytes: int = 1_000_000
    log_backup_count: int = 5
    retry_initial: float = 1
    retry_max: float = 60
    shutdown_flush_seconds: float = 5


def load_config(path: Path) -> Config:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (write one with --init-config, or pass --config)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    try:
        return parse_config(data, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def parse_config(data: dict, path: Path) -> Config:
    root = Table(data)
    here = path.parent
    server = root.table("server", required=True)
    dialer = root.table("dialer", required=True)
    drivers = root.table("drivers")
    journal = root.table("journal")
    logs = root.table("log")
    retry = root.table("retry")

    url = _server_url(server)
    token = server.text("token").strip()
    if not token:
        raise server.error("token", "must not be empty; create one on your profile page in the CRM")
    ca_file = server.text("ca_file", "")

    driver_name = dialer.text("driver")
    driver = build_driver(driver_name, drivers.table(driver_name))
    prefix = dialer.text("outside_line_prefix", "")
    if not PREFIX_RE.match(prefix):
        raise dialer.error("outside_line_prefix", f"must be up to 8 digits, * or #, not {prefix!r}")

    log_file = logs.text("file", "dialer_agent.log")
    retry_initial = retry.number("initial_seconds", 1, minimum=0.001)
    config = Config(
        path=path,
        server_url=url,
        token=token,
        driver=driver,
        poll_wait=server.number("poll_wait", 25, minimum=1, maximum=MAX_POLL_WAIT),
        timeout=server.number("timeout", 10, minimum=0.1),
        verify_tls=server.flag("verify_tls", True),
        ca_file=here / ca_file if ca_file else None,
        outside_line_prefix=prefix,
        max_call_minutes=dialer.number("max_call_minutes", 240, minimum=0.01),
        journal_path=here / journal.text("path", "journal.sqlite3"),
        keep_days=journal.number("keep_days", 30),
        log_file=here / log_file if log_file else None,
        log_level=logs.choice("level", LOG_LEVELS, "INFO"),
        log_max_bytes=int(logs.number("max_bytes", 1_000_000, minimum=10_000)),
        log_backup_count=int(logs.number("backup_count", 5, maximum=100)),
        retry_initial=retry_initial,
        retry_max=retry.number("max_seconds", 60, minimum=retry_initial),
        shutdown_flush_seconds=retry.number("shutdown_flush_seconds", 5),
    )
    for table in (server, dialer, journal, logs, retry, root):
        table.reject_unknown()
    _reject_other_drivers(drivers, driver_name)
    return config


def _server_url(server: Table) -> str:
    url = server.text("url").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise server.error("url", f"must be the CRM's address, like https://crm.example.com; not {url!r}")
    if parts.query or parts.fragment:
        raise server.error("url", "must not have a ?query or #fragment")
    return url


def _reject_other_drivers(drivers: Table, chosen: str) -> None:
    # Options for drivers not in use are allowed (a config can carry several), but each table
    # must be a known driver's: a misspelt [drivers.interfone] would otherwise go unnoticed.
    unknown = sorted(set(drivers.values) - set(DRIVER_NAMES))
    if unknown:
        raise ConfigError(f"[drivers]: unknown driver table {', '.join(map(repr, unknown))}; known: {DRIVER_NAMES}")

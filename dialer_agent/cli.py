"""Command line: ``python -m dialer_agent [--config PATH] [--check | --controls | --init-config]``."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import signal
import sys
from importlib import resources
from pathlib import Path

from dialer_agent import __version__
from dialer_agent.agent import EXIT_CONFIG, EXIT_DRIVER, EXIT_ERROR, EXIT_OK, Agent
from dialer_agent.config import Config, default_config_path, load_config
from dialer_agent.drivers import DriverError
from dialer_agent.tables import ConfigError

LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dialer_agent",
        description="CREA CRM dialer agent: dials the softphone for the CRM and reports every call.",
    )
    parser.add_argument("--config", type=Path, default=None, help=f"config file (default: {default_config_path()})")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="test the server, the token and the driver, then exit")
    mode.add_argument("--controls", action="store_true", help="print the softphone window's controls (interphone)")
    mode.add_argument("--init-config", action="store_true", help="write an example config file to fill in")
    parser.add_argument("--version", action="version", version=f"dialer_agent {__version__}")
    return parser.parse_args(argv)


def setup_logging(config: Config) -> None:
    root = logging.getLogger()
    root.setLevel(config.log_level)
    formatter = logging.Formatter(LOG_FORMAT)
    if config.log_file:
        config.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            config.log_file, maxBytes=config.log_max_bytes, backupCount=config.log_backup_count, encoding="utf-8"
        )
        handler.setFormatter(formatter)
        root.addHandler(handler)
    if sys.stderr is not None:  # pythonw (started at login without a window) has no stderr
        console = logging.StreamHandler()
        console.setFormatter(formatter)
        root.addHandler(console)


def install_signal_handlers(agent: Agent) -> None:
    """Ctrl+C, SIGTERM, and Ctrl+Break / NSSM's service stop on Windows all end the loop cleanly."""

    def handle(signum, _frame):
        logging.getLogger(__name__).info("signal %s received; stopping", signal.Signals(signum).name)
        agent.stop()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handle)


def init_config(path: Path) -> int:
    if path.exists():
        print(f"{path} already exists; not overwritten")
        return EXIT_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(resources.files("dialer_agent").joinpath("example_config.toml").read_text(encoding="utf-8"))
    print(f"wrote {path}: fill in [server] url and token and the driver, then run --check")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path = args.config or default_config_path()
    if args.init_config:
        return init_config(path)
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.check:
        from dialer_agent.check import run_check

        return run_check(config)
    if args.controls:
        return print_controls(config)
    setup_logging(config)
    agent = Agent(config)
    install_signal_handlers(agent)
    try:
        return agent.run()
    except Exception:
        logging.getLogger(__name__).exception("the dialer agent stopped on an unexpected error")
        return EXIT_ERROR


def print_controls(config: Config) -> int:
    show = getattr(config.driver, "print_controls", None)
    if show is None:
        print(f"--controls is for the interphone driver; this config uses {config.driver.name}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        show()
    except DriverError as exc:
        print(f"driver error: {exc}", file=sys.stderr)
        return EXIT_DRIVER
    return EXIT_OK

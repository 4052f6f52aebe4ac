"""Softphone drivers. Each module offers ``from_config(table) -> Driver``."""

from __future__ import annotations

import importlib

from dialer_agent.drivers.base import Call, CallEnd, CallStatus, DialTarget, Driver, DriverError
from dialer_agent.tables import ConfigError, Table

DRIVER_NAMES = ("interphone", "command", "tel", "log")

__all__ = ["DRIVER_NAMES", "Call", "CallEnd", "CallStatus", "DialTarget", "Driver", "DriverError", "build_driver"]


def build_driver(name: str, table: Table) -> Driver:
    """The driver called ``name`` configured from its table; ConfigError for bad options."""
    if name not in DRIVER_NAMES:
        raise ConfigError(f"[dialer] driver: must be one of {', '.join(DRIVER_NAMES)}; not {name!r}")
    module = importlib.import_module(f"dialer_agent.drivers.{name}")
    driver = module.from_config(table)
    table.reject_unknown()
    return driver

"""Typed reading of one table of the config file, with messages that name the key."""

from __future__ import annotations

import re
from typing import Any

_KIND_NAMES = {str: "text", int: "a number", float: "a number", bool: "true or false", dict: "a table", list: "a list"}


class ConfigError(Exception):
    """The config file is missing, unreadable or has a bad value; the message says which."""


class Table:
    """One table of the config file (``[server]``, ``[drivers.command]``…).

    Every key read is remembered, so ``reject_unknown`` can name a misspelt key instead of
    letting the program run silently on a default.
    """

    def __init__(self, values: dict[str, Any], section: str = ""):
        self.values = values
        self.section = section  # "" for the file's top level
        self._read: set[str] = set()

    @property
    def where(self) -> str:
        return f"[{self.section}]" if self.section else "[top level]"

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where} {key}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        """The value of ``key``; without a default the key is required."""
        self._read.add(key)
        if key not in self.values:
            if default is ...:
                raise self.error(key, "is required")
            return default
        value = self.values[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML's true/false are ints to Python; a flag where a number is expected is a slip.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(dict.fromkeys(_KIND_NAMES.get(k, k.__name__) for k in kinds))
            raise self.error(key, f"must be {names}, not {value!r}")
        return value

    def text(self, key: str, default: str | Any = ...) -> str:
        return self.get(key, str, default)

    def flag(self, key: str, default: bool) -> bool:
        return self.get(key, bool, default)

    def number(
        self, key: str, default: float | Any = ..., *, minimum: float = 0, maximum: float | None = None
    ) -> float:
        value = self.get(key, (int, float), default)
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
            raise self.error(key, f"must be {bounds}, not {value!r}")
        return float(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str | Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}; not {value!r}")
        return value

    def pattern(self, key: str, default: str = "") -> re.Pattern[str] | None:
        """A regular expression; an empty one means "not configured"."""
        text = self.get(key, str, default)
        if not text:
            return None
        try:
            return re.compile(text)
        except re.error as exc:
            raise self.error(key, f"is not a valid regular expression ({exc})") from exc

    def table(self, key: str, *, required: bool = False) -> Table:
        values = self.get(key, dict, ... if required else {})
        return Table(values, f"{self.section}.{key}" if self.section else key)

    def reject_unknown(self) -> None:
        unknown = sorted(set(self.values) - self._read)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key {', '.join(map(repr, unknown))} (misspelt?)")

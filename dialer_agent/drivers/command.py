"""``command``: runs a softphone's command line, e.g. MicroSIP's ``microsip.exe {number}``.

Templates are a list of arguments, or one string split like a shell would (quotes group words,
backslashes stay as they are so Windows paths need no doubling). ``{number}`` (the dial string)
and ``{phone}`` (E.164) are filled in per argument and no shell is involved, so a number can
never become a second command.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import string
import subprocess
import tempfile
from dataclasses import dataclass, field

from dialer_agent.drivers.base import CallEnd, CallStatus, DialTarget, DriverError
from dialer_agent.tables import Table

log = logging.getLogger(__name__)

PLACEHOLDERS = ("number", "phone")
# A console program started from pythonw would otherwise flash a console window.
_CREATION_FLAGS = getattr(subprocess, "CREATE_NO_WINDOW", 0)


def parse_template(table: Table, key: str, *, required: bool) -> list[str] | None:
    value = table.get(key, (str, list), ... if required else None)
    if value is None or value == "" or value == []:
        if required:
            raise table.error(key, "must not be empty")
        return None
    if isinstance(value, str):
        lexer = shlex.shlex(value, posix=True)
        lexer.whitespace_split = True
        lexer.escape = ""
        lexer.commenters = ""
        try:
            argv = list(lexer)
        except ValueError as exc:  # an unclosed quote
            raise table.error(key, f"cannot be split into arguments ({exc})") from exc
    else:
        if not all(isinstance(arg, str) for arg in value):
            raise table.error(key, "must be a list of text arguments")
        argv = list(value)
    for arg in argv:
        check_placeholders(table, key, arg)
    return argv


def check_placeholders(table: Table, key: str, text: str) -> None:
    """Refuse a template whose braces are anything but ``{number}``/``{phone}``."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise table.error(key, f"has a stray brace in {text!r} ({exc}); write {{{{ for a literal one") from exc
    unknown = fields - set(PLACEHOLDERS)
    if unknown:
        raise table.error(key, f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{number}} or {{phone}}")


def render(argv: list[str], target: DialTarget) -> list[str]:
    return [arg.format(number=target.number, phone=target.phone) for arg in argv]


def _stderr_text(stream) -> str:
    stream.seek(0)
    return stream.read().decode(errors="replace").strip()[-500:]


@dataclass
class CommandCall:
    process: subprocess.Popen
    end_on_exit: bool
    hangup_argv: list[str] | None
    target: DialTarget
    timeout: float
    hung_up: bool = field(default=False)

    def poll(self) -> CallEnd | None:
        code = self.process.poll()  # also reaps a launcher that already exited
        if self.hung_up:
            return CallEnd(CallStatus.COMPLETED, "hung up")
        if not self.end_on_exit or code is None:
            return None
        if code == 0:
            return CallEnd(CallStatus.COMPLETED)
        return CallEnd(CallStatus.FAILED, f"the dial command exited with code {code}")

    def hangup(self) -> CallEnd:
        if self.hangup_argv:
            argv = render(self.hangup_argv, self.target)
            log.info("command driver: hang up with %s", argv)
            try:
                done = subprocess.run(  # noqa: S603 - no shell; arguments come from the config file
                    argv,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=self.timeout,
                    creationflags=_CREATION_FLAGS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise DriverError(f"the hang-up command failed: {exc}") from exc
            if done.returncode != 0:
                detail = done.stderr.decode(errors="replace").strip()[-500:]
                raise DriverError(f"the hang-up command exited with code {done.returncode}: {detail}")
        elif self.end_on_exit and self.process.poll() is None:
            self.process.terminate()
        else:
            raise DriverError("no hang-up command is configured; hang up in the softphone")
        self.hung_up = True
        return CallEnd(CallStatus.COMPLETED, "hung up")


@dataclass
class CommandDriver:
    dial_argv: list[str]
    hangup_argv: list[str] | None = None
    end_on_exit: bool = False
    start_check_seconds: float = 1.0
    timeout: float = 10.0
    name: str = "command"

    def check(self) -> str:
        program = self.dial_argv[0]
        found = shutil.which(program) or (os.path.isfile(program) and program)
        if not found:
            raise DriverError(f"command driver: program {program!r} not found")
        hangup = " ".join(self.hangup_argv) if self.hangup_argv else "none (hang up in the softphone)"
        return f"command driver: dials with {found}; hang-up command: {hangup}"

    def dial(self, target: DialTarget) -> CommandCall:
        argv = render(self.dial_argv, target)
        log.info("command driver: dial with %s", argv)
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - it lives as long as the check below
        try:
            try:
                process = subprocess.Popen(  # noqa: S603 - no shell; arguments come from the config file
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    creationflags=_CREATION_FLAGS,
                )
            except OSError as exc:
                raise DriverError(f"the dial command could not start: {exc}") from exc
            # A launcher (MicroSIP hands the number to its running window) exits at once; a
            # failure shows as a quick non-zero exit. A program that keeps running is fine.
            try:
                code = process.wait(timeout=self.start_check_seconds)
            except subprocess.TimeoutExpired:
                code = None
            if code and not self.end_on_exit:
                raise DriverError(f"the dial command exited with code {code}: {_stderr_text(stderr)}")
        finally:
            stderr.close()
        return CommandCall(process, self.end_on_exit, self.hangup_argv, target, self.timeout)


def from_config(table: Table) -> CommandDriver:
    return CommandDriver(
        dial_argv=parse_template(table, "dial", required=True),
        hangup_argv=parse_template(table, "hangup", required=False),
        end_on_exit=table.flag("end_on_exit", False),
        start_check_seconds=table.number("start_check_seconds", 1.0),
        timeout=table.number("timeout", 10.0, minimum=0.1),
    )

"""``interphone``: drives the InterPhone softphone's window with pywinauto (Windows only).

Nothing about InterPhone's window is written here: the title pattern and the controls (number
field, dial and hang-up buttons, optional call-state label) come from the config file as
pywinauto search criteria, so a new InterPhone version, or another softphone, needs only a
config change. ``python -m dialer_agent --controls`` prints the window's controls to pick from.

pywinauto is imported only when the driver is used, so the rest of the agent and the tests run
where it is not installed; tests pass ``app_factory`` to put a fake window layer underneath.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dialer_agent.drivers.base import CallEnd, CallStatus, DialTarget, DriverError
from dialer_agent.tables import Table

log = logging.getLogger(__name__)

BACKENDS = ("uia", "win32")
INPUT_METHODS = ("set_edit_text", "type_keys")
CLICK_METHODS = ("click", "click_input", "invoke")
# Reading the state label failing this many times in a row means the window is gone.
STATE_READ_FAILURES = 3


def pywinauto_application(backend: str) -> Any:
    try:
        from pywinauto import Application
    except ImportError as exc:
        raise DriverError(
            "pywinauto is not installed; the interphone driver works only on Windows (pip install pywinauto)"
        ) from exc
    return Application(backend=backend)


@dataclass(frozen=True)
class StateRules:
    """How to read the call's state from a label of the window; all patterns optional."""

    control: dict[str, Any]
    connected: re.Pattern[str] | None = None
    busy: re.Pattern[str] | None = None
    idle: re.Pattern[str] | None = None
    # Right after dialling the label may still read "idle"; only believe it after this.
    idle_grace_seconds: float = 3.0
    poll_seconds: float = 1.0


@dataclass
class InterPhoneCall:
    driver: InterPhoneDriver
    window: Any
    target: DialTarget
    dialled_at: float
    connected: bool = False
    active_seen: bool = False
    failures: int = 0
    next_read: float = 0.0
    hung_up: bool = field(default=False)

    def _answered_status(self) -> CallStatus:
        rules = self.driver.state
        if rules is None or rules.connected is None or self.connected:
            return CallStatus.COMPLETED
        return CallStatus.NO_ANSWER

    def poll(self) -> CallEnd | None:
        if self.hung_up:
            return CallEnd(self._answered_status(), "hung up")
        rules = self.driver.state
        now = self.driver.clock()
        if rules is None or now < self.next_read:
            return None
        self.next_read = now + rules.poll_seconds
        try:
            text = self.window.child_window(**rules.control).window_text()
        except Exception as exc:  # pywinauto and COM raise many kinds; all mean "cannot read"
            self.failures += 1
            log.debug("interphone: cannot read the call state (%s)", exc)
            if self.failures >= STATE_READ_FAILURES:
                return CallEnd(CallStatus.DROPPED, f"the InterPhone window could not be read any more: {exc}")
            return None
        self.failures = 0
        if rules.busy and rules.busy.search(text):
            return CallEnd(CallStatus.BUSY, text)
        if rules.connected and rules.connected.search(text):
            self.connected = True
        if rules.idle and rules.idle.search(text):
            if self.active_seen or now - self.dialled_at >= rules.idle_grace_seconds:
                return CallEnd(self._answered_status())
        else:
            self.active_seen = True
        return None

    def hangup(self) -> CallEnd:
        if not self.driver.hangup_button:
            raise DriverError("no hangup_button is configured; hang up in InterPhone")
        self.driver.press(self.window, self.driver.hangup_button, "hangup_button")
        self.hung_up = True
        return CallEnd(self._answered_status(), "hung up")


@dataclass
class InterPhoneDriver:
    number_field: dict[str, Any]
    dial_button: dict[str, Any]
    hangup_button: dict[str, Any] | None = None
    window_title: str = ".*InterPhone.*"
    backend: str = "uia"
    input_method: str = "set_edit_text"
    click_method: str = "click"
    connect_timeout: float = 5.0
    state: StateRules | None = None
    app_factory: Callable[[str], Any] = pywinauto_application
    clock: Callable[[], float] = time.monotonic
    name: str = "interphone"

    def window(self) -> Any:
        """The softphone's window, found afresh each time (InterPhone may have restarted)."""
        app = self.app_factory(self.backend)
        try:
            app.connect(title_re=self.window_title, timeout=self.connect_timeout)
            return app.window(title_re=self.window_title)
        except Exception as exc:  # ElementNotFoundError, TimeoutError, COM errors…
            raise DriverError(
                f"no window whose title matches {self.window_title!r}; is InterPhone open? ({exc})"
            ) from exc

    def control(self, window: Any, spec: dict[str, Any], key: str) -> Any:
        control = window.child_window(**spec)
        if not control.exists():
            raise DriverError(f"the InterPhone window has no control {key} = {spec}; see --controls")
        return control

    def press(self, window: Any, spec: dict[str, Any], key: str) -> None:
        control = self.control(window, spec, key)
        try:
            getattr(control, self.click_method)()
        except Exception as exc:  # whatever the GUI layer raises
            raise DriverError(f"could not press {key}: {exc}") from exc

    def check(self) -> str:
        window = self.window()
        for key, spec in self._controls():
            self.control(window, spec, key)
        return f"interphone driver: window {self.window_title!r} found with its number field and buttons"

    def print_controls(self) -> None:
        """Print the window's controls as pywinauto lists them, to write the config from."""
        self.window().print_control_identifiers()

    def dial(self, target: DialTarget) -> InterPhoneCall:
        window = self.window()
        field_ = self.control(window, self.number_field, "number_field")
        try:
            if self.input_method == "type_keys":
                # The number is digits, *, # or + only (checked upstream), none of them special keys.
                field_.type_keys("^a{BACKSPACE}" + target.number)
            else:
                field_.set_edit_text(target.number)
        except Exception as exc:  # whatever the GUI layer raises
            raise DriverError(f"could not type the number into number_field: {exc}") from exc
        self.press(window, self.dial_button, "dial_button")
        log.info("interphone: dialled %s", target.number)
        return InterPhoneCall(self, window, target, dialled_at=self.clock())

    def _controls(self) -> list[tuple[str, dict[str, Any]]]:
        controls = [("number_field", self.number_field), ("dial_button", self.dial_button)]
        if self.hangup_button:
            controls.append(("hangup_button", self.hangup_button))
        return controls


def _control_spec(table: Table, key: str, *, required: bool) -> dict[str, Any] | None:
    spec = table.table(key, required=required)
    if not spec.values:
        if required:
            raise table.error(key, 'must name the control, e.g. { auto_id = "txtNumber" }')
        return None
    for name, value in spec.values.items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise spec.error(name, f"must be text or a number, not {value!r}")
    return dict(spec.values)


def from_config(table: Table) -> InterPhoneDriver:
    state = None
    state_control = _control_spec(table, "state_control", required=False)
    if state_control:
        state = StateRules(
            control=state_control,
            connected=table.pattern("connected_pattern"),
            busy=table.pattern("busy_pattern"),
            idle=table.pattern("idle_pattern"),
            idle_grace_seconds=table.number("idle_grace_seconds", 3.0),
            poll_seconds=table.number("state_poll_seconds", 1.0, minimum=0.05),
        )
    else:
        for key in ("connected_pattern", "busy_pattern", "idle_pattern", "idle_grace_seconds", "state_poll_seconds"):
            if key in table.values:
                raise table.error(key, "needs state_control (the label that shows the call's state)")
    window_title = table.pattern("window_title", ".*InterPhone.*")
    if window_title is None:
        raise table.error("window_title", "must not be empty")
    return InterPhoneDriver(
        number_field=_control_spec(table, "number_field", required=True),
        dial_button=_control_spec(table, "dial_button", required=True),
        hangup_button=_control_spec(table, "hangup_button", required=False),
        window_title=window_title.pattern,
        backend=table.choice("backend", BACKENDS, "uia"),
        input_method=table.choice("input_method", INPUT_METHODS, "set_edit_text"),
        click_method=table.choice("click_method", CLICK_METHODS, "click"),
        connect_timeout=table.number("connect_timeout", 5.0),
        state=state,
    )

"""The InterPhone driver against a fake window layer standing in for pywinauto.

The fake offers only what pywinauto's Application and WindowSpecification offer and the
driver uses: connect(title_re, timeout), window(title_re), child_window(**criteria),
exists(), set_edit_text(), type_keys(), click()/click_input()/invoke(), window_text().
"""

from __future__ import annotations

import re
import sys

import pytest

from dialer_agent.drivers import CallStatus, DialTarget, DriverError, build_driver
from dialer_agent.drivers.interphone import InterPhoneDriver, pywinauto_application
from dialer_agent.tables import ConfigError, Table

TARGET = DialTarget(number="988881234", phone="+50688881234")
NUMBER = {"auto_id": "txtNumero", "control_type": "Edit"}
DIAL = {"title": "Llamar", "control_type": "Button"}
HANGUP = {"title": "Colgar", "control_type": "Button"}
STATE = {"auto_id": "lblEstado"}


class FakeControl:
    def __init__(self, window: FakeWindow, properties: dict):
        self.window = window
        self.properties = properties
        self.text = ""

    def matches(self, criteria: dict) -> bool:
        return all(self.properties.get(key) == value for key, value in criteria.items())

    def set_edit_text(self, text):
        self.window.actions.append(("set_edit_text", self.properties.get("auto_id"), text))
        self.text = text

    def type_keys(self, keys):
        self.window.actions.append(("type_keys", self.properties.get("auto_id"), keys))

    def _press(self, how):
        self.window.actions.append((how, self.properties.get("title")))
        self.window.on_press(self.properties.get("title"))

    def click(self):
        self._press("click")

    def click_input(self):
        self._press("click_input")

    def invoke(self):
        self._press("invoke")

    def window_text(self):
        if self.window.broken:
            raise RuntimeError("COM error: the element is not available")
        return self.text


class MissingControl:
    def exists(self):
        return False


class FoundControl:
    """What child_window returns: a spec that resolves to the control when used."""

    def __init__(self, control):
        self.control = control

    def exists(self):
        return True

    def __getattr__(self, name):
        return getattr(self.control, name)


class FakeWindow:
    def __init__(self, title: str, controls: list[dict]):
        self.title = title
        self.actions: list[tuple] = []
        self.controls = [FakeControl(self, properties) for properties in controls]
        self.broken = False
        self.on_press = lambda title: None

    def child_window(self, **criteria):
        found = [control for control in self.controls if control.matches(criteria)]
        return FoundControl(found[0]) if found else MissingControl()

    def control(self, **criteria) -> FakeControl:
        return self.child_window(**criteria).control

    def print_control_identifiers(self):
        for control in self.controls:
            print(control.properties)


class FakeDesktop:
    """The windows open on the fake desktop, and the Application class the driver gets."""

    def __init__(self, *windows: FakeWindow):
        self.windows = list(windows)
        self.backends: list[str] = []

    def application(self, backend: str):
        self.backends.append(backend)
        desktop = self

        class Application:
            def connect(self, title_re, timeout):
                if not desktop.find(title_re):
                    raise RuntimeError(f"ElementNotFoundError: {{'title_re': {title_re!r}}}")

            def window(self, title_re):
                return desktop.find(title_re)

        return Application()

    def find(self, title_re: str) -> FakeWindow | None:
        return next((w for w in self.windows if re.match(title_re, w.title)), None)


def interphone_window(*, with_state: bool = True) -> FakeWindow:
    controls = [dict(NUMBER), {**DIAL, "auto_id": "btnLlamar"}, {**HANGUP, "auto_id": "btnColgar"}]
    if with_state:
        controls.append(dict(STATE))
    return FakeWindow("InterPhone 4.2 - Ext 201", controls)


def make_driver(desktop: FakeDesktop, **options) -> InterPhoneDriver:
    table = {"number_field": NUMBER, "dial_button": DIAL, "hangup_button": HANGUP, **options}
    driver = build_driver("interphone", Table(table, "drivers.interphone"))
    driver.app_factory = desktop.application
    return driver


def test_dialling_writes_the_number_and_presses_dial():
    window = interphone_window()
    driver = make_driver(FakeDesktop(FakeWindow("Bloc de notas", []), window))
    call = driver.dial(TARGET)
    assert window.actions == [("set_edit_text", "txtNumero", "988881234"), ("click", "Llamar")]
    assert call.poll() is None  # no state label configured: the end comes from the CRM


def test_hanging_up_presses_the_hang_up_button():
    window = interphone_window()
    call = make_driver(FakeDesktop(window)).dial(TARGET)
    end = call.hangup()
    assert window.actions[-1] == ("click", "Colgar")
    assert end.status == CallStatus.COMPLETED
    assert call.poll().status == CallStatus.COMPLETED


def test_type_keys_and_another_click_method_and_backend_come_from_the_config():
    window = interphone_window()
    desktop = FakeDesktop(window)
    driver = make_driver(desktop, input_method="type_keys", click_method="invoke", backend="win32")
    driver.dial(TARGET)
    assert window.actions == [("type_keys", "txtNumero", "^a{BACKSPACE}988881234"), ("invoke", "Llamar")]
    assert desktop.backends == ["win32"]


def test_a_new_softphone_version_needs_only_new_identifiers():
    window = FakeWindow("IPhone NG", [{"auto_id": "dialpad.number"}, {"auto_id": "dialpad.call", "title": "Call"}])
    driver = make_driver(
        FakeDesktop(window),
        window_title="^IPhone NG$",
        number_field={"auto_id": "dialpad.number"},
        dial_button={"auto_id": "dialpad.call"},
        hangup_button={},
    )
    driver.dial(TARGET)
    assert window.actions == [("set_edit_text", "dialpad.number", "988881234"), ("click", "Call")]


def test_no_window_is_a_driver_error_naming_the_title_pattern():
    driver = make_driver(FakeDesktop(FakeWindow("Bloc de notas", [])))
    with pytest.raises(DriverError, match=r"no window whose title matches '\.\*InterPhone\.\*'; is InterPhone open"):
        driver.dial(TARGET)


def test_a_missing_control_is_a_driver_error_naming_the_key():
    window = FakeWindow("InterPhone", [dict(NUMBER)])
    with pytest.raises(DriverError, match="no control dial_button"):
        make_driver(FakeDesktop(window)).dial(TARGET)


def test_a_control_that_fails_when_pressed_is_a_driver_error():
    window = interphone_window()

    def refuse(title):
        raise RuntimeError("the button is disabled")

    window.on_press = refuse
    with pytest.raises(DriverError, match="could not press dial_button: the button is disabled"):
        make_driver(FakeDesktop(window)).dial(TARGET)


def test_without_a_hang_up_button_hanging_up_is_a_driver_error():
    call = make_driver(FakeDesktop(interphone_window()), hangup_button={}).dial(TARGET)
    with pytest.raises(DriverError, match="no hangup_button"):
        call.hangup()


def test_check_finds_the_window_and_its_controls_or_says_what_is_missing():
    assert "found" in make_driver(FakeDesktop(interphone_window())).check()
    window = FakeWindow("InterPhone", [dict(NUMBER), dict(DIAL)])
    with pytest.raises(DriverError, match="hangup_button"):
        make_driver(FakeDesktop(window)).check()


def test_the_controls_are_listed_for_writing_the_config(capsys):
    make_driver(FakeDesktop(interphone_window())).print_controls()
    assert "txtNumero" in capsys.readouterr().out


# Reading the call's state from a label.

STATE_OPTIONS = {
    "state_control": STATE,
    "connected_pattern": "(?i)en llamada",
    "busy_pattern": "(?i)ocupado",
    "idle_pattern": "(?i)^listo",
    "idle_grace_seconds": 3,
    "state_poll_seconds": 0.5,
}


class StateScript:
    """A window whose state label reads as a test sets it, and a clock the test moves."""

    def __init__(self, **options):
        self.window = interphone_window()
        self.label = self.window.control(**STATE)
        self.label.text = "Listo"
        self.now = 0.0
        self.driver = make_driver(FakeDesktop(self.window), **{**STATE_OPTIONS, **options})
        self.driver.clock = lambda: self.now
        self.call = self.driver.dial(TARGET)

    def read(self, text: str | None = None, after: float = 1.0):
        if text is not None:
            self.label.text = text
        self.now += after
        return self.call.poll()


def test_an_answered_call_ends_completed_when_the_label_is_idle_again():
    script = StateScript()
    assert script.read("Marcando…") is None
    assert script.read("En llamada 00:01") is None
    end = script.read("Listo")
    assert end.status == CallStatus.COMPLETED


def test_a_call_never_answered_ends_no_answer():
    script = StateScript()
    assert script.read("Marcando…") is None
    assert script.read("Listo").status == CallStatus.NO_ANSWER


def test_a_busy_label_ends_busy():
    script = StateScript()
    end = script.read("Ocupado")
    assert (end.status, end.notes) == (CallStatus.BUSY, "Ocupado")


def test_an_idle_label_right_after_dialling_is_not_believed_until_the_grace_time():
    script = StateScript()
    assert script.read(after=1) is None  # still "Listo": InterPhone has not caught up yet
    assert script.read(after=1) is None
    assert script.read(after=1).status == CallStatus.NO_ANSWER


def test_the_label_is_read_no_more_often_than_configured():
    script = StateScript()
    script.read("Ocupado", after=0.1)
    assert script.read(after=0.1) is None  # 0.2 s after the last read
    assert script.read(after=0.5).status == CallStatus.BUSY


def test_a_window_that_cannot_be_read_any_more_ends_the_call_dropped():
    script = StateScript()
    script.window.broken = True
    assert script.read() is None
    assert script.read() is None
    end = script.read()
    assert end.status == CallStatus.DROPPED
    assert "could not be read" in end.notes


def test_hanging_up_an_unanswered_call_reports_no_answer():
    script = StateScript()
    script.read("Marcando…")
    assert script.call.hangup().status == CallStatus.NO_ANSWER


# Config and the missing pywinauto.


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"number_field": {}}, "number_field: must name the control"),
        ({"dial_button": "Llamar"}, "dial_button: must be a table"),
        ({"dial_button": {"title": ["a"]}}, r"\[drivers.interphone.dial_button\] title: must be text or a number"),
        ({"window_title": "(InterPhone"}, "window_title: is not a valid regular expression"),
        ({"window_title": ""}, "window_title: must not be empty"),
        ({"backend": "java"}, "backend: must be one of uia, win32"),
        ({"click_method": "double_click"}, "click_method: must be one of click, click_input, invoke"),
        ({"busy_pattern": "Ocupado"}, "busy_pattern: needs state_control"),
        ({"state_control": STATE, "idle_pattern": "[Listo"}, "idle_pattern: is not a valid regular expression"),
    ],
)
def test_bad_interphone_options_are_named(options, message):
    with pytest.raises(ConfigError, match=message):
        make_driver(FakeDesktop(), **options)


def test_without_pywinauto_the_driver_says_it_needs_windows(monkeypatch):
    monkeypatch.setitem(sys.modules, "pywinauto", None)  # makes the import fail, as on Linux
    with pytest.raises(DriverError, match="pywinauto is not installed; the interphone driver works only on Windows"):
        pywinauto_application("uia")
    driver = make_driver(FakeDesktop())
    driver.app_factory = pywinauto_application
    with pytest.raises(DriverError, match="pywinauto is not installed"):
        driver.check()

"""The log, command and tel drivers; the command driver runs real (harmless) processes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dialer_agent.drivers import CallStatus, DialTarget, DriverError, build_driver
from dialer_agent.drivers import tel as tel_module
from dialer_agent.drivers.command import CommandDriver
from dialer_agent.drivers.log import LogDriver
from dialer_agent.drivers.tel import TelDriver
from dialer_agent.tables import ConfigError, Table
from dialer_agent.tests.helpers import wait_for

TARGET = DialTarget(number="988881234", phone="+50688881234")


def driver_from(name: str, **options):
    return build_driver(name, Table(options, f"drivers.{name}"))


# log


def test_the_log_driver_call_ends_after_its_seconds_with_its_status():
    now = [100.0]
    driver = LogDriver(call_seconds=30, status=CallStatus.NO_ANSWER, clock=lambda: now[0])
    call = driver.dial(TARGET)
    assert call.poll() is None
    now[0] += 30
    assert call.poll().status == CallStatus.NO_ANSWER


def test_the_log_driver_call_ends_on_hang_up():
    call = LogDriver(call_seconds=30).dial(TARGET)
    assert call.hangup().status == CallStatus.COMPLETED
    assert call.poll().status == CallStatus.COMPLETED


def test_the_log_driver_reads_its_options():
    driver = driver_from("log", call_seconds=2, status="BUSY")
    assert (driver.call_seconds, driver.status) == (2, CallStatus.BUSY)
    assert "dials nothing" in driver.check()


# command


def python_command(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


RECORD_ARGS = "import json, sys; open(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))"


def test_the_command_driver_fills_in_the_number_without_a_shell(tmp_path):
    out = tmp_path / "argv.json"
    driver = CommandDriver(dial_argv=python_command(RECORD_ARGS, str(out), "--call", "{number}", "tel:{phone};x"))
    call = driver.dial(DialTarget(number="988881234", phone="+506 8888; rm -rf /"))
    wait_for(out.exists)
    assert json.loads(out.read_text()) == ["--call", "988881234", "tel:+506 8888; rm -rf /;x"]
    assert call.poll() is None  # a launcher's exit says nothing about the call


def test_a_dial_command_that_fails_at_once_is_a_driver_error():
    driver = CommandDriver(dial_argv=python_command("import sys; sys.stderr.write('no account'); sys.exit(3)"))
    with pytest.raises(DriverError, match="exited with code 3: no account"):
        driver.dial(TARGET)


def test_a_dial_command_that_cannot_start_is_a_driver_error(tmp_path):
    with pytest.raises(DriverError, match="could not start"):
        CommandDriver(dial_argv=[str(tmp_path / "missing.exe")]).dial(TARGET)


def test_a_dial_command_still_running_after_the_check_is_a_call_in_progress():
    driver = CommandDriver(dial_argv=python_command("import time; time.sleep(5)"), start_check_seconds=0.05)
    call = driver.dial(TARGET)
    assert call.poll() is None
    call.process.kill()
    call.process.wait()


@pytest.mark.parametrize(("code", "status"), [(0, CallStatus.COMPLETED), (1, CallStatus.FAILED)])
def test_with_end_on_exit_the_call_ends_when_the_command_does(code, status):
    driver = CommandDriver(
        dial_argv=python_command(f"import time, sys; time.sleep(0.5); sys.exit({code})"),
        end_on_exit=True,
        start_check_seconds=0.01,
    )
    call = driver.dial(TARGET)
    assert call.poll() is None
    end = wait_for(call.poll, what="the command's exit")
    assert end.status == status


def test_the_hang_up_command_is_run_with_the_number(tmp_path):
    out = tmp_path / "argv.json"
    driver = CommandDriver(
        dial_argv=python_command("pass"), hangup_argv=python_command(RECORD_ARGS, str(out), "/hangup", "{number}")
    )
    call = driver.dial(TARGET)
    assert call.hangup().status == CallStatus.COMPLETED
    assert json.loads(out.read_text()) == ["/hangup", "988881234"]
    assert call.poll().notes == "hung up"


def test_a_failing_hang_up_command_is_a_driver_error():
    driver = CommandDriver(dial_argv=python_command("pass"), hangup_argv=python_command("import sys; sys.exit(2)"))
    with pytest.raises(DriverError, match="hang-up command exited with code 2"):
        driver.dial(TARGET).hangup()


def test_without_a_hang_up_command_a_command_that_lasts_the_call_is_stopped():
    driver = CommandDriver(
        dial_argv=python_command("import time; time.sleep(30)"), end_on_exit=True, start_check_seconds=0.01
    )
    call = driver.dial(TARGET)
    assert call.hangup().status == CallStatus.COMPLETED
    assert call.process.wait(timeout=5) != 0


def test_without_any_way_to_hang_up_the_driver_says_so():
    call = CommandDriver(dial_argv=python_command("pass")).dial(TARGET)
    with pytest.raises(DriverError, match="no hang-up command"):
        call.hangup()


def test_the_command_check_finds_the_program_or_not(tmp_path):
    assert sys.executable in CommandDriver(dial_argv=[sys.executable, "{number}"]).check()
    with pytest.raises(DriverError, match="not found"):
        CommandDriver(dial_argv=[str(tmp_path / "microsip.exe"), "{number}"]).check()


def test_a_command_template_string_splits_like_a_shell_but_keeps_backslashes():
    driver = driver_from("command", dial=r'"C:\Program Files\MicroSIP\microsip.exe" {number} --name "a b"')
    assert driver.dial_argv == [r"C:\Program Files\MicroSIP\microsip.exe", "{number}", "--name", "a b"]
    assert driver_from("command", dial=["softphone", "{phone}"]).dial_argv == ["softphone", "{phone}"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, r"\[drivers.command\] dial: is required"),
        ({"dial": ""}, "dial: must not be empty"),
        ({"dial": '"unclosed {number}'}, "dial: cannot be split"),
        ({"dial": "softphone {numero}"}, r"dial: unknown placeholder \{numero\}"),
        ({"dial": "softphone {number"}, "dial: has a stray brace"),
        ({"dial": ["softphone", 5]}, "dial: must be a list of text"),
        ({"dial": "x {number}", "hangup": "x {id}"}, r"hangup: unknown placeholder \{id\}"),
        ({"dial": "x {number}", "end_on_exit": "yes"}, "end_on_exit: must be true or false"),
        ({"dial": "x {number}", "hang_up": "x"}, r"\[drivers.command\]: unknown key 'hang_up'"),
    ],
)
def test_bad_command_options_are_named(options, message):
    with pytest.raises(ConfigError, match=message):
        driver_from("command", **options)


# tel


def test_the_tel_driver_hands_the_uri_to_the_opener():
    opened = []
    call = TelDriver(opener=opened.append).dial(TARGET)
    assert opened == ["tel:988881234"]
    assert call.poll() is None  # the OS tells nothing more
    assert call.hangup().status == CallStatus.COMPLETED
    assert call.poll() is not None


def test_the_tel_uri_can_carry_the_e164_number():
    opened = []
    driver = driver_from("tel", uri="tel:{phone}")
    driver.opener = opened.append
    driver.dial(TARGET)
    assert opened == ["tel:+50688881234"]


def test_an_opener_failure_is_a_driver_error():
    def refuse(uri):
        raise OSError("no application is associated with tel:")

    with pytest.raises(DriverError, match="could not open tel:988881234: no application"):
        TelDriver(opener=refuse).dial(TARGET)


def test_a_bad_tel_template_is_named():
    with pytest.raises(ConfigError, match=r"\[drivers.tel\] uri: unknown placeholder"):
        driver_from("tel", uri="tel:{numero}")


def test_the_os_opener_uses_xdg_open_off_windows(monkeypatch):
    runs = []
    monkeypatch.setattr(tel_module.sys, "platform", "linux")
    monkeypatch.setattr(subprocess, "run", lambda argv, **kwargs: runs.append(argv))
    tel_module.os_opener("tel:988881234")
    assert runs == [["xdg-open", "tel:988881234"]]

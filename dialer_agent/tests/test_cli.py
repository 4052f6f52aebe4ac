"""The command line: --check, --init-config, the rotating log, and the real process —
stopped by SIGTERM mid-call, and killed mid-call then started again."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dialer_agent.agent import CRASH_NOTE, EXIT_CONFIG, EXIT_DRIVER, EXIT_OK, EXIT_TOKEN, EXIT_UNREACHABLE, STOP_NOTE
from dialer_agent.check import run_check
from dialer_agent.cli import main, setup_logging
from dialer_agent.config import load_config
from dialer_agent.tests.helpers import wait_for

REPO = Path(__file__).parents[2]
DIAL = {"id": 41, "phone": "+50688881234", "dial_string": "88881234"}


def check_output(config) -> tuple[int, str]:
    lines: list[str] = []
    code = run_check(config, out=lines.append)
    return code, "\n".join(lines)


def test_check_reports_server_token_driver_and_journal(crm, config):
    code, output = check_output(config)
    assert code == EXIT_OK
    assert f"Server:  {crm.url} reachable (HTTP 200 in " in output
    assert "Token:   accepted (user: agente, workstation: PC-07)" in output
    assert "Driver:  log ok" in output
    assert "Journal: " in output and "0 events waiting to be sent" in output
    assert output.endswith("Result:  all good")


def test_check_says_when_the_token_is_refused(crm, write_config):
    code, output = check_output(load_config(write_config(crm.url, token="revoked")))
    assert code == EXIT_TOKEN
    assert "Token:   REFUSED — HTTP 401" in output


def test_check_says_when_the_server_cannot_be_reached(crm, config):
    crm.stop()
    code, output = check_output(config)
    assert code == EXIT_UNREACHABLE
    assert "NOT reachable" in output
    assert "Driver:  log ok" in output  # the other findings are still reported


def test_check_says_when_the_server_is_rate_limiting(crm, config):
    crm.rate_limit_next = 1
    code, output = check_output(config)
    assert code == EXIT_UNREACHABLE
    assert "Token:   not checked — the server is rate limiting this token" in output


def test_check_says_when_the_driver_cannot_be_used(crm, write_config, tmp_path):
    path = write_config(
        crm.url, driver="command", drivers__command=f'dial = ["{tmp_path / "microsip.exe"}", "{{number}}"]'
    )
    code, output = check_output(load_config(path))
    assert code == EXIT_DRIVER
    assert "Driver:  command NOT usable — command driver: program" in output


def test_a_config_error_is_printed_with_its_exit_code(write_config, capsys):
    path = write_config(server='url = "https://x"')
    assert main(["--config", str(path), "--check"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.startswith("config error: ")
    assert "[server] token: is required" in err


def test_init_config_writes_the_example_once(tmp_path, capsys):
    path = tmp_path / "agent" / "config.toml"
    assert main(["--config", str(path), "--init-config"]) == EXIT_OK
    assert "[server]" in path.read_text(encoding="utf-8")
    assert main(["--config", str(path), "--init-config"]) == EXIT_CONFIG
    assert "already exists" in capsys.readouterr().out


def test_controls_is_for_the_interphone_driver(config, capsys):
    assert main(["--config", str(config.path), "--controls"]) == EXIT_CONFIG
    assert "--controls is for the interphone driver" in capsys.readouterr().err


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(level)


def test_the_log_file_rotates(write_config, restore_logging, tmp_path):
    config = load_config(write_config(log='file = "logs/agent.log"\nmax_bytes = 10000\nbackup_count = 2'))
    setup_logging(config)
    for n in range(400):
        logging.getLogger("dialer_agent.test").warning("line %d %s", n, "x" * 80)
    names = sorted(path.name for path in (tmp_path / "logs").iterdir())
    assert names == ["agent.log", "agent.log.1", "agent.log.2"]


# The real program, as a workstation runs it.


def agent_process(config_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dialer_agent", "--config", str(config_path), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_program_checks_from_the_command_line(crm, config):
    process = agent_process(config.path, "--check")
    out, err = process.communicate(timeout=30)
    assert process.returncode == EXIT_OK, err
    assert "Result:  all good" in out


def test_the_program_imports_nothing_from_django():
    code = (
        "import sys, dialer_agent.cli, dialer_agent.check, dialer_agent.drivers.interphone,"
        " dialer_agent.drivers.command, dialer_agent.drivers.tel, dialer_agent.drivers.log;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    assert subprocess.check_output([sys.executable, "-c", code], cwd=REPO, text=True).strip() == "[]"


def test_sigterm_mid_call_reports_the_call_and_exits_zero(crm, write_config):
    path = write_config(crm.url, drivers__log="call_seconds = 60")
    process = agent_process(path)
    try:
        crm.enqueue(DIAL)
        wait_for(lambda: crm.calls, timeout=10, what="the call's start")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == EXIT_OK
    finally:
        process.kill()
        process.communicate()
    (call,) = crm.calls.values()
    assert (call["end"]["status"], call["end"]["notes"]) == ("DROPPED", STOP_NOTE)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_call_cut_off_by_a_killed_process_is_delivered_by_the_next_start_exactly_once(crm, write_config):
    path = write_config(crm.url, drivers__log="call_seconds = 60")
    process = agent_process(path)
    try:
        crm.enqueue(DIAL)
        wait_for(lambda: crm.calls, timeout=10, what="the call's start")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.kill()
        process.communicate()
    assert not any(call["end"] for call in crm.calls.values())
    process = agent_process(path)
    try:
        wait_for(lambda: any(call["end"] for call in crm.calls.values()), timeout=10, what="the call's end")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == EXIT_OK
    finally:
        process.kill()
        process.communicate()
    ((call_uuid, call),) = crm.calls.items()
    assert (call["end"]["status"], call["end"]["notes"]) == ("DROPPED", CRASH_NOTE)
    # The start may have reached the server just before the kill, unacknowledged in the journal:
    # then it is sent again, and the server keeps one call.
    assert crm.posts["start", call_uuid] in (1, 2)
    assert crm.posts["end", call_uuid] == 1
    assert len(crm.dispatched) == 1

"""The config file: the shipped example loads, paths are relative to it, and every mistake
is named with its table and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialer_agent.config import CONFIG_ENV, default_config_path, load_config
from dialer_agent.drivers.command import CommandDriver
from dialer_agent.drivers.interphone import InterPhoneDriver
from dialer_agent.drivers.log import LogDriver
from dialer_agent.drivers.tel import TelDriver
from dialer_agent.tables import ConfigError

EXAMPLE = Path(__file__).parent.parent / "example_config.toml"
DOCS = Path(__file__).parents[2] / "docs" / "dialer_agent.md"


def example_with(driver: str, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text().replace('driver = "log"', f'driver = "{driver}"'))
    return path


@pytest.mark.parametrize(
    ("driver", "kind"),
    [("log", LogDriver), ("command", CommandDriver), ("tel", TelDriver), ("interphone", InterPhoneDriver)],
)
def test_the_example_config_loads_with_every_driver(tmp_path, driver, kind):
    config = load_config(example_with(driver, tmp_path))
    assert isinstance(config.driver, kind)
    assert config.server_url == "https://crm.example.com"
    assert (config.poll_wait, config.timeout, config.max_call_minutes) == (25, 10, 240)
    # Relative paths are taken from the config file's folder.
    assert config.journal_path == tmp_path / "journal.sqlite3"
    assert config.log_file == tmp_path / "dialer_agent.log"


def test_the_example_in_the_docs_is_the_shipped_example():
    block = re.search(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "docs/dialer_agent.md has no ```toml block"
    assert block.group(1) == EXAMPLE.read_text(encoding="utf-8")


def test_the_interphone_example_reads_controls_and_state_rules(tmp_path):
    driver = load_config(example_with("interphone", tmp_path)).driver
    assert driver.number_field == {"auto_id": "txtNumber", "control_type": "Edit"}
    assert driver.hangup_button == {"title": "Colgar", "control_type": "Button"}
    assert driver.state.busy.search("Ocupado")


def test_the_command_example_keeps_windows_paths_whole(tmp_path):
    driver = load_config(example_with("command", tmp_path)).driver
    assert driver.dial_argv == [r"C:\Program Files\MicroSIP\microsip.exe", "{number}"]
    assert driver.hangup_argv == [r"C:\Program Files\MicroSIP\microsip.exe", "/hangupall"]


def test_a_minimal_config_gets_the_defaults(write_config):
    config = load_config(
        write_config("https://crm.example.com/", server='url = "https://crm.example.com/"\ntoken = "t"')
    )
    assert config.server_url == "https://crm.example.com"
    assert (config.poll_wait, config.verify_tls, config.outside_line_prefix, config.log_level) == (25, True, "", "INFO")


CASES = [
    # (tables to write, the message expected)
    ({"server": 'token = "t"'}, "[server] url: is required"),
    ({"server": 'url = "crm.example.com"\ntoken = "t"'}, "[server] url: must be the CRM's address"),
    ({"server": 'url = "https://crm.example.com?x=1"\ntoken = "t"'}, "must not have a ?query"),
    ({"server": 'url = "https://x"\ntoken = "  "'}, "[server] token: must not be empty"),
    ({"server": 'url = "https://x"\ntoken = "t"\npoll_wait = "25"'}, "[server] poll_wait: must be a number, not '25'"),
    ({"server": 'url = "https://x"\ntoken = "t"\npoll_wait = 90'}, "[server] poll_wait: must be between 1 and 60"),
    ({"server": 'url = "https://x"\ntoken = "t"\ntimeout = true'}, "[server] timeout: must be a number, not True"),
    ({"server": 'url = "https://x"\ntoken = "t"\nverify_tls = 1'}, "[server] verify_tls: must be true or false"),
    ({"server": 'url = "https://x"\ntoken = "t"\npol_wait = 5'}, "[server]: unknown key 'pol_wait' (misspelt?)"),
    ({"dialer": 'driver = "skype"'}, "[dialer] driver: must be one of interphone, command, tel, log; not 'skype'"),
    ({"dialer": 'driver = "log"\noutside_line_prefix = "9,"'}, "[dialer] outside_line_prefix: must be up to 8 digits"),
    ({"drivers__interfone": "x = 1"}, "[drivers]: unknown driver table 'interfone'"),
    ({"drivers__log": 'call_seconds = 1\nstatus = "OK"'}, "[drivers.log] status: must be one of COMPLETED"),
    ({"log": 'level = "LOUD"'}, "[log] level: must be one of DEBUG, INFO, WARNING, ERROR"),
    ({"retry": "initial_seconds = 5\nmax_seconds = 1"}, "[retry] max_seconds: must be at least 5"),
    ({"extra": "x = 1"}, "[top level]: unknown key 'extra'"),
]


@pytest.mark.parametrize(("tables", "message"), CASES, ids=[message[:40] for _, message in CASES])
def test_a_bad_value_is_named(write_config, tables, message):
    path = write_config(**tables)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    assert str(error.value).startswith(str(path))


def test_missing_tables_are_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\nurl = "https://x"\ntoken = "t"\n')
    with pytest.raises(ConfigError, match=r"\[top level\] dialer: is required"):
        load_config(path)


def test_a_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="no such file .*--init-config"):
        load_config(tmp_path / "nowhere.toml")


def test_a_file_that_is_not_toml_says_where(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[server\nurl = 1\n")
    with pytest.raises(ConfigError, match=r"not valid TOML \(.*line 1"):
        load_config(path)


def test_the_default_config_path_can_be_set_by_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "x.toml"))
    assert default_config_path() == tmp_path / "x.toml"
    monkeypatch.delenv(CONFIG_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "dialer_agent" / "config.toml"

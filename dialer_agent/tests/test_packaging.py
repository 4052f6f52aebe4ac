"""The agent installs with pip on its own: its pyproject lists every package and data file."""

from __future__ import annotations

import tomllib
from pathlib import Path

HERE = Path(__file__).parents[1]


def test_every_package_of_the_agent_is_installed_and_the_tests_are_not():
    setuptools = tomllib.loads((HERE / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(("dialer_agent", *init.parent.relative_to(HERE).parts))
        for init in HERE.rglob("__init__.py")
        if "tests" not in init.parts and "build" not in init.relative_to(HERE).parts
    }
    assert set(setuptools["packages"]) == on_disk
    assert setuptools["package-dir"] == {"dialer_agent": "."}
    assert setuptools["package-data"]["dialer_agent"] == ["example_config.toml"]


def test_pywinauto_is_a_dependency_on_windows_only():
    dependencies = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(dep.startswith("tenacity") for dep in dependencies)
    assert "pywinauto>=0.6.8; sys_platform == 'win32'" in dependencies

"""Browser tests against a real CREA CRM server process (uvicorn, one process, SQLite file DB).

Nothing here touches the test database: the server runs in a subprocess with its own temporary
database, migrated and seeded with the demo data (``core/demo_data.py``), and Debian's Chromium
drives it through Playwright. Run with ``.venv/bin/pytest -m e2e tests/e2e -q``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.testing.processes import stop_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
DEMO_PASSWORD = "crea-demo-2026"  # core.demo_data.DEMO_PASSWORD, not imported: the server owns the data
VIEWPORT = {"width": 1366, "height": 768}  # the agents' screens
SERVER_START_TIMEOUT = 30.0


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is a browser test, whether or not the test says so."""
    e2e_dir = Path(__file__).resolve().parent
    for item in items:
        if e2e_dir in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium, or a skip (a fail on CI, where its absence is a broken image)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"{CHROMIUM} no está instalado: instala el paquete Debian `chromium` para los tests e2e"
        if os.environ.get("CI"):
            pytest.fail(f"CI debe instalar Chromium. {reason}", pytrace=False)
        pytest.skip(reason)
    return str(CHROMIUM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        pytest.fail(f"`manage.py {' '.join(args)}` falló ({result.returncode}):\n{output}", pytrace=False)


def _log_tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(sin registro)"


def _wait_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = "sin respuesta"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"uvicorn terminó al arrancar (código {process.returncode}):\n{_log_tail(log_path)}", pytrace=False
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}: {exc.read()[:500]!r}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = str(exc)
        time.sleep(0.2)  # polling a process that is starting, not waiting on the page under test
    pytest.fail(
        f"{url} no respondió 200 en {SERVER_START_TIMEOUT:.0f} s ({last_error}):\n{_log_tail(log_path)}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def server_env(tmp_path_factory, chromium_executable) -> dict[str, str]:
    """The environment of every server-side command: the test process's, with the e2e overrides.

    pytest-env already changed some of these for this process (e.g. an immediate task backend),
    so each one the server depends on is set here explicitly.
    """
    tmp = tmp_path_factory.mktemp("e2e-server")
    env = dict(os.environ)
    env.update(
        {
            "CRM_ENV_FILE": "/dev/null",
            "DJANGO_SETTINGS_MODULE": "crm.settings",
            "SECRET_KEY": "e2e",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SQLITE_PATH": str(tmp / "e2e.sqlite3"),
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "STATIC_ROOT": str(tmp / "static"),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "REDIS_URL": "",
            "MINIO_ENDPOINT": "",
            "MEDIA_ROOT": str(tmp / "media"),
            "BACKUP_DIR": str(tmp / "backups"),
            # The demo portfolio (300 debtors) is then big enough to export in the background.
            "EXPORT_SYNC_MAX_ROWS": "100",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DATABASE_URL", None)  # the server must use the temporary SQLite file, never a real DB
    return env


@pytest.fixture(scope="session")
def e2e_server(server_env, tmp_path_factory) -> Iterator[str]:
    """A migrated, seeded CREA CRM on a free port, with a task worker; yields its base URL (no trailing slash)."""
    _run_manage(server_env, "collectstatic", "--noinput")
    _run_manage(server_env, "migrate", "--noinput")
    _run_manage(server_env, "seed_demo")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_dir = tmp_path_factory.mktemp("e2e-log")
    log_path = log_dir / "uvicorn.log"
    worker_log_path = log_dir / "db_worker.log"
    # Background tasks (e.g. debtor imports) go to the database queue: a worker must run them.
    with worker_log_path.open("wb") as worker_log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.5"],
            cwd=PROJECT_DIR,
            env=server_env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "uvicorn"),
                "crm.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws",
                "websockets-sansio",
                "--lifespan",
                "off",
            ],
            cwd=PROJECT_DIR,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(f"{base_url}/health/", process, log_path)
        if worker.poll() is not None:
            pytest.fail(
                f"db_worker terminó al arrancar (código {worker.returncode}):\n{_log_tail(worker_log_path)}",
                pytrace=False,
            )
        yield base_url
    finally:
        stop_process(process)
        stop_process(worker)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, e2e_server) -> Iterator[Callable]:
    """``new_context(**options)`` → a fresh browser context (own cookies) at 1366×768, closed after the test."""
    contexts = []

    def _new_context(**options):
        context = browser.new_context(base_url=e2e_server, viewport=VIEWPORT, locale="es-CR", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield _new_context
    for context in contexts:
        context.close()


def _fill_login_form(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()


@pytest.fixture
def submit_login() -> Callable:
    """``submit_login(page, username, password=demo)``: fills and submits the login form on ``page``."""
    return _fill_login_form


@pytest.fixture
def login(e2e_server) -> Callable:
    """``login(context, username)`` → a page of ``context`` logged in as demo user ``username``.

    Overrides the root ``login`` fixture (test client, needs the test DB) for the browser tests.
    """
    from playwright.sync_api import expect

    def _login(context, username: str):
        page = context.new_page()
        page.goto("/login/")
        _fill_login_form(page, username)
        expect(page.locator("[data-testid=user-menu]")).to_be_visible()
        return page

    return _login


@pytest.fixture(scope="session")
def _session_states(e2e_server) -> dict[str, dict]:
    return {}


@pytest.fixture
def logged_in_page(new_context, login, _session_states) -> Callable:
    """``logged_in_page(username)`` → a new page already signed in as ``username``.

    For tests about what a signed-in user sees rather than about signing in: each user logs in
    through the form once per session and later contexts reuse that session's cookies.
    """

    def _page(username: str):
        if username not in _session_states:
            context = new_context()
            login(context, username)
            _session_states[username] = context.storage_state()
        return new_context(storage_state=_session_states[username]).new_page()

    return _page

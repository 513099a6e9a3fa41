"""A real server (the `flask` command, as a person starts it) and Debian's chromium driving it.

The server runs in a subprocess on a free 127.0.0.1 port against its own temporary SQLite
database, prepared with `flask crm init`; it never touches the suite's test database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_PASSWORD = "Browser-Passw0rd!"
DEMO_PASSWORD = "Demo-Browser-Passw0rd!"
RESULTS = ROOT / "test-results"
LIVE_DB: dict[str, Path] = {}  # the live server's SQLite file, for checking what a page shows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"the server did not answer {url} within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a server started with `flask crm init` + `flask run` on a fresh database."""
    home = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{home / 'crm.sqlite'}",
        "CRM_INSTANCE_DIR": str(home),
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "FLASK_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
        # every journey logs in from 127.0.0.1, often within one minute; the login limit has its own tests
        "CRM_LOGIN_RATE_LIMIT": "1000 per minute",
        # the daily jobs (summary check, planner statistics) would start with the server and hold the
        # write lock while a journey expects its own writes' effects; they have their own tests
        "CRM_SCHEDULER": "0",
    }
    env.pop("SECRET_KEY", None)
    init = subprocess.run(
        [str(FLASK), "--app", "run", "crm", "init"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    # a small organisation with one user per role, so journeys can log in as a rep or a manager
    demo = subprocess.run(
        [str(FLASK), "--app", "run", "crm", "demo", "--leads", "120", "--accounts", "20"],
        cwd=ROOT,
        env={**env, "CRM_DEMO_PASSWORD": DEMO_PASSWORD},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    port = _free_port()
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                str(FLASK),
                "--app",
                "run",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-reload",
                "--no-debugger",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    LIVE_DB["path"] = home / "crm.sqlite"
    try:
        _wait_until_up(f"{base}/login/", server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(
            "no /usr/bin/chromium: install Debian's `chromium` and `fonts-noto-cjk` "
            "(apt-get install -y chromium fonts-noto-cjk) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab. `page.crm_requests` lists every URL the page asked for."""
    context = chromium.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 1400, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.crm_requests = []
    page.on("request", lambda request: page.crm_requests.append(request.url))
    try:
        yield page
    finally:
        context.close()


def login(page, username: str, password: str = DEMO_PASSWORD, lang: str | None = None) -> None:
    """Sign in through the login form and, with `lang`, switch the interface language; ends on the home page.

    Fails here, naming the user, when the form does not let them in: a later step would only time out."""
    if lang:  # before signing in, so no request of the home page is under way while the language changes
        page.goto(f"/lang/{lang}")
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    if lang:
        page.goto("/")


@pytest.fixture
def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS


@pytest.fixture
def live_db(live_server):
    """Read-only sqlite3 connection to the live server's database (the ground truth)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{LIVE_DB['path']}?mode=ro", uri=True)
    try:
        yield connection
    finally:
        connection.close()

"""`make serve-prod`: several gunicorn workers behave as one server.

The server is started with the very command the Makefile's serve-prod target runs (read with
`make -n`), with 2 workers, on a temporary SQLite database; its access log names the worker (pid)
behind every answer, so the test knows requests really were spread over both processes. Also
the rate-limit storage itself: counts shared between processes and windows that expire.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
import requests

from app.services.rate_limit_storage import SQLiteFileStorage

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "Serve-Pr0d-Passw0rd!"
LOGIN_LIMIT = 5


def _bump(path: str, times: int) -> None:
    storage = SQLiteFileStorage(f"sqlite:///{path}")
    for _ in range(times):
        storage.incr("LIMITER/shared", 60)


def test_storage_counts_are_shared_between_processes_and_expire(tmp_path):
    path = tmp_path / "rl.sqlite"
    context = get_context("spawn")
    workers = [context.Process(target=_bump, args=(str(path), 50)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    storage = SQLiteFileStorage(f"sqlite:///{path}")
    assert storage.get("LIMITER/shared") == 150  # not one increment lost between processes
    assert storage.incr("LIMITER/short", 1) == 1
    assert storage.incr("LIMITER/short", 1) == 2
    assert storage.get_expiry("LIMITER/short") > time.time()
    time.sleep(1.1)
    assert storage.get("LIMITER/short") == 0
    assert storage.incr("LIMITER/short", 1) == 1  # a new window starts from one
    storage.clear("LIMITER/short")
    assert storage.get("LIMITER/short") == 0 and storage.check()


def test_the_default_rate_limit_storage_is_shared_not_per_process():
    from config import Config

    assert Config.RATELIMIT_STORAGE_URI.startswith("sqlite:///") or os.environ.get("CRM_RATELIMIT_STORAGE_URI")


def _gunicorn_command(port: int) -> list[str]:
    """The gunicorn line of `make serve-prod`, as make would run it."""
    dry = subprocess.run(["make", "-n", "-s", "serve-prod", f"CRM_PORT={port}"], cwd=ROOT, text=True,
                         capture_output=True, check=True).stdout
    line = dry.replace("\\\n", " ")
    found = next(cmd for cmd in line.splitlines() if "gunicorn" in cmd)
    return ["bash", "-c", found]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("serve-prod")
    port = _free_port()
    log = home / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "DATABASE_URL", "SECRET_KEY"))}
    env.update({"CRM_INSTANCE_DIR": str(home), "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "WORKERS": "2",
                "CRM_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "CRM_SCHEDULER": "0",
                "PATH": f"{BIN}:{env.get('PATH', '')}"})
    subprocess.run([str(BIN / "flask"), "--app", "run", "crm", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    command = _gunicorn_command(port)
    command[-1] += f" --access-logfile {shlex.quote(str(log))} --access-logformat '%(p)s %(m)s %(U)s %(s)s'"
    output = (home / "gunicorn.out").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{base}/login/", timeout=30).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a cold worker on a busy machine
                pass
            assert process.poll() is None, (home / "gunicorn.out").read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer within 180 s"
            time.sleep(0.5)
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGINT)  # gunicorn: quick shutdown
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
        output.close()


def _workers(log: Path, path: str) -> set[str]:
    time.sleep(0.3)  # the access log is written after the response
    pids = set()
    for line in log.read_text().splitlines():
        pid, _method, url, _status = line.split()[:4]
        if url == path:
            pids.add(pid)
    return pids


def _parallel(calls, threads: int = 4) -> list:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_a_session_holds_on_every_worker(server):
    base, log = server
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    login = session.post(f"{base}/login/", data={"username": "admin", "password": ADMIN_PASSWORD,
                                                 "csrf_token": token}, allow_redirects=False, timeout=10)
    assert login.status_code == 302 and "/login" not in login.headers["Location"]
    # the signed session cookie is read by whichever worker answers; a kept-alive connection stays with
    # one worker, so every request opens its own, and a busy machine may need a few rounds to use both
    for _round in range(8):
        answers = _parallel([lambda: session.get(f"{base}/lead/list/", allow_redirects=False, timeout=30,
                                                 headers={"Connection": "close"}) for _ in range(16)])
        assert [a.status_code for a in answers] == [200] * 16
        if len(_workers(log, "/lead/list/")) == 2:
            break
    assert len(_workers(log, "/lead/list/")) == 2, "the requests did not reach both workers"


def test_the_login_rate_limit_counts_across_workers(server):
    base, log = server

    def attempt():
        return requests.post(f"{base}/api/v1/security/login", timeout=30,
                             json={"username": "nobody", "password": "wrong", "provider": "db"}).status_code

    codes = _parallel([attempt for _ in range(4 * LOGIN_LIMIT)])
    assert len(_workers(log, "/api/v1/security/login")) == 2, "the attempts did not reach both workers"
    # per-process counters would let each worker allow LOGIN_LIMIT attempts
    assert codes.count(429) == 3 * LOGIN_LIMIT, codes
    assert sorted(set(codes) - {429}) == [401], codes

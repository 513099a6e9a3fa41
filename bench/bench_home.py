"""Home page timings at the 1M-lead bench database (built by bench/bench_pages.py).

    .venv/bin/python bench/bench_home.py [--repeat 15]

Starts `gunicorn -w 2` against bench/data/bench.sqlite, logs in as admin, a director, a manager
and a rep, and times: the home page with the role's default widgets, the home page with every
widget of the catalogue (added through the page's own form, then reset), the bell's polling
endpoint, the to-do inbox, the week view, the recently-viewed menu and an account page with its
timeline. Median / p95 in ms; writes bench/out/home.md. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from bench_pages import (  # noqa: E402
    DATA,
    DB,
    MANIFEST,
    OUT,
    ROOT,
    TARGET_MS,
    VENV_BIN,
    Browser,
    answers,
    environment,
    free_port,
    machine,
    percentile,
)

USERS = ("admin", "director", "manager_east", "rep_east1")


def start(env: dict, port: int) -> subprocess.Popen:
    log = (DATA / "gunicorn-home.log").open("w")
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "run:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {DATA / 'gunicorn-home.log'}")
        if answers(f"http://127.0.0.1:{port}/login/"):
            return server
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 120 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def post(browser: Browser, path: str, data: dict) -> None:
    _status, body, _ms = browser.get("/")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body)
    form = urllib.parse.urlencode({**data, "csrf_token": token.group(1).decode()}).encode()
    with browser.opener.open(browser.base + path, data=form, timeout=120) as response:
        response.read()


def timed(browser: Browser, path: str, repeat: int) -> dict:
    status, body, _ms = browser.get(path)  # warm-up
    times = []
    for _ in range(repeat):
        status, body, ms = browser.get(path)
        times.append(ms)
    failed = b"could not be loaded" in body
    return {"status": status, "median": statistics.median(times), "p95": percentile(times, 0.95),
            "widgets": body.count(b'class="crm-widget crm-widget-'), "failed": failed}


def sample_account(username: str) -> int | None:
    with sqlite3.connect(f"file:{DB}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT a.id FROM account a JOIN ab_user u ON u.id = a.owner_id WHERE u.username = ? "
            "AND a.deleted_at IS NULL ORDER BY a.id DESC LIMIT 1", (username,)).fetchone()
        if row is None:
            row = conn.execute("SELECT max(id) FROM account WHERE deleted_at IS NULL").fetchone()
    return row[0] if row else None


def measure(base: str, manifest: dict, repeat: int, users=USERS) -> list[dict]:
    from app.services.widgets import WIDGETS  # noqa: PLC0415 (the catalogue, to add every widget)

    rows = []
    for user in users:
        browser = Browser(base)
        browser.login(user, manifest["admin_password" if user == "admin" else "demo_password"])
        post(browser, "/home/reset", {})
        pages = [("home (role default)", "/")]
        account = sample_account(user)
        pages += [("bell poll", "/todo/reminders"), ("my to-do", "/todo/"), ("week view", "/todo/week"),
                  ("recently viewed menu", "/recent/menu")]
        if account:
            pages.append(("account page + timeline", f"/account/show/{account}"))
        for label, path in pages:
            rows.append({"user": user, "page": label, "path": path, **timed(browser, path, repeat)})
            print(f"{rows[-1]['median']:8.1f} ms  {user:13} {label}", flush=True)
        for key in WIDGETS:
            post(browser, "/home/add", {"key": key})
        rows.append({"user": user, "page": "home (every widget)", "path": "/", **timed(browser, "/", repeat)})
        print(f"{rows[-1]['median']:8.1f} ms  {user:13} home (every widget, {rows[-1]['widgets']})", flush=True)
        post(browser, "/home/reset", {})
    return rows


def report(rows: list[dict], repeat: int) -> str:
    lines = [
        "# Home page benchmark", "",
        f"`bench/bench_home.py`, gunicorn -w 2, SQLite `{DB.name}` (1,000,000 leads), {repeat} requests per row "
        f"after one warm-up; target {TARGET_MS:.0f} ms.", "", machine(), "",
        f"load average at the end: {os.getloadavg()[0]:.2f}", "",
        "| user | page | widgets | median ms | p95 ms | status |", "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        mark = "" if r["median"] <= TARGET_MS else " ⚠"
        widgets = r["widgets"] if r["page"].startswith("home") else ""
        status = f"{r['status']}{' (a widget failed)' if r['failed'] else ''}"
        lines.append(f"| {r['user']} | {r['page']} | {widgets} | {r['median']:.0f}{mark} | {r['p95']:.0f} | {status} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--users", default=",".join(USERS), help="comma-separated demo users")
    args = parser.parse_args()
    if not DB.exists() or not MANIFEST.exists():
        print("No bench database: build it with bench/bench_pages.py first.", file=sys.stderr)
        return 1
    manifest = json.loads(MANIFEST.read_text())
    env = environment(manifest)
    os.environ.update({k: env[k] for k in ("CRM_INSTANCE_DIR", "DATABASE_URL")})
    port = free_port()
    server = start(env, port)
    try:
        rows = measure(f"http://127.0.0.1:{port}", manifest, args.repeat, args.users.split(","))
    finally:
        stop(server)
    text = report(rows, args.repeat)
    OUT.mkdir(exist_ok=True)
    (OUT / "home.md").write_text(text)
    print(text)
    return 0 if all(r["status"] == 200 and not r["failed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

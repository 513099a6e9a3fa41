"""Load and soak over HTTP against `make serve-prod`'s gunicorn on 127.0.0.1 (loopback only, bounded).

    .venv/bin/python bench/load.py load --db sqlite --workers 2 4 --duration 20
    .venv/bin/python bench/load.py load --db postgresql --pg-url postgresql://postgres@127.0.0.1:5432/crm_load
    .venv/bin/python bench/load.py soak --db sqlite --rate 8 --duration 600

1. Builds a demo CRM once (`crm init` + `crm demo`, default sizes) under bench/data/load/; for
   PostgreSQL it copies that database with `crm migrate-db --force` into --pg-url (EMPTIED first:
   give it a database of its own).
2. Starts gunicorn with the Makefile's serve-prod command (read with `make -n`), WORKERS=n.
3. Demo sales reps and managers log in through the login form, then each client thread repeats a
   realistic mix: 80 % reads (lead/account/contact/opportunity lists, show pages, home), 15 % writes
   (add a lead, edit one of its own leads, log a follow-up activity on it), 5 % search and export.
   Every write is acknowledged by the redirect that follows a successful save.
- load: closed loop, 2, 4 then 8 concurrent clients; reports requests/s, p50 and p95 for each, and
  the best requests/s whose p95 stays under 300 ms; any error fails the run.
- soak: a fixed rate (requests/s, spread over the clients) for --duration seconds (600 by default,
  at most 3600); gunicorn's resident memory (sum of workers) at start and end and every minute;
  afterwards every acknowledged write is looked up in the database.

Writes bench/results/load.md (the Markdown fragment BENCHMARKS.md quotes) and load.json; the
machine's load average is in both, since the cores are shared.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DATA = ROOT / "bench" / "data" / "load"
RESULTS = ROOT / "bench" / "results"
PASSWORD = "Load-Test-Passw0rd!"  # demo users of a loopback-only benchmark database
P95_TARGET_MS = 300
CLIENT_STEPS = (2, 4, 8)
VIEWS = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView",
         "opportunity": "OpportunityView"}
USERS = ("rep_east1", "rep_east2", "rep_north1", "manager_east", "rep_north2", "director")


# -- setting up ------------------------------------------------------------------------------------

def env_for(db: str, pg_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CRM_", "DATABASE_URL", "SECRET_KEY", "TEST_DATABASE_URL"))}
    env.update({"CRM_INSTANCE_DIR": str(DATA / "instance"), "CRM_ADMIN_PASSWORD": PASSWORD,
                "CRM_DEMO_PASSWORD": PASSWORD, "CRM_LOGIN_RATE_LIMIT": "1000 per minute",
                "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"})
    if db == "postgresql":
        env["DATABASE_URL"] = pg_url
    return env


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([str(VENV_BIN / "flask"), "--app", "run", "crm", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"crm {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(db: str, pg_url: str | None, leads: int, accounts: int, rebuild: bool) -> dict:
    """The demo database (SQLite, built once) and, for PostgreSQL, a fresh copy of it."""
    manifest_file = DATA / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    sqlite_env = env_for("sqlite", None)
    if rebuild or manifest.get("leads") != leads or manifest.get("accounts") != accounts:
        DATA.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (DATA / "instance" / f"crm.sqlite{suffix}").unlink()
        print(f"building the demo database ({leads:,} leads, {accounts:,} accounts)…", flush=True)
        flask(sqlite_env, "init")
        flask(sqlite_env, "demo", "--leads", str(leads), "--accounts", str(accounts))
        manifest = {"leads": leads, "accounts": accounts}
        manifest_file.write_text(json.dumps(manifest))
    else:
        flask(sqlite_env, "init")
    if db == "postgresql":
        print("copying it into PostgreSQL (crm migrate-db --force)…", flush=True)
        print(flask(sqlite_env, "migrate-db", "--to", pg_url, "--force").strip().splitlines()[-2], flush=True)
        flask(env_for(db, pg_url), "init")
    return manifest


def database_url(db: str, pg_url: str | None) -> str:
    if db == "postgresql":  # psycopg 3, as config.py and migrate-db use
        return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", pg_url)
    return f"sqlite:///{DATA / 'instance' / 'crm.sqlite'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_prod_command(port: int) -> str:
    dry = subprocess.run(["make", "-n", "-s", "serve-prod", f"CRM_PORT={port}"], cwd=ROOT, text=True,
                         capture_output=True, check=True).stdout.replace("\\\n", " ")
    return next(line for line in dry.splitlines() if "gunicorn" in line).replace(
        "--access-logfile -", "")


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (DATA / f"gunicorn-{workers}.log").open("w")
    server = subprocess.Popen(["bash", "-c", serve_prod_command(port)], cwd=ROOT,
                              env={**env, "WORKERS": str(workers)}, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        with contextlib.suppress(OSError), urllib.request.urlopen(base + "/login/", timeout=30) as response:
            if response.status == 200:
                return server, base
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 180 s")


def stop_server(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)


def worker_rss_mb(server: subprocess.Popen) -> float:
    """Resident memory (VmRSS) of gunicorn's workers together, from /proc."""
    total = 0
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        with contextlib.suppress(OSError, AttributeError):
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return round(total / 1024, 1)


# -- the clients -----------------------------------------------------------------------------------

class FormReader(HTMLParser):
    """The fields a browser would submit from the model form if nobody touched it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "model_form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [v for v, sel in self._options if sel]
            self.fields[self._select] = chosen or ([self._options[0][0]] if self._options else [""])
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Sample:
    kind: str  # read / write / search / export
    label: str
    status: int
    ms: float
    error: str = ""


@dataclass
class Acks:
    """Writes the server acknowledged; looked up in the database afterwards."""
    added: set[str] = field(default_factory=set)  # person_name tokens
    edited: dict[int, str] = field(default_factory=dict)  # lead id -> last acknowledged description
    followed: set[str] = field(default_factory=set)  # activity subjects


class Client:
    def __init__(self, base: str, user: dict, run: str, number: int, db_url: str, acks: Acks,
                 lock: threading.Lock) -> None:
        self.base, self.user, self.run, self.number = base, user, run, number
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.samples: list[Sample] = []
        self.acks, self.lock, self.db_url = acks, lock, db_url
        self.mine: list[int] = []  # leads this client added (only it edits them: no edit races)
        self.counter = 0
        self.rng = random.Random(number)

    def request(self, kind: str, label: str, path: str, data: dict | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        location = ""
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
            location = error.headers.get("Location", "")
        except OSError as error:
            status, text = 0, str(error)
        ms = (time.perf_counter() - started) * 1000
        problem = "" if status in expect else f"{status} on {path}"
        if status in (301, 302, 303) and "/login" in location:
            problem = f"sent to the login page from {path}"
        self.samples.append(Sample(kind, label, status, ms, problem))
        return status, text, location

    def login(self) -> None:
        _s, page, _l = self.request("read", "login form", "/login/")
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
        status, _t, location = self.request("write", "login", "/login/", {
            "username": self.user["username"], "password": PASSWORD,
            "csrf_token": token.group(1) if token else ""}, expect=(302,))
        if status != 302 or "/login" in location:
            raise RuntimeError(f"login as {self.user['username']} failed ({status})")

    def form(self, path: str, label: str) -> dict[str, list[str]] | None:
        status, page, _l = self.request("write", label + " form", path)
        if status != 200:
            return None
        reader = FormReader()
        reader.feed(page)
        return reader.fields

    def save(self, path: str, label: str, fields: dict) -> bool:
        status, _page, location = self.request("write", label, path, fields, expect=(302,))
        return status == 302 and "/login" not in location

    def token(self) -> str:
        self.counter += 1
        return f"LD-{self.run}-{self.number}-{self.counter}"

    # the operations
    def read(self) -> None:
        roll = self.rng.random()
        entity = self.rng.choice(("lead", "lead", "account", "contact", "opportunity"))
        if roll < 0.35:
            self.request("read", f"{entity} list", f"/{entity}/list/")
        elif roll < 0.50:
            page = self.rng.randint(1, 5)
            self.request("read", f"{entity} list page", f"/{entity}/list/?page_{VIEWS[entity]}={page}")
        elif roll < 0.80:
            ids = self.user["ids"].get(entity) or []
            if ids:
                self.request("read", f"{entity} show", f"/{entity}/show/{self.rng.choice(ids)}")
            else:
                self.request("read", f"{entity} list", f"/{entity}/list/")
        else:
            self.request("read", "home", "/")

    def write(self) -> None:
        roll = self.rng.random()
        if roll < 0.4 or not self.mine:
            fields = self.form("/lead/add", "add lead")
            if fields is None:
                return
            name = self.token()
            fields.update({"person_name": [name], "company_name": [f"负载测试 {name}"],
                           "mobile": [f"19{self.rng.randrange(10**9):09d}"], "crm_save_anyway": ["1"]})
            for name_, value in (("channel", "online"), ("status", "new")):
                if name_ in fields and not fields[name_][0]:
                    fields[name_] = [value]
            if self.save("/lead/add", "add lead", fields):
                with self.lock:
                    self.acks.added.add(name)
                lead_id = lead_id_of(self.db_url, name)
                if lead_id is not None:
                    self.mine.append(lead_id)
        elif roll < 0.75:
            lead_id = self.rng.choice(self.mine)
            fields = self.form(f"/lead/edit/{lead_id}", "edit lead")
            if fields is None:
                return
            text = self.token()
            fields["description"] = [text]
            if self.save(f"/lead/edit/{lead_id}", "edit lead", fields):
                with self.lock:
                    self.acks.edited[lead_id] = text
        else:
            lead_id = self.rng.choice(self.mine)
            fields = self.form(f"/activity/add?lead={lead_id}", "log follow-up")
            if fields is None:
                return
            subject = self.token()
            due = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() + 86400))
            fields.update({"lead": [str(lead_id)], "type": ["call"], "subject": [subject], "due_at": [due]})
            if self.save("/activity/add", "log follow-up", fields):
                with self.lock:
                    self.acks.followed.add(subject)

    def search_or_export(self) -> None:
        if self.rng.random() < 0.8:
            text = self.rng.choice(self.user["search"])
            self.request("search", "lead search", f"/lead/list/?q={urllib.parse.quote(text)}")
        else:
            self.request("export", "lead export", "/export/lead?format=csv")

    def one(self) -> None:
        roll = self.rng.random()
        if roll < 0.80:
            self.read()
        elif roll < 0.95:
            self.write()
        else:
            self.search_or_export()


# -- the database, seen directly ----------------------------------------------------------------------

def _engine(db_url: str):
    import sqlalchemy as sa

    return sa.create_engine(db_url)


_ENGINES: dict[str, object] = {}
_ENGINE_LOCK = threading.Lock()


def lead_id_of(db_url: str, name: str) -> int | None:
    import sqlalchemy as sa

    with _ENGINE_LOCK:
        engine = _ENGINES.setdefault(db_url, _engine(db_url))
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM lead WHERE person_name = :n"), {"n": name}).scalar()


def user_fixtures(db_url: str) -> list[dict]:
    """Demo users, each with ids it may open and a few search words from its own leads."""
    import sqlalchemy as sa

    engine = _engine(db_url)
    users = []
    with engine.connect() as conn:
        for username in USERS:
            uid = conn.execute(sa.text("SELECT id FROM ab_user WHERE username = :u"), {"u": username}).scalar()
            if uid is None:
                continue
            ids = {}
            for entity in ("lead", "account", "contact", "opportunity"):
                ids[entity] = list(conn.execute(sa.text(
                    f"SELECT id FROM {entity} WHERE owner_id = :u AND deleted_at IS NULL LIMIT 200"),
                    {"u": uid}).scalars())
            names = conn.execute(sa.text(
                "SELECT person_name, mobile, company_name FROM lead WHERE owner_id = :u LIMIT 20"),
                {"u": uid}).all()
            search = [v for row in names for v in (row[0], row[1], (row[2] or "")[:4]) if v]
            users.append({"username": username, "id": uid, "ids": ids, "search": search or ["张"]})
    engine.dispose()
    return users


def verify(db_url: str, run: str, acks: Acks) -> dict:
    import sqlalchemy as sa

    engine = _engine(db_url)
    with engine.connect() as conn:
        found = set(conn.execute(sa.text("SELECT person_name FROM lead WHERE person_name LIKE :p"),
                                 {"p": f"LD-{run}-%"}).scalars())
        descriptions = dict(conn.execute(sa.text("SELECT id, description FROM lead WHERE id IN "
                                                 "(SELECT id FROM lead WHERE person_name LIKE :p)"),
                                         {"p": f"LD-{run}-%"}).all())
        subjects = set(conn.execute(sa.text("SELECT subject FROM activity WHERE subject LIKE :p"),
                                    {"p": f"LD-{run}-%"}).scalars())
    engine.dispose()
    lost_adds = sorted(acks.added - found)
    lost_edits = sorted(i for i, text in acks.edited.items() if descriptions.get(i) != text)
    lost_followups = sorted(acks.followed - subjects)
    return {"acknowledged": {"added leads": len(acks.added), "edits": len(acks.edited),
                             "follow-ups": len(acks.followed)},
            "lost": {"added leads": lost_adds[:10], "edits": lost_edits[:10],
                     "follow-ups": lost_followups[:10]},
            "lost_total": len(lost_adds) + len(lost_edits) + len(lost_followups)}


# -- running ----------------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise(samples: list[Sample], seconds: float) -> dict:
    ms = [s.ms for s in samples]
    by_kind = {k: sum(1 for s in samples if s.kind == k) for k in ("read", "write", "search", "export")}
    errors = [s.error for s in samples if s.error]
    labels: dict[str, list[float]] = {}
    for s in samples:
        labels.setdefault(s.label, []).append(s.ms)
    by_label = {name: {"n": len(v), "p50": round(statistics.median(v), 1), "p95": round(percentile(v, 0.95), 1)}
                for name, v in sorted(labels.items())}
    return {"requests": len(samples), "seconds": round(seconds, 1), "by_label": by_label,
            "rps": round(len(samples) / seconds, 1) if seconds else 0.0,
            "p50": round(statistics.median(ms), 1) if ms else 0.0, "p95": round(percentile(ms, 0.95), 1),
            "max": round(max(ms), 1) if ms else 0.0, "mix": by_kind, "errors": len(errors),
            "error_samples": sorted(set(errors))[:5]}


def drive(base: str, users: list[dict], clients: int, seconds: float, db_url: str, run: str,
          acks: Acks, rate: float | None = None, every=None) -> tuple[list[Sample], float]:
    """`clients` threads for `seconds`: back to back, or together at `rate` requests/s."""
    lock = threading.Lock()
    crowd = [Client(base, users[n % len(users)], run, n, db_url, acks, lock) for n in range(clients)]
    for client in crowd:
        client.login()
        client.samples.clear()
    stop = time.monotonic() + seconds
    interval = clients / rate if rate else 0.0

    def loop(client: Client, offset: float) -> None:
        next_at = time.monotonic() + offset
        while time.monotonic() < stop:
            if interval:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(min(pause, max(0.0, stop - time.monotonic())))
                    if time.monotonic() >= stop:
                        break
                next_at += interval
            try:
                client.one()
            except Exception as exc:  # noqa: BLE001 - a client bug is an error of the run
                client.samples.append(Sample("read", "client", 0, 0.0, f"{type(exc).__name__}: {exc}"))

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(c, i * interval / max(1, clients)), daemon=True)
               for i, c in enumerate(crowd)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        if every:
            every()
        for thread in threads:
            thread.join(timeout=1)
    elapsed = time.monotonic() - started
    return [s for c in crowd for s in c.samples], elapsed


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run_load(args) -> dict:
    results = {}
    for db in args.db:
        prepare(db, args.pg_url, args.leads, args.accounts, args.rebuild)
        url = database_url(db, args.pg_url)
        users = user_fixtures(url)
        for workers in args.workers:
            server, base = start_server(env_for(db, args.pg_url), workers)
            try:
                steps, acks, run = [], Acks(), f"{int(time.time())}{workers}"
                # warm-up, not measured: each worker compiles its templates and fills its caches
                drive(base, users, 2 * workers, args.warmup, url, run + "w", Acks())
                for clients in args.clients:
                    samples, seconds = drive(base, users, clients, args.duration, url, run, acks)
                    step = {"clients": clients, **summarise(samples, seconds), "load_average": load_average()}
                    steps.append(step)
                    print(f"{db:>10} workers={workers} clients={clients}: {step['rps']} req/s, "
                          f"p50 {step['p50']} ms, p95 {step['p95']} ms, errors {step['errors']} "
                          f"(load average {step['load_average']})", flush=True)
                check = verify(url, run, acks)
                ok = [s for s in steps if s["p95"] < P95_TARGET_MS and s["errors"] == 0]
                results[f"{db} / {workers} workers"] = {
                    "db": db, "workers": workers, "steps": steps, "writes": check,
                    "best_rps_under_target": max((s["rps"] for s in ok), default=None)}
            finally:
                stop_server(server)
    return results


def run_soak(args) -> dict:
    db = args.db[0]
    prepare(db, args.pg_url, args.leads, args.accounts, args.rebuild)
    url = database_url(db, args.pg_url)
    users = user_fixtures(url)
    workers = args.workers[0]
    server, base = start_server(env_for(db, args.pg_url), workers)
    try:
        acks, run = Acks(), f"{int(time.time())}s"
        memory: list[tuple[float, float]] = []
        started = time.monotonic()
        drive(base, users, args.soak_clients, args.warmup, url, run + "w", Acks(), rate=args.rate)
        memory.append((0.0, worker_rss_mb(server)))
        load_start = load_average()
        last = [time.monotonic()]

        def sample_memory() -> None:
            if time.monotonic() - last[0] >= 60:
                last[0] = time.monotonic()
                memory.append((round(time.monotonic() - started), worker_rss_mb(server)))

        samples, seconds = drive(base, users, args.soak_clients, args.duration, url, run, acks,
                                 rate=args.rate, every=sample_memory)
        memory.append((round(time.monotonic() - started), worker_rss_mb(server)))
        summary = summarise(samples, seconds)
        check = verify(url, run, acks)
    finally:
        stop_server(server)
    result = {"db": db, "workers": workers, "rate": args.rate, "clients": args.soak_clients, **summary,
              "writes": check, "rss_mb": memory, "load_average_start": load_start,
              "load_average_end": load_average()}
    print(json.dumps({k: v for k, v in result.items() if k != "rss_mb"}, ensure_ascii=False), flush=True)
    return {f"soak {db} / {workers} workers": result}


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def _by_label(step: dict) -> str:
    labels = step.get("by_label", {})
    return ", ".join(f"{name} {v['p50']:.0f}" for name, v in labels.items())


def markdown(all_results: dict, args) -> str:
    lines = [f"### Load and soak ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"- machine: {machine()}; shared with other jobs (load average at each step below)",
             f"- data: `crm demo --leads {args.leads} --accounts {args.accounts}`; server: `make serve-prod` "
             "(gunicorn gthread, 2 threads per worker) on 127.0.0.1",
             "- mix: 80 % reads (lists, list pages 2-6, show pages, home), 15 % writes (add lead, edit "
             "own lead, log follow-up; form load + save), 5 % search (4 %) and CSV export (1 %); "
             "users: sales reps, a manager and the director", ""]
    loads = {k: v for k, v in all_results.items() if not k.startswith("soak")}
    if loads:
        lines += ["| database / workers | clients | req/s | p50 ms | p95 ms | errors | load avg |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for name, r in loads.items():
            for s in r["steps"]:
                lines.append(f"| {name} | {s['clients']} | {s['rps']} | {s['p50']} | {s['p95']} | "
                             f"{s['errors']} | {s['load_average']} |")
        lines += ["", "Median ms per request kind (largest step of each run):", ""]
        for name, r in loads.items():
            lines.append(f"- {name}: " + _by_label(r["steps"][-1]))
        lines += ["", "Requests/s at p95 under 300 ms (best step with zero errors):", ""]
        for name, r in loads.items():
            best = r["best_rps_under_target"]
            lost = r["writes"]["lost_total"]
            lines.append(f"- {name}: **{best if best is not None else 'not met'}** req/s; acknowledged writes "
                         f"{sum(r['writes']['acknowledged'].values())}, lost {lost}")
    for name, r in all_results.items():
        if not name.startswith("soak"):
            continue
        rss = r["rss_mb"]
        lines += ["", f"Soak, {name}: {r['rate']} req/s target over {r['seconds']:.0f} s with {r['clients']} "
                  f"clients: {r['requests']} requests ({r['rps']} req/s), p50 {r['p50']} ms, p95 {r['p95']} ms, "
                  f"max {r['max']} ms, **errors {r['errors']}**; acknowledged writes "
                  f"{r['writes']['acknowledged']}, **lost {r['writes']['lost_total']}**; workers' RSS "
                  f"{rss[0][1]} MB at start → {rss[-1][1]} MB at end (every minute: "
                  f"{', '.join(str(m) for _t, m in rss)}); load average {r['load_average_start']} → "
                  f"{r['load_average_end']}.", "", "Median ms per request kind: " + _by_label(r)]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("load", "soak"))
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"])
    parser.add_argument("--pg-url", help="PostgreSQL database to EMPTY and fill (required for postgresql)")
    parser.add_argument("--workers", nargs="+", type=int, default=[2, 4])
    parser.add_argument("--clients", nargs="+", type=int, default=list(CLIENT_STEPS))
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds per load step (default 20) or of the soak (default 600, at most 3600)")
    parser.add_argument("--warmup", type=float, default=15, help="seconds of unmeasured requests first")
    parser.add_argument("--rate", type=float, default=8.0, help="soak: requests per second")
    parser.add_argument("--soak-clients", type=int, default=4)
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="forget earlier runs' results in --out")
    parser.add_argument("--out", default=str(RESULTS / "load.md"))
    args = parser.parse_args()
    if "postgresql" in args.db and not args.pg_url:
        parser.error("--pg-url is required with --db postgresql (that database is emptied)")
    args.duration = min(args.duration or (600 if args.mode == "soak" else 20), 3600)
    if args.mode == "soak":
        args.workers = args.workers[:1]
    results = run_load(args) if args.mode == "load" else run_soak(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    # runs add to (or replace their own rows in) what earlier runs wrote: load and soak are separate runs
    saved = out.with_suffix(".json")
    merged = json.loads(saved.read_text()) if saved.exists() and not args.fresh else {}
    merged.update(results)
    out.write_text(markdown(merged, args))
    saved.write_text(json.dumps(merged, ensure_ascii=False, indent=1))
    print(out.read_text())
    bad = any(s["errors"] for r in results.values() for s in r.get("steps", [r]))
    lost = any(r["writes"]["lost_total"] for r in results.values())
    return 1 if bad or lost else 0


if __name__ == "__main__":
    sys.exit(main())

"""Analytics at a million rows: every chart's query next to the plain SQL aggregate it replaces,
and every dashboard page over HTTP (issue 9: a chart < 200 ms, a dashboard page < 500 ms).

    .venv/bin/python bench/bench_analytics.py [--repeat 7] [--raw-repeat 3] [--db PATH]
                                              [--users executive,rep_east1] [--no-http]

Uses the bench database of bench/bench_pages.py (`bench_pages.py --build-only` builds and migrates
it); `--db PATH` reads a copy instead and never migrates it. In this process, for each user and
each chart of each dashboard (default filters: this year):
- "chart": `run_chart` as the dashboards call it — the summary table or covering index it reads,
  plus shaping and labels; median and p95 wall time and median process CPU time;
- "plain": the plain aggregate over the base table (`load_context(rollups=False)`), the SQL the
  chart wraps without the summaries, measured in the same run, same connection.
Then a gunicorn server (2 workers, like bench_pages.py) serves every dashboard page to an
executive, a sales manager and a sales rep (logged in through the form); wall median / p95 and
the workers' CPU time per page (from /proc), and their peak RSS. The machine is shared: CPU time
is what the code costs, wall time also shows the neighbours. Prints Markdown, writes
bench/out/analytics.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bench_pages as bp  # noqa: E402

CHART_MS, PAGE_MS = 200.0, 500.0
HTTP_USERS = ("executive", "manager_east", "rep_east1")


def timed(fn, repeat: int, warm: bool = True) -> dict:
    if warm:
        fn()  # warm-up: caches, compiled statements
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return {"median": statistics.median(wall), "p95": bp.percentile(wall, 0.95), "cpu": statistics.median(cpu)}


def measure_charts(users: list[str], repeat: int, raw_repeat: int) -> list[dict]:
    from flask import g
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CrmUser
    from app.services.analytics import DASHBOARDS, Filters, chart_specs
    from app.services.analytics.engine import load_context, plan, run_chart
    from app.services.analytics.rollup import rollup_plan
    from run import app

    results = []
    with app.test_request_context():
        for username in users:
            user = db.session.scalar(select(CrmUser).where(CrmUser.username == username))
            g.user = user
            filters = Filters()
            fast = load_context(user, learned=True)
            plain = load_context(user, learned=True, rollups=False)
            plain.learned = fast.learned
            for dashboard in DASHBOARDS:
                for spec in chart_specs(dashboard.key):
                    chart = timed(lambda s=spec, f=filters, u=user, c=fast: run_chart(s, f, u, c), repeat)
                    row = {"user": username, "dashboard": dashboard.key, "chart": spec.key, "fast": chart,
                           "reads": "custom (several queries)" if spec.custom else "base table + index"}
                    if not spec.custom:
                        p = rollup_plan(spec, filters, user, fast)
                        if p is not None:
                            row["reads"] = p.source + (" + base table" if p.extra else "")
                        statement = plan(spec, filters, user, plain).statement
                        row["plain"] = timed(lambda st=statement: db.session.execute(st).all(), raw_repeat,
                                             warm=raw_repeat > 1)  # one cold run when the machine is busy
                    results.append(row)
                    plain_ms = row.get("plain", {}).get("median")
                    print(f"{username:10} {spec.key:26} {chart['median']:8.1f} ms (cpu {chart['cpu']:6.1f})"
                          f"  plain {plain_ms or 0:8.1f} ms", flush=True)
            db.session.rollback()
    return results


def worker_cpu_ms(server) -> float:
    """utime + stime of the server's processes, in ms (from /proc, clock ticks)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total * 1000 / tick


def start_server(env: dict, port: int, wait: float = 600):
    """bench_pages.start_server with a longer wait (on a loaded machine the workers boot slowly),
    and the server stopped if it never answers."""
    import subprocess

    log = (bp.DATA / "gunicorn-analytics.log").open("w")
    server = subprocess.Popen([str(bp.VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "run:app"],
                              cwd=bp.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        if bp.answers(f"http://127.0.0.1:{port}/login/"):
            return server
        time.sleep(1)
    bp.stop_server(server)
    raise RuntimeError(f"gunicorn did not answer within {wait:.0f} s")


def measure_pages(env: dict, manifest: dict, repeat: int) -> tuple[list[dict], dict]:
    from app.services.analytics import DASHBOARDS

    port = bp.free_port()
    server = start_server(env, port)
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        for username in HTTP_USERS:
            browser = bp.Browser(base)
            browser.login(username, manifest["admin_password" if username == "admin" else "demo_password"])
            for dashboard in DASHBOARDS:
                path = f"/analytics/{dashboard.key}"
                status, _body, _ms = browser.get(path)  # warm-up
                cpu_before = worker_cpu_ms(server)
                times = [browser.get(path)[2] for _ in range(repeat)]
                cpu = (worker_cpu_ms(server) - cpu_before) / repeat
                results.append({"user": username, "page": path, "status": status, "cpu": cpu,
                                "median": statistics.median(times), "p95": bp.percentile(times, 0.95)})
                print(f"{username:13} {path:28} {results[-1]['median']:8.1f} ms (server cpu {cpu:6.1f})",
                      flush=True)
        rss = bp.peak_rss_mb(server)
    finally:
        bp.stop_server(server)
    return results, rss


def report(charts, pages, rss, args, loads, db_path) -> str:
    lines = ["# Analytics benchmark", "",
             f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}; machine: {bp.machine()}",
             f"- load average before / after: {' '.join(f'{x:.2f}' for x in loads[0])} / "
             f"{' '.join(f'{x:.2f}' for x in loads[1])} (a shared machine: compare CPU ms, not only wall ms)",
             f"- versions: {bp.versions()}; database {db_path}",
             f"- filters: this year; chart: {args.repeat} runs after a warm-up, plain aggregate: "
             f"{args.raw_repeat} runs; peak RSS of this process (all charts, all users): "
             f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", ""]
    ok = sum(1 for r in charts if r["fast"]["median"] < CHART_MS)
    ok_cpu = sum(1 for r in charts if r["fast"]["cpu"] < CHART_MS)
    lines += [f"## Charts ({ok} of {len(charts)} under {CHART_MS:.0f} ms wall median, {ok_cpu} under "
              f"{CHART_MS:.0f} ms CPU)", "",
              "| user | dashboard | chart | reads | chart median ms | p95 | CPU ms | plain aggregate median ms"
              " | p95 | CPU ms | speed-up |", "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in charts:
        f, p = r["fast"], r.get("plain")
        plain = (f"{p['median']:.1f} | {p['p95']:.1f} | {p['cpu']:.1f} | {p['median'] / f['median']:.0f}×"
                 if p else "— | — | — | —")
        lines.append(f"| {r['user']} | {r['dashboard']} | {r['chart']} | {r['reads']} | {f['median']:.1f} |"
                     f" {f['p95']:.1f} | {f['cpu']:.1f} | {plain} |")
    if pages:
        ok = sum(1 for r in pages if r["status"] == 200 and r["median"] < PAGE_MS)
        ok_cpu = sum(1 for r in pages if r["status"] == 200 and r["cpu"] < PAGE_MS)
        lines += ["", f"## Dashboard pages over HTTP ({ok} of {len(pages)} under {PAGE_MS:.0f} ms wall median,"
                  f" {ok_cpu} under {PAGE_MS:.0f} ms server CPU)",
                  "", f"gunicorn -w 2; peak RSS (VmHWM) MB: {', '.join(f'{k} {v}' for k, v in rss.items())}", "",
                  "| user | page | status | median ms | p95 ms | server CPU ms / page |",
                  "|---|---|---:|---:|---:|---:|"]
        for r in pages:
            lines.append(f"| {r['user']} | {r['page']} | {r['status']} | {r['median']:.1f} | {r['p95']:.1f} |"
                         f" {r['cpu']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--raw-repeat", type=int, default=3)
    parser.add_argument("--db", help="a copy of the bench database to read (never migrated)")
    parser.add_argument("--users", default="executive,rep_east1")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-charts", action="store_true", help="only the dashboard pages over HTTP")
    args = parser.parse_args()
    if args.db:
        import json

        manifest = json.loads(bp.MANIFEST.read_text())
        db_path = Path(args.db).resolve()
    else:
        if not (bp.DATA / "bench.sqlite.ready").exists():  # being built by someone else, or never built
            print(f"{bp.DB}.ready is missing: build the bench database first (bench_pages.py --build-only)"
                  " or pass --db a copy.", file=sys.stderr)
            return 2
        manifest = bp.ensure_database(1_000_000, 200_000, rebuild=False)
        db_path = bp.DB
    env = bp.environment(manifest) | {"DATABASE_URL": f"sqlite:///{db_path}"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CRM_INSTANCE_DIR")})
    loads = [os.getloadavg()]
    charts = [] if args.no_charts else measure_charts(args.users.split(","), args.repeat, args.raw_repeat)
    pages, rss = ([], {}) if args.no_http else measure_pages(env, manifest, max(3, args.repeat // 2))
    loads.append(os.getloadavg())
    text = report(charts, pages, rss, args, loads, db_path)
    bp.OUT.mkdir(parents=True, exist_ok=True)
    (bp.OUT / "analytics.md").write_text(text)
    print("\n" + text)
    return 0 if all(r["status"] == 200 for r in pages) else 1


if __name__ == "__main__":
    sys.exit(main())

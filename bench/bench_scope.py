"""What the data-scope rule costs on list pages at a million leads (issue: at most +20 %).

    .venv/bin/python bench/bench_scope.py [--repeat 15]

Uses the bench database of bench/bench_pages.py (built there; `--build-only` builds it) and a
gunicorn server like it. Each list's first page is requested by an admin (no scope), a sales
director (scope "all", through the scope code), a sales manager (department tree + pool) and a
sales rep (own + pool), round-robin so that a noisy neighbour slows every user alike. Prints
medians, the rows each user sees, and each scoped user's time relative to the admin's — for the
default list (counts capped at CRM_LIST_COUNT_CAP) and with the exact count (?exact=1).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pages as bp  # noqa: E402

USERS = ("admin", "director", "manager_east", "rep_east1")
ENTITIES = ("lead", "account", "opportunity", "activity")
COUNT = re.compile(rb"(?:Record Count|\xe8\xae\xb0\xe5\xbd\x95\xe6\x95\xb0(?:\xe7\x9b\xae)?)\s*:?\s*</strong>\s*:?\s*(?:<span[^>]*>)?([\d,]+\+?)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    manifest = bp.ensure_database(1_000_000, 200_000, rebuild=False)
    env = bp.environment(manifest)
    port = bp.free_port()
    load_before = os.getloadavg()
    server = bp.start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        browsers = {}
        for user in USERS:
            browsers[user] = bp.Browser(base)
            browsers[user].login(user, manifest["admin_password" if user == "admin" else "demo_password"])
        rows = []
        for entity, path in [(e, f"/{e}/list/") for e in ENTITIES] + [
                (f"{e} (exact count)", f"/{e}/list/?exact=1") for e in ENTITIES]:
            times = {user: [] for user in USERS}
            seen = {}
            for user in USERS:  # warm-up
                status, body, _ms = browsers[user].get(path)
                assert status == 200, (user, path, status)
                match = COUNT.search(body)
                seen[user] = match.group(1).decode() if match else "?"
            for _ in range(args.repeat):
                for user in USERS:
                    times[user].append(browsers[user].get(path)[2])
            medians = {user: statistics.median(values) for user, values in times.items()}
            rows.append((entity, medians, seen))
    finally:
        bp.stop_server(server)
    lines = [f"# Scope overhead on list pages ({time.strftime('%Y-%m-%d %H:%M %Z')})", "",
             f"- machine: {bp.machine()}",
             f"- load average before / after: {' '.join(f'{x:.2f}' for x in load_before)} / "
             f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
             f"- {args.repeat} requests per user and list, round-robin; medians in ms; rows = the list's count",
             "", "| list | " + " | ".join(USERS) + " | worst scoped / admin |",
             "|---|" + "---:|" * (len(USERS) + 1)]
    worst_all = 0.0
    for entity, medians, seen in rows:
        worst = max(medians[u] / medians["admin"] for u in USERS[1:])
        worst_all = max(worst_all, worst)
        cells = " | ".join(f"{medians[u]:.1f} ({seen[u]} rows)" for u in USERS)
        lines.append(f"| {entity} | {cells} | {(worst - 1) * 100:+.0f} % |")
    lines += ["", f"Worst overhead of the scope rule: {(worst_all - 1) * 100:+.0f} % (target: at most +20 %)."]
    text = "\n".join(lines)
    bp.OUT.mkdir(parents=True, exist_ok=True)
    (bp.OUT / "scope.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

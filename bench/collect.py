"""Gather the benchmark scripts' Markdown reports into BENCHMARKS.md at the repository root.

    .venv/bin/python bench/collect.py

Each script writes its own report under bench/out/ (or bench/results/); this puts them in one
file in a fixed order, so the README can quote one place. Reports that are missing are listed as
not run, never invented.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = (
    ("pages.md", "Pages: lists, searches, show pages and forms (`bench/bench_pages.py`)"),
    ("home.md", "Home page and to-do (`bench/bench_home.py`)"),
    ("analytics.md", "Analytics dashboards (`bench/bench_analytics.py`)"),
    ("import_export.md", "Import and export (`bench/bench_import_export.py`)"),
    ("bulk.md", "Bulk operations (`bench/bench_bulk.py`)"),
    ("scope.md", "What the data scope costs (`bench/bench_scope.py`)"),
    ("load.md", "Load and soak (`bench/load.py`)"),
)


def find(name: str) -> Path | None:
    for folder in ("bench/out", "bench/results"):
        path = ROOT / folder / name
        if path.is_file():
            return path
    return None


def main() -> int:
    parts = ["# Benchmarks", "",
             f"Collected {time.strftime('%Y-%m-%d %H:%M %Z')} by `make bench` (bench/collect.py). Each section"
             " names its machine, load average and versions; figures are medians / p95 in ms unless said otherwise.",
             ""]
    missing = []
    for name, title in REPORTS:
        path = find(name)
        if path is None:
            missing.append(title)
            continue
        body = path.read_text(encoding="utf-8").strip().splitlines()
        if body and body[0].startswith("# "):
            body = body[1:]  # each report's own title becomes this section's heading
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        parts += [f"## {title}", "", f"_report written {stamp}_", "", *body, ""]
    if missing:
        parts += ["## Not run in this collection", "", *(f"- {title}" for title in missing), ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote BENCHMARKS.md ({len(REPORTS) - len(missing)} of {len(REPORTS)} reports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

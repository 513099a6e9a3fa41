"""Import and export at spreadsheet scale, on the 1M-lead bench database (SQLite, this machine).

1. copies bench/data/bench.sqlite (built by `bench/bench_pages.py --build-only`) to a scratch file
   outside bench/data (default /tmp/crm-import-scratch.sqlite), so the shared bench database is
   never changed,
2. writes a CSV of N leads with Chinese headers, six mobile shapes, upper-case e-mails, some
   invalid rows and some leads that already exist in the database (duplicates to skip),
3. imports it through the real service (validation, duplicate check against every existing lead,
   bulk insert, history, undo records; committed in batches) and checks the counts,
4. measures the raw floor: the same number of rows written by one bare sqlite3 executemany into
   the lead table (then rolled back) — what the database alone costs with the table's indexes,
5. with --export: exports every lead (1M+) to CSV and to XLSX through the real streaming export,
   each in a fresh process, and reports time and that process's peak memory (ru_maxrss),
6. prints a Markdown table of everything (wall seconds, process CPU µs per row, rows/s, peak MB).

    .venv/bin/python bench/bench_import_export.py [--rows 100000] [--export] [--profile out.prof]
    .venv/bin/python bench/bench_import_export.py --export-only [--formats csv,xlsx]   # steps 1, 5 and 6 only

Targets (issue 7): import 100,000 rows in < 10 s (≥ 10,000 rows/s); export 1,000,000 leads to
CSV in < 15 s with a peak under 300 MB. The machine is shared: CPU µs per row is the steadier figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = ROOT / "bench" / "data" / "bench.sqlite"
SCRATCH = Path(tempfile.gettempdir()) / "crm-import-scratch.sqlite"
HEADERS = ["姓名", "公司", "职位", "手机", "邮箱", "微信", "来源", "省份", "城市", "备注"]
SOURCES = ["官网", "百度推广", "展会", "微信", "客户转介绍", "电话营销", "地推", "合作伙伴"]
CITIES = [("北京", "北京"), ("上海", "上海"), ("广东", "深圳"), ("浙江", "杭州"), ("江苏", "苏州"), ("四川", "成都")]


def remove_scratch(scratch: Path) -> None:
    """The scratch database with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def copy_database(source: Path, scratch: Path) -> None:
    if not source.exists():
        sys.exit(f"{source} is missing: build it first with  .venv/bin/python bench/bench_pages.py --build-only")
    if scratch.resolve().parent == source.resolve().parent:
        sys.exit("the scratch copy must not live next to the shared bench database")
    scratch.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    remove_scratch(scratch)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(scratch) as target:
        src.backup(target, pages=65536)
    print(f"copied {source.name} to {scratch} in {time.perf_counter() - started:.1f} s", flush=True)


def existing_mobiles(scratch: Path, limit: int) -> list[str]:
    with sqlite3.connect(scratch) as conn:
        return [r[0] for r in conn.execute(
            "SELECT mobile FROM lead WHERE mobile IS NOT NULL AND deleted_at IS NULL ORDER BY id LIMIT ?", (limit,))]


def write_csv(path: Path, rows: int, scratch: Path, seed: int = 7) -> dict:
    rng = random.Random(seed)
    taken = existing_mobiles(scratch, max(rows // 20, 1))  # 5 % of the rows are leads we already have
    invalid = duplicates_in_db = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            digits = f"1{rng.choice('3456789')}{i:09d}"
            shape = i % 6
            mobile = [digits, f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}", f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                      f"86{digits}", f"（+86）{digits}", f"{digits[:3]} {digits[3:7]} {digits[7:]}"][shape]
            email = f"BENCH{i}@Example.COM" if i % 3 == 0 else f"bench{i}@example.com"
            if i % 20 == 7 and taken:
                mobile, email = taken.pop(), ""
                duplicates_in_db += 1
            elif i % 500 == 11:
                email = f"broken{i}#example.com"
                invalid += 1
            province, city = CITIES[i % len(CITIES)]
            writer.writerow([f"测试{i}", f"上海明远{i % 5000}科技有限公司", "采购经理", mobile, email,
                             f"wx_{i}", SOURCES[i % len(SOURCES)], province, city, "展会上聊过"])
    return {"rows": rows, "invalid": invalid, "existing": duplicates_in_db}


def make_app(scratch: Path):
    os.environ.setdefault("CRM_INSTANCE_DIR", tempfile.mkdtemp(prefix="crm-bench-"))
    sys.path.insert(0, str(ROOT))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}", "CRM_SCHEDULER": False})


def run_import(path: Path, expected: dict, scratch: Path, profile: str | None) -> dict:
    from sqlalchemy import func, select

    app = make_app(scratch)
    from app.extensions import db
    from app.models import CrmUser, History, Lead
    from app.services.importing import import_file

    with app.app_context():
        user = db.session.scalar(select(CrmUser).where(CrmUser.username == "admin"))
        before = db.session.scalar(select(func.count()).select_from(Lead))
        history_before = db.session.scalar(select(func.max(History.id))) or 0
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        with open(path, "rb") as handle:
            report, batch = import_file("lead", handle, path.name, user, on_duplicate="skip")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        after = db.session.scalar(select(func.count()).select_from(Lead))
        history = db.session.scalar(select(func.count()).select_from(History).where(History.id > history_before))
    result = {"existing_leads": before, "file_rows": report.rows, "created": report.created,
              "skipped": report.skipped, "duplicates": report.duplicates, "failed": report.failed,
              "seconds": round(elapsed, 2), "cpu_s": round(cpu, 2), "rows_per_s": round(report.rows / elapsed),
              "cpu_us_per_row": round(cpu * 1e6 / report.rows), "leads_after": after, "history_rows": history,
              "batch": batch.id, "peak_rss_mb": peak_mb()}
    assert report.failed == expected["invalid"], (report.failed, expected)
    assert report.duplicates >= expected["existing"], (report.duplicates, expected)
    assert after - before == report.created and history == report.created
    return result


def run_floor(scratch: Path, rows: int) -> dict:
    """The same number of lead rows (same columns as an import fills) by one bare executemany, rolled back."""
    columns = ["person_name", "company_name", "title", "mobile", "email", "wechat", "channel", "source_id", "status",
               "province", "city", "description", "owner_id", "mobile_key", "email_key", "company_key",
               "created_at", "updated_at", "created_by_id", "updated_by_id", "version"]
    now = "2026-01-01 00:00:00.000000"
    data = [(f"测试{i}", f"上海明远{i % 5000}科技有限公司", "采购经理", f"19{i:09d}", f"floor{i}@example.com", f"wx_{i}",
             "online", 1, "new", "上海", "上海", "展会上聊过", 1, f"19{i:09d}", f"floor{i}@example.com",
             f"明远{i % 5000}", now, now, 1, 1, 1) for i in range(rows)]
    conn = sqlite3.connect(scratch, isolation_level=None)
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN")
    started, cpu = time.perf_counter(), time.process_time()
    conn.executemany(f"INSERT INTO lead ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", data)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.execute("ROLLBACK")
    conn.close()
    return {"rows": rows, "seconds": round(elapsed, 2), "cpu_s": round(cpu, 2), "rows_per_s": round(rows / elapsed),
            "cpu_us_per_row": round(cpu * 1e6 / rows)}


def peak_mb() -> int:
    """This process's own peak RSS (VmHWM). ru_maxrss is not: Linux keeps it across fork and exec, so a
    child started after the import would report the import's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_export(scratch: Path, fmt: str) -> dict:
    """In this (fresh) process: stream every lead to a file; time and peak memory."""
    app = make_app(scratch)
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CrmUser
    from app.services import export

    target = Path(tempfile.mkdtemp(prefix="crm-bench-export-")) / f"leads.{fmt}"
    with app.app_context(), app.test_request_context():
        admin = db.session.scalar(select(CrmUser).where(CrmUser.username == "admin"))
        req = export.ExportRequest(entity="lead", user=admin, format=fmt, door="system", language="zh")
        started, cpu = time.perf_counter(), time.process_time()
        if fmt == "csv":
            with open(target, "w", encoding="utf-8", newline="") as out:
                for chunk in export.stream_csv(req):
                    out.write(chunk)
        else:
            _path, rows = export.write_xlsx(req, str(target))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if fmt == "csv":
        with open(target, encoding="utf-8-sig") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
    size = target.stat().st_size
    target.unlink()
    return {"format": fmt, "rows": rows, "seconds": round(elapsed, 2), "cpu_s": round(cpu, 2),
            "rows_per_s": round(rows / elapsed), "cpu_us_per_row": round(cpu * 1e6 / max(rows, 1), 1),
            "file_mb": round(size / 2**20), "peak_rss_mb": peak_mb()}


def write_report(text: str) -> None:
    """bench/out/import_export.md, which bench/collect.py gathers into BENCHMARKS.md."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    head = (f"# Import and export\n\n{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, "
            f"{platform.platform()}, SQLite {sqlite3.sqlite_version}; targets: import ≥ 10,000 rows/s, "
            f"export 1,000,000 leads to CSV < 15 s and < 300 MB.\n\n")
    (out / "import_export.md").write_text(head + text + "\n")


def table(imported: dict | None, floor: dict | None, exports: list[dict], rows: int) -> str:
    out = ["| step | rows | wall s | CPU µs/row | rows/s | peak MB | target | verdict |",
           "|---|---:|---:|---:|---:|---:|---|---|"]
    if imported is None:  # --export-only
        out += export_rows(exports)
        out.append(f"\nLoad average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores.")
        return "\n".join(out)
    ok = imported["seconds"] < 10 * rows / 100_000
    out.append(f"| import CSV (validate, dedup vs {imported['existing_leads']:,} leads, history, undo records) "
               f"| {imported['file_rows']:,} | {imported['seconds']} | {imported['cpu_us_per_row']} "
               f"| {imported['rows_per_s']:,} | {imported['peak_rss_mb']} | ≥ 10,000 rows/s | {'PASS' if ok else 'MISS'} |")
    out.append(f"| raw floor: bare sqlite3 executemany into lead (same columns; its indexes and per-row triggers) | {floor['rows']:,} "
               f"| {floor['seconds']} | {floor['cpu_us_per_row']} | {floor['rows_per_s']:,} | – | – | – |")
    out += export_rows(exports)
    out.append("")
    out.append(f"import: created {imported['created']:,}, skipped {imported['skipped']:,}, duplicates "
               f"{imported['duplicates']:,}, failed {imported['failed']:,}; history rows {imported['history_rows']:,}. "
               f"Load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores.")
    return "\n".join(out)


def export_rows(exports: list[dict]) -> list[str]:
    out = []
    for e in exports:
        target = "< 15 s, < 300 MB" if e["format"] == "csv" else "flat memory"
        ok = (e["seconds"] < 15 if e["format"] == "csv" else True) and e["peak_rss_mb"] < 300
        out.append(f"| export {e['format'].upper()} (every lead, zh headers, scope, formula-safe) | {e['rows']:,} "
                   f"| {e['seconds']} | {e['cpu_us_per_row']} | {e['rows_per_s']:,} | {e['peak_rss_mb']} "
                   f"| {target} | {'PASS' if ok else 'MISS'} |")
    return out


def run_exports(scratch: Path, formats: str) -> list[dict]:
    """Each format in a fresh process (its own peak memory)."""
    exports = []
    for fmt in formats.split(","):
        done = subprocess.run([sys.executable, __file__, "--scratch", str(scratch), "--export-only-child", fmt],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        exports.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print("export:", json.dumps(exports[-1]), flush=True)
    return exports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the imported file")
    parser.add_argument("--export", action="store_true", help="also time the export of every lead (CSV and XLSX)")
    parser.add_argument("--formats", default="csv,xlsx", help="export formats with --export")
    parser.add_argument("--source", type=Path, default=DB, help="the bench database (read only)")
    parser.add_argument("--scratch", type=Path, default=SCRATCH, help="where the scratch copy goes")
    parser.add_argument("--no-copy", action="store_true", help="use the scratch file as it is (already a fresh copy)")
    parser.add_argument("--profile", help="write a cProfile of the import to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--export-only", action="store_true", help="time the exports only (no import)")
    parser.add_argument("--export-only-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_only_child:
        print(json.dumps(run_export(args.scratch, args.export_only_child)))
        return
    if not args.no_copy:
        copy_database(args.source, args.scratch)
    if args.export_only:
        try:
            text = table(None, None, run_exports(args.scratch, args.formats), 0)
            print()
            print(text)
            write_report(text)
        finally:
            if not args.keep:
                remove_scratch(args.scratch)
        return
    try:
        path = Path(tempfile.mkdtemp(prefix="crm-bench-")) / f"leads_{args.rows}.csv"
        expected = write_csv(path, args.rows, args.scratch)
        print(f"wrote {path.name}: {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MB), "
              f"{expected['invalid']} invalid, {expected['existing']} already in the database", flush=True)
        imported = run_import(path, expected, args.scratch, args.profile)
        print("import:", json.dumps(imported, ensure_ascii=False), flush=True)
        path.unlink()
        floor = run_floor(args.scratch, args.rows)
        print("floor:", json.dumps(floor), flush=True)
        exports = run_exports(args.scratch, args.formats) if args.export else []
        text = table(imported, floor, exports, args.rows)
        print()
        print(text)
        write_report(text)
    finally:
        if not args.keep:
            remove_scratch(args.scratch)


if __name__ == "__main__":
    main()

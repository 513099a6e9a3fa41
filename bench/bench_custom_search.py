"""The list search box over a custom text field 自定义字段 on a large lead table (SQLite).

    .venv/bin/python bench/bench_custom_search.py [--rows 1000000] [--repeat 15] [--keep DIR]

With `--keep DIR` the database is built in DIR and kept; a later run with the same DIR and
`--rows` measures again without building (DIR/built-<rows> marks a finished build). Without it the
temporary database is removed at the end.

Builds its own temporary database (migrations up to head), adds a searchable custom text field
"店铺名称 / Shop name", and loads `--rows` leads of which every other one holds a shop name
(random Chinese names plus a few planted ones), spread over 20 owners. The loader drops migration
0022's name-search and 0026's custom-search triggers, fills both FTS5 tables with the migrations'
own statements (0026's timed: what `flask db upgrade` costs on an existing table) and puts the
triggers back.

Measured, median of `--repeat` runs, in-process through SQLAlchemy (no HTTP):
- the lead list's search-box condition (app.views.panel.panel_clause: exact mobile/e-mail, name
  fragments, custom text fields) for a rare fragment, a common one, and one no record holds —
  COUNT of matches and the first page of 25, as an admin (all) and a sales rep (own + pool);
- the same custom-field condition written as a plain LIKE over json_extract (what the index avoids);
- the cost of the custom-search trigger per inserted lead with a shop name.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHARS = ("华东南北京海天地人和信达源泰安康美佳丰盛兴隆鑫宝金银星月光明阳春秋百千万家乐福"
         "贸易电子商务科技文化食品服饰家居五金茶庄书店药房超市便利餐饮咖啡花艺眼镜")
PLANTED = {"宁波众河电子商务旗舰店": 3, "苏州姑苏琴行": 40}


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(6, 12)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", help="build the database in this directory and keep it")
    args = parser.parse_args()
    workdir = args.keep or tempfile.mkdtemp(prefix="bench-cfsearch-")
    os.environ.setdefault("CRM_INSTANCE_DIR", workdir)
    from app import create_app
    from app.extensions import db

    url = f"sqlite:///{Path(workdir) / 'bench.sqlite'}"
    marker = Path(workdir) / f"built-{args.rows}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CRM_SCHEDULER": False, "TESTING": True})
    try:
        with app.app_context():
            if not marker.exists():
                _build(db, args)
                marker.touch()
            return _measure(db, args)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _build(db, args) -> None:
    from app.services import custom_fields as cf
    from app.services.setup import initialise

    started = time.perf_counter()
    initialise("Bench-Passw0rd!")
    from flask import current_app

    sm = current_app.appbuilder.sm
    owners = []
    for i in range(20):
        user = sm.add_user(f"rep{i}", "Rep", str(i), f"rep{i}@example.com", sm.find_role("Sales Rep"), "Bench-Passw0rd!")
        owners.append(user.id)
    field = cf.create_field("lead", cf.FieldInput("店铺名称", "Shop name"))
    key = field.key
    print(f"rows={args.rows:,}  setup {time.perf_counter() - started:.1f} s", flush=True)

    raw = db.engine.raw_connection()
    cur = raw.cursor()
    triggers = cur.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='lead' "
                           "AND (name LIKE 'lead_search_%' OR name LIKE 'lead_custom_search_%')").fetchall()
    for name, _sql in triggers:
        cur.execute(f'DROP TRIGGER "{name}"')
    columns = [r[1] for r in cur.execute("PRAGMA table_info(lead)") if r[1] != "id"]
    now = "2026-11-25 08:00:00.000000"
    base = {c: None for c in columns}
    base.update(channel="online", status="new", created_at=now, updated_at=now, version=1, is_pool=0)
    base = {c: v for c, v in base.items() if c in columns}
    rng = random.Random(7)
    planted = [name for name, n in PLANTED.items() for _ in range(n)]
    slots = set(rng.sample(range(0, args.rows, 2), len(planted)))
    placeholders = ",".join("?" * len(columns))
    insert = f"INSERT INTO lead ({','.join(columns)}) VALUES ({placeholders})"
    t0 = time.perf_counter()
    batch = []
    for i in range(args.rows):
        row = dict(base, person_name=f"客户{i}", company_name=f"公司{i}", mobile=f"1{i:010d}",
                   mobile_key=f"1{i:010d}", owner_id=owners[i % 20] if i % 10 else None)
        if i % 2 == 0:
            shop = planted.pop() if i in slots else _name(rng)
            row["custom"] = json.dumps({key: shop}, ensure_ascii=False)
        batch.append(tuple(row[c] for c in columns))
        if len(batch) == 50_000:
            cur.executemany(insert, batch)
            batch = []
    if batch:
        cur.executemany(insert, batch)
    raw.commit()
    print(f"loaded {args.rows:,} leads in {time.perf_counter() - t0:.1f} s", flush=True)

    t0 = time.perf_counter()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app" / "migrations" / "versions"))
    migration = __import__("0026_custom_fields_search")
    cur.execute("DELETE FROM lead_custom_search")
    cur.execute(f"INSERT INTO lead_custom_search(rowid, txt) SELECT id, x FROM (SELECT id, "
                f"({migration.pieces_select('lead', 'lead.custom')}) AS x FROM lead WHERE custom IS NOT NULL) "
                f"WHERE x IS NOT NULL")
    raw.commit()
    backfill = time.perf_counter() - t0
    print(f"custom search index filled (migration 0026's statement) in {backfill:.1f} s "
          f"({args.rows // 2:,} values)", flush=True)
    names = __import__("0022_search_speed")
    cur.execute("DELETE FROM lead_search")
    cur.execute(f"INSERT INTO lead_search(rowid, person_name, company_name) SELECT id, "
                f"{names._pieces_sql('person_name')}, {names._pieces_sql('company_name')} FROM lead")
    for _, sql in triggers:
        cur.execute(sql)
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()


def _measure(db, args) -> int:
    from sqlalchemy import func, select

    from app.models import CrmUser, Lead
    from app.security.scope import visibility_clause
    from app.services import custom_fields as cf
    from app.services.custom_fields.storage import value_expr
    from app.services.search import any_of, custom_text_clauses
    from app.views.lead import LeadView
    from app.views.panel import panel_clause

    admin = db.session.scalar(select(CrmUser).where(CrmUser.username == "admin"))
    rep = db.session.scalar(select(CrmUser).where(CrmUser.username == "rep0"))
    key = cf.fields_for("lead")[0].key

    panel = LeadView.panel
    import app.views.panel as panel_module

    for who, user in (("admin", admin), ("sales rep", rep)):  # the same search box without custom fields
        real = panel_module.custom_text_clauses
        panel_module.custom_text_clauses = lambda *a: []
        try:
            clauses = panel_clause(Lead, panel, user, {"q": "众河"})
        finally:
            panel_module.custom_text_clauses = real
        scope = visibility_clause(Lead, user)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            db.session.scalar(select(func.count()).select_from(Lead).where(scope, *clauses))
            db.session.execute(select(Lead.id).where(scope, *clauses).order_by(Lead.id.desc()).limit(25)).all()
            times.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()
        print(f"baseline (names, mobile, e-mail only) 众河 {who:9} count+page {statistics.median(times):8.1f} ms",
              flush=True)
    results = []
    for label, fragment in (("rare (3 records)", "众河"), ("40 records", "姑苏琴行"),
                            ("common piece", "电子"), ("no match", "不存在的店")):
        for who, user in (("admin", admin), ("sales rep", rep)):
            clauses = panel_clause(Lead, panel, user, {"q": fragment})
            scope = visibility_clause(Lead, user)
            count_stmt = select(func.count()).select_from(Lead).where(scope, *clauses)
            page_stmt = select(Lead.id).where(scope, *clauses).order_by(Lead.id.desc()).limit(25)
            times, found = [], None
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                found = db.session.scalar(count_stmt)
                db.session.execute(page_stmt).all()
                times.append((time.perf_counter() - t0) * 1000)
                db.session.rollback()
            results.append((label, fragment, who, found, statistics.median(times)))
            print(f"{label:18} {fragment:8} {who:9} matches={found:>7,}  count+page {statistics.median(times):8.1f} ms",
                  flush=True)

    for fragment in ("众河", "电子"):  # the custom-field condition alone, as the admin
        only = any_of(Lead, custom_text_clauses(Lead, admin, fragment))
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            n = db.session.scalar(select(func.count()).select_from(Lead).where(only))
            db.session.execute(select(Lead.id).where(only).order_by(Lead.id.desc()).limit(25)).all()
            times.append((time.perf_counter() - t0) * 1000)
        print(f"custom-field condition alone, admin, {fragment}: matches={n:,}  count+page "
              f"{statistics.median(times):.1f} ms", flush=True)

    like = func.lower(value_expr(Lead, key)).like("%众河%")
    times = []
    for _ in range(max(3, args.repeat // 5)):
        t0 = time.perf_counter()
        n = db.session.scalar(select(func.count()).select_from(Lead).where(like))
        times.append((time.perf_counter() - t0) * 1000)
    print(f"plain LIKE over json_extract (no index), admin, '众河': matches={n}  {statistics.median(times):.1f} ms")

    template = dict(db.session.execute(select(Lead.__table__).where(Lead.id == 1)).mappings().one())
    template.pop("id")
    timings = {}
    for label, custom in (("without a custom value", None), ("with a 10-character shop name", {key: "新开的小店铺测试一下"})):
        rows = [dict(template, mobile=f"2{i:010d}", mobile_key=f"2{i:010d}", custom=custom) for i in range(2_000)]
        t0 = time.perf_counter()
        db.session.execute(Lead.__table__.insert(), rows)
        timings[label] = (time.perf_counter() - t0) * 1000 / len(rows)
        db.session.rollback()
    print("insert per lead (all triggers): " + ", ".join(f"{k} {v:.3f} ms" for k, v in timings.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

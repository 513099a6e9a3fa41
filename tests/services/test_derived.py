"""An import's leads get their search pieces and summary counts in bulk, with the per-row triggers standing
aside only inside the importing transaction (migration 0030): the result equals what the triggers give."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import BulkWrite, Lead
from app.services.analytics import rollup
from app.services.derived import triggers_aside
from app.services.importing import import_file
from app.services.search import name_search_clauses

from ..factories import make_lead


def _csv(rows: int) -> bytes:
    lines = ["姓名,公司,手机,渠道"] + [f"客户{i},宁波众河{i}号电子有限公司,1391111{i:04d},online" for i in range(rows)]
    return "\n".join(lines).encode("utf-8")


def test_imported_leads_are_searchable_and_counted_exactly(users):
    rep = users["Sales Rep"]
    make_lead(owner=rep, person_name="早在", company_name="甬江试验仪器有限公司")  # through the triggers
    report, _batch = import_file("lead", io.BytesIO(_csv(40)), "f.csv", rep, on_duplicate="skip")
    assert report.created == 40
    found = db.session.scalars(select(Lead.id).where(db.or_(*name_search_clauses(
        Lead, ("person_name", "company_name"), "众河1")))).all()
    assert len(found) == 11  # 众河1号, 众河10号 … 众河19号
    differences = rollup.verify()
    assert differences and not any(differences.values()), differences
    assert db.session.scalar(select(func.count()).select_from(BulkWrite)) == 0
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM lead_search")) == 41


def test_other_writes_keep_their_triggers(users):
    lead = make_lead(owner=users["Sales Rep"], person_name="王小明", company_name="北辰科技")
    hits = db.session.scalars(select(Lead.id).where(db.or_(*name_search_clauses(
        Lead, ("person_name", "company_name"), "辰科")))).all()
    assert hits == [lead.id]
    differences = rollup.verify()
    assert not any(differences.values()), differences


def test_rows_inserted_with_the_triggers_aside_must_be_filled(app_ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no per-row triggers to set aside")
    conn = db.session.connection()
    with pytest.raises(RuntimeError), triggers_aside(conn, Lead.__table__):
        pass
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BulkWrite)) == 0

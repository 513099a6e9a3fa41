"""Imports commit in slices: others can write meanwhile, and a late failure still leaves nothing."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import History, ImportBatch, ImportFailure, ImportRecord, ImportStatus, Lead
from app.services.importing import import_file
from app.services.importing import pipeline as pipeline_module
from tests.factories import make_lead


def _file(rows: int, extra: str = "") -> io.BytesIO:
    body = "".join(f"人{i},1380013{i:04d},城{i}\n" for i in range(rows))
    return io.BytesIO(("姓名,手机,城市\n" + body + extra).encode("utf-8"))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _outside_count(sql: str) -> int:
    """What another connection (another person) sees: committed rows only."""
    with sqlite3.connect(db.engine.url.database, timeout=0) as other:
        return other.execute(sql).fetchone()[0]


@pytest.fixture
def sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock checked here is SQLite's")


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setitem(current_app.config, "CRM_IMPORT_COMMIT_ROWS", 4)
    monkeypatch.setattr(pipeline_module, "CHUNK_ROWS", 10)


def test_other_people_can_write_between_slices(users, sqlite_only, small_slices, monkeypatch):
    original = pipeline_module._insert
    seen = []

    def watching_insert(model, frame, job):
        # before this slice writes: the slices before it are committed and the write lock is free
        seen.append(_outside_count("SELECT count(*) FROM lead"))
        with sqlite3.connect(db.engine.url.database, timeout=0) as other:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the import still held the lock
            other.execute("ROLLBACK")
        return original(model, frame, job)

    monkeypatch.setattr(pipeline_module, "_insert", watching_insert)
    report, batch = import_file("lead", _file(22), "f.csv", users["Sales Rep"])
    assert report.created == 22
    assert seen == [0, 4, 8, 10, 14, 18, 20]  # chunks of 10 rows, slices of 4
    assert batch.status == ImportStatus.DONE and batch.processed_rows == 22
    assert count(History) == 22 and count(ImportRecord) == 22


def test_a_late_failure_takes_back_the_committed_slices(users, sqlite_only, small_slices, monkeypatch):
    rep = users["Sales Rep"]
    kept = make_lead(owner=rep, person_name="旧", mobile="13900139000", city="北京")
    original = pipeline_module._insert
    committed_before_failure = []

    def failing_insert(model, frame, job):
        if job.processed >= 10:  # second chunk: the first chunk's slices are committed by now
            committed_before_failure.append(_outside_count("SELECT count(*) FROM lead"))
            raise RuntimeError("disk full")
        return original(model, frame, job)

    monkeypatch.setattr(pipeline_module, "_insert", failing_insert)
    text = "姓名,手机,城市\n旧,13900139000,上海\n坏,12,北京\n" + "".join(f"人{i},1380013{i:04d},城\n" for i in range(20))
    with pytest.raises(RuntimeError):
        import_file("lead", io.BytesIO(text.encode("utf-8")), "f.csv", rep, on_duplicate="update")
    assert committed_before_failure == [1 + 8]  # the old lead and 8 new ones were saved, then it failed
    db.session.expire_all()
    assert count(Lead) == 1 and db.session.get(Lead, kept.id).city == "北京"  # the update was restored
    assert _outside_count("SELECT count(*) FROM lead") == 1
    assert count(ImportRecord) == 0 and count(ImportFailure) == 0
    assert set(db.session.scalars(select(History.action).where(History.record_id != kept.id))) == set()
    batch = db.session.scalars(select(ImportBatch)).one()
    assert batch.status == ImportStatus.FAILED and batch.created == 0
    assert batch.error == str(_l("The import stopped on an unexpected error; nothing was imported."))


def test_history_of_created_rows_is_the_json_of_their_values(users):
    text = io.StringIO()
    csv.writer(text).writerows([["姓名", "手机", "城市", "备注"], ['王"五"', "13800138000", "", "第一行\\n=1\t二\u2028三"]])
    report, _ = import_file("lead", io.BytesIO(text.getvalue().encode()), "f.csv", users["Sales Rep"])
    assert report.created == 1
    lead = db.session.scalars(select(Lead)).one()
    changes = db.session.scalars(select(History.changes).where(History.record_id == lead.id)).one()
    assert changes == {"person_name": [None, '王"五"'], "mobile": [None, "13800138000"],
                       "description": [None, "第一行\\n=1\t二\u2028三"], "channel": [None, "online"],
                       "status": [None, "new"], "owner_id": [None, users["Sales Rep"].id]}

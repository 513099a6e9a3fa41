"""Duplicates policies, undo, ownership, all-or-nothing, conversions, and hostile strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import History, ImportBatch, ImportStatus, Lead, Opportunity
from app.services import export
from app.services.errors import CrmError
from app.services.importing import batches, import_file
from app.services.importing import pipeline as pipeline_module
from tests.factories import make_account, make_lead


def _csv(text: str):
    return io.BytesIO(text.encode("utf-8"))


def _import(user, text, entity="lead", **kw):
    return import_file(entity, _csv(text), "f.csv", user, **kw)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_update_policy_fills_the_existing_record_and_undo_restores_it(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王五", mobile="13800138000", city="北京")
    report, batch = _import(rep, "姓名,手机,城市,邮箱\n王五,+86 138 0013 8000,上海,w@x.cn\n新人,13900139000,,n@x.cn\n",
                            on_duplicate="update")
    assert (report.created, report.updated, report.skipped, report.duplicates) == (1, 1, 0, 1)
    db.session.expire_all()
    assert (lead.city, lead.email, lead.version) == ("上海", "w@x.cn", 2)
    assert lead.email_key == "w@x.cn"
    changed = db.session.scalars(select(History).where(History.record_id == lead.id, History.door == "import")).one()
    assert changed.changes["city"] == ["北京", "上海"]
    result = batches.undo(batch, rep)
    assert result == {"removed": 1, "restored": 1, "kept": 0}
    db.session.expire_all()
    assert (lead.city, lead.email) == ("北京", None)
    assert count(Lead) == 1
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.UNDONE
    with pytest.raises(CrmError):
        batches.undo(db.session.get(ImportBatch, batch.id), rep)


def test_undo_leaves_records_changed_after_the_import(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王五", mobile="13800138000")
    _report, batch = _import(rep, "姓名,手机,城市\n王五,13800138000,上海\n", on_duplicate="update")
    lead = db.session.get(Lead, lead.id)
    lead.city = "广州"
    db.session.commit()
    assert batches.undo(batch, rep)["kept"] == 1
    assert db.session.get(Lead, lead.id).city == "广州"


def test_update_never_touches_records_outside_the_importers_scope(users):
    other = users["Sales Manager"]
    lead = make_lead(owner=other, person_name="王五", mobile="13800138000", city="北京")
    report, _ = _import(users["Sales Rep"], "姓名,手机,城市\n王五,13800138000,上海\n", on_duplicate="update")
    assert (report.updated, report.skipped) == (0, 1)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).city == "北京"


def test_create_policy_creates_duplicates_anyway(users):
    make_lead(owner=users["Sales Rep"], person_name="王五", mobile="13800138000")
    report, _ = _import(users["Sales Rep"], "姓名,手机\n王五,13800138000\n王五,13800138000\n", on_duplicate="create")
    assert (report.created, report.duplicates) == (2, 2)
    assert count(Lead) == 3


def test_owner_column_only_for_users_the_importer_may_assign_to(users):
    text = "姓名,手机,负责人\n甲,13800138001,sales_rep\n乙,13800138002,chief\n丙,13800138003,nobody\n"
    report, _ = _import(users["Sales Rep"], text)
    assert {e["row"]: e["reason"] for e in report.errors} == {3: "owner_scope", 4: "owner"}
    assert set(db.session.scalars(select(Lead.owner_id))) == {users["Sales Rep"].id}
    db.session.execute(Lead.__table__.delete())
    db.session.commit()
    report, _ = _import(users["Sales Manager"], "姓名,手机,负责人\n甲,13800138001,sales_rep\n")
    assert report.created == 1
    assert db.session.scalar(select(Lead.owner_id)) == users["Sales Rep"].id


def test_a_crash_midway_leaves_nothing_behind(users, monkeypatch):
    rows = "".join(f"人{i},1380013{i:04d}\n" for i in range(30))
    original = pipeline_module._insert
    calls = []

    def failing_insert(model, frame, job):
        calls.append(len(frame))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(model, frame, job)

    monkeypatch.setattr(pipeline_module, "_insert", failing_insert)
    monkeypatch.setattr(pipeline_module, "CHUNK_ROWS", 10)
    with pytest.raises(RuntimeError):
        _import(users["Sales Rep"], "姓名,手机\n" + rows)
    assert calls == [10, 10]  # the first chunk was written, then the import died
    assert count(Lead) == 0
    assert count(History) == 0
    batch = db.session.scalars(select(ImportBatch)).one()
    assert batch.status == ImportStatus.FAILED and batch.created == 0
    assert batch.error


def test_enum_labels_dates_and_amounts(users):
    manager = users["Sales Manager"]
    account = make_account(owner=manager, name="上海明远科技有限公司")
    text = ("商机名称,客户,金额,币种,阶段,预计成交日期\n"
            "大单,上海明远科技,\"¥12,000.50\",人民币,Proposal / quote,2025年3月1日\n"
            "小单,上海明远科技,3万,USD ($),需求确认,2025/04/02\n"
            "坏单,上海明远科技,十块,CNY,胡说,明天\n"
            "无主,不存在公司,100,,,\n")
    report, _ = _import(manager, text, entity="opportunity")
    assert report.created == 2, [(e["row"], e["reason"], e["message"]) for e in report.errors]
    assert {(e["row"], e["reason"]) for e in report.errors} == {(4, "amount"), (4, "stage"), (4, "date"),
                                                                 (5, "account")}
    big, small = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).all()
    assert (big.amount, big.currency, big.expected_close_date) == (Decimal("12000.50"), "CNY", dt.date(2025, 3, 1))
    assert (small.amount, small.currency, small.expected_close_date) == (Decimal("30000"), "USD", dt.date(2025, 4, 2))
    assert big.account_id == small.account_id == account.id
    assert big.stage.name_en == "Proposal / quote" and small.stage.name_zh == "需求确认"


def test_lead_enum_labels_in_either_language_become_codes(users):
    text = "姓名,手机,状态,评级,行业\n甲,13800138001,已联系,Hot,制造业\n乙,13800138002,Qualified,冷,IT and software\n"
    report, _ = _import(users["Sales Rep"], text)
    assert report.failed == 0, report.errors
    rows = db.session.execute(select(Lead.status, Lead.rating, Lead.industry).order_by(Lead.id)).all()
    assert rows == [("contacted", "hot", "manufacturing"), ("qualified", "cold", "it")]


HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "=HYPERLINK(\"http://x\")", "-10"]


def test_hostile_strings_round_trip_without_a_formula(users, tmp_path):
    rep = users["Sales Rep"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "手机", "备注"])
    for i, h in enumerate(HOSTILE):
        writer.writerow([h, f"1380013{i:04d}", h])
    report, _ = _import(rep, buffer.getvalue())
    assert report.created == len(HOSTILE), report.errors
    stored = set(db.session.scalars(select(Lead.person_name)))
    assert stored == {h.strip() for h in HOSTILE}  # kept as plain text in the database
    req = export.ExportRequest(entity="lead", user=rep, format="csv", language="en")
    text = "".join(export.stream_csv(req))
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (cell.startswith("-") and cell != "-10"), cell
    assert "'=cmd|' /C calc'!A0" in cells and "-10" in cells
    path, rows = export.write_xlsx(export.ExportRequest(entity="lead", user=rep, format="xlsx", language="en"),
                                   str(tmp_path / "x.xlsx"))
    assert rows == len(HOSTILE)
    book = openpyxl.load_workbook(path)
    kinds = {cell.data_type for row in book.active.iter_rows() for cell in row}
    assert "f" not in kinds
    values = {cell.value for row in book.active.iter_rows() for cell in row}
    assert "=cmd|' /C calc'!A0" in values  # shown as the text it is
    # and back in: the escaped CSV re-imports to the same text
    db.session.execute(Lead.__table__.delete())
    db.session.commit()
    again, _ = import_file("lead", io.BytesIO(text.encode("utf-8")), "export.csv", rep)
    assert again.created == len(HOSTILE), again.errors
    assert set(db.session.scalars(select(Lead.person_name))) == stored

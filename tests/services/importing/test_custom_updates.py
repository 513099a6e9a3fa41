"""Custom fields 自定义字段 in imports that update existing records, their undo, and duplicates found by
a custom field marked for the duplicate check."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import History, Lead
from app.services import custom_fields as cf
from app.services.custom_fields import values as cfv
from app.services.importing import batches, import_file
from tests.factories import make_lead


@pytest.fixture
def fields(app_ctx):
    return {
        "shop": cf.create_field("lead", cf.FieldInput("店铺名称", "Shop name")),
        "grade": cf.create_field("lead", cf.FieldInput("客户等级来源", "Grade source", kind="choice",
                                                       choices_text="展会 | Trade show\n官网 | Website")),
        "seats": cf.create_field("lead", cf.FieldInput("座位数", "Seats", kind="number")),
    }


def _import(user, text, entity="lead", **kw):
    return import_file(entity, io.BytesIO(text.encode("utf-8")), "f.csv", user, **kw)


def _stored(lead_id):
    db.session.expire_all()
    return db.session.get(Lead, lead_id).custom


def test_update_policy_writes_mapped_custom_values_and_keeps_the_others(users, fields):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王五", mobile="13800138000")
    cfv.store(lead, {"shop_name": "老店", "seats": 12})
    db.session.commit()
    report, batch = _import(rep, "姓名,手机,店铺名称,客户等级来源\n王五,13800138000,新店,官网\n", on_duplicate="update")
    assert (report.updated, report.created) == (1, 0)
    assert _stored(lead.id) == {"shop_name": "新店", "grade_source": "c2", "seats": 12}  # seats not in the file
    entry = db.session.scalars(select(History).where(History.record_id == lead.id, History.door == "import")).one()
    assert entry.changes["custom.shop_name"] == ["老店", "新店"]
    assert entry.changes["custom.grade_source"] == [None, "c2"]
    assert "custom.seats" not in entry.changes

    assert batches.undo(batch, rep) == {"removed": 0, "restored": 1, "kept": 0}
    assert _stored(lead.id) == {"shop_name": "老店", "seats": 12}
    undone = db.session.scalars(select(History).where(History.record_id == lead.id)
                                .order_by(History.id.desc())).first()
    assert undone.changes["custom.shop_name"] == ["新店", "老店"]


def test_an_empty_custom_cell_leaves_the_stored_value_and_same_values_change_nothing(users, fields):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王五", mobile="13800138000")
    cfv.store(lead, {"shop_name": "老店"})
    db.session.commit()
    report, _ = _import(rep, "姓名,手机,店铺名称\n王五,13800138000,\n", on_duplicate="update")
    assert (report.updated, report.skipped) == (0, 1)
    report, _ = _import(rep, "姓名,手机,店铺名称\n王五,13800138000,老店\n", on_duplicate="update")
    assert (report.updated, report.skipped) == (0, 1)
    assert _stored(lead.id) == {"shop_name": "老店"}


def test_a_dry_run_counts_a_custom_only_change_as_an_update(users, fields):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王五", mobile="13800138000")
    report, _ = _import(rep, "姓名,手机,座位数\n王五,13800138000,30\n", on_duplicate="update", dry_run=True)
    assert report.updated == 1
    assert _stored(lead.id) is None


def test_a_custom_field_marked_for_the_check_finds_duplicates_in_imports(users, app_ctx):
    tax = cf.create_field("lead", cf.FieldInput("税号", "Tax ID", duplicate_check=True))
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="老王", mobile="13800138000")
    cfv.store(lead, {tax.key: "91330100ABC"})
    db.session.commit()
    csv = ("姓名,手机,税号,城市\n"
           "王五,13911112222, 91330100abc ,上海\n"    # same tax id, other mobile: the existing record
           "赵六,13933334444,NEW-1,\n"
           "钱七,13955556666,new-1,\n")              # a duplicate of the row above, within the file
    report, _ = _import(rep, csv, on_duplicate="skip")
    assert (report.created, report.skipped, report.duplicates) == (1, 2, 2)
    report, _ = _import(rep, "姓名,手机,税号,城市\n王五,13911112222,91330100ABC,上海\n", on_duplicate="update")
    assert report.updated == 1
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).city == "上海"
    assert db.session.scalar(select(func.count(Lead.id))) == 2


def test_the_preview_marks_a_duplicate_found_by_a_custom_field(users, app_ctx):
    tax = cf.create_field("lead", cf.FieldInput("税号", "Tax ID", duplicate_check=True))
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="老王", mobile="13800138000")
    cfv.store(lead, {tax.key: "91330100ABC"})
    db.session.commit()
    csv = "姓名,手机,税号\n王五,13911112222,91330100abc\n赵六,13933334444,NEW-1\n"
    batch, _table = batches.start("lead", "f.csv", io.BytesIO(csv.encode("utf-8")), rep)
    assert [row["state"] for row in batches.preview(batch, rep)] == ["duplicate", "ok"]

"""Custom fields 自定义字段 through the service: definitions, values, filtering, indexes, history."""

from __future__ import annotations

import sqlite3

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from app.extensions import db
from app.models import History, Lead
from app.models.actor import acting_as
from app.services import custom_fields as cf
from app.services.custom_fields import storage
from app.services.custom_fields import values as cfv
from app.services.errors import ValidationFailed
from tests.factories import make_account, make_lead


@pytest.fixture(autouse=True)
def _english(app_ctx):
    with force_locale("en"):
        yield


def choice_field(entity="lead", **over):
    data = cf.FieldInput("客户等级来源", "Grade source", kind="choice",
                         choices_text="展会 | Trade show\n官网 | Website\n转介绍 | Referral")
    for key, value in over.items():
        setattr(data, key, value)
    return cf.create_field(entity, data)


def test_choice_field_gets_codes_labels_in_both_languages_and_an_expression_index(app_ctx):
    field = choice_field()
    assert field.key == "grade_source" and field.name == "cf_grade_source"
    assert [c["code"] for c in field.choices] == ["c1", "c2", "c3"]
    assert field.choices[0] == {"code": "c1", "zh": "展会", "en": "Trade show"}
    assert ("lead", "grade_source") in storage.existing_indexes(cf.ENTITIES)
    if db.engine.dialect.name == "sqlite":
        sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ix_cf_lead_grade_source'"))
        assert "json_extract(custom, '$.grade_source')" in sql
    else:
        sql = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cf_lead_grade_source'"))
        assert "->> 'grade_source'" in sql


def test_filter_finds_the_records_with_the_expression_the_index_holds(app_ctx, users, tmp_path):
    field = choice_field()
    rep = users["Sales Rep"]
    hit = make_lead(owner=rep)
    miss = make_lead(owner=rep)
    cfv.store(hit, {"grade_source": "c2"})
    cfv.store(miss, {"grade_source": "c1"})
    db.session.commit()
    clauses = cf.filter_clauses(Lead, rep, {"cf_grade_source": "c2"})
    assert db.session.scalars(select(Lead.id).where(*clauses)).all() == [hit.id]
    assert field.choice_label("c2") in ("官网", "Website")
    if db.engine.dialect.name != "sqlite":
        return  # the plan below is SQLite's; PostgreSQL's expression is checked in the test above
    sql = str(select(Lead.id).where(*clauses).compile(db.engine, compile_kwargs={"literal_binds": True}))
    # the planner of a lead table with no statistics (the test database's are of an empty table)
    probe = sqlite3.connect(tmp_path / "plan.sqlite")
    probe.execute("CREATE TABLE lead (id INTEGER PRIMARY KEY, custom JSON)")
    probe.execute(storage.index_sql("sqlite", "lead", "grade_source"))
    plan = probe.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    assert any("ix_cf_lead_grade_source" in str(row) for row in plan), plan


def test_renaming_a_choice_keeps_its_code_and_dropping_one_keeps_it_readable(app_ctx):
    field = choice_field()
    cf.update_field(field.id, cf.FieldInput("客户等级来源", "Grade source", kind="choice",
                                            choices_text="c1: 展览会 | Exhibition\nc3: 转介绍 | Referral\n电话 | Phone"))
    codes = {c["code"]: c for c in field.choices}
    assert codes["c1"]["zh"] == "展览会" and codes["c2"].get("retired") is True
    assert codes["c4"]["en"] == "Phone"
    assert "c2" not in dict(field.choice_options())


def test_definition_errors_are_refused(app_ctx):
    with pytest.raises(ValidationFailed):
        cf.create_field("lead", cf.FieldInput("", "No Chinese"))
    with pytest.raises(ValidationFailed):
        cf.create_field("lead", cf.FieldInput("等级", "Grade", kind="choice", choices_text=""))
    with pytest.raises(ValidationFailed):
        cf.create_field("lead", cf.FieldInput("链接", "Link", kind="link", link_entity="ticket"))
    with pytest.raises(ValidationFailed):
        cf.create_field("activity", cf.FieldInput("x", "x"))
    with pytest.raises(ValidationFailed):
        cf.create_field("lead", cf.FieldInput("数", "Count", kind="number", default_value="abc"))


@pytest.mark.parametrize(("kind", "raw", "stored"), [
    ("text", " 你好 ", "你好"),
    ("long_text", "多行\n文本", "多行\n文本"),
    ("number", "1,200", 1200),
    ("number", "2.5", 2.5),
    ("money", "¥1,234.5", "1234.50"),
    ("date", "2026/11/25", "2026-11-25"),
    ("yes_no", "是", True),
    ("yes_no", "no", False),
])
def test_each_simple_kind_parses_text(app_ctx, kind, raw, stored):
    field = cf.create_field("lead", cf.FieldInput("字段", f"Field {kind}", kind=kind))
    assert cfv.parse_text(field, raw) == stored


@pytest.mark.parametrize(("kind", "raw"), [("number", "abc"), ("money", "1.2.3"), ("date", "25.11.2026"),
                                           ("yes_no", "maybe"), ("text", "x" * 256)])
def test_bad_text_is_refused_with_a_message(app_ctx, kind, raw):
    field = cf.create_field("lead", cf.FieldInput("字段", f"Field {kind}", kind=kind))
    with pytest.raises(ValueError, match=r".+"):
        cfv.parse_text(field, raw)


def test_choices_accept_codes_and_labels_in_either_language(app_ctx):
    single = choice_field()
    multi = cf.create_field("lead", cf.FieldInput("标签", "Labels", kind="multi_choice",
                                                  choices_text="甲 | Alpha\n乙 | Beta"))
    assert cfv.parse_text(single, "官网") == "c2"
    assert cfv.parse_text(single, "referral") == "c3"
    assert cfv.parse_text(multi, "甲、Beta") == ["c1", "c2"]
    with pytest.raises(ValueError):
        cfv.parse_text(single, "电视")


def test_required_unique_user_and_link_checks(app_ctx, users):
    rep = users["Sales Rep"]
    code = cf.create_field("lead", cf.FieldInput("编号", "Code", kind="text", required=True, unique=True))
    owner = cf.create_field("lead", cf.FieldInput("跟进人", "Follower", kind="user"))
    link = cf.create_field("lead", cf.FieldInput("关联客户", "Related account", kind="link", link_entity="account"))
    first = make_lead(owner=rep)
    cfv.store(first, {"code": "A-1"})
    db.session.commit()
    assert cfv.check_all("lead", {}, user=rep, record_id=None, creating=True) == {
        "cf_code": ["This field is required."]}
    assert cfv.check(code, "A-1", user=rep, record_id=None) == "Another record already has this value."
    assert cfv.check(code, "A-1", user=rep, record_id=first.id) is None
    assert cfv.check(owner, rep.id, user=rep, record_id=None) is None
    assert cfv.check(owner, 99999, user=rep, record_id=None) == "Not found."
    mine = make_account(owner=rep)
    theirs = make_account(owner=users["Sales Manager"])
    assert cfv.check(link, mine.id, user=rep, record_id=None) is None
    assert cfv.check(link, theirs.id, user=rep, record_id=None) == "Not found."  # outside the rep's scope


def test_role_restricted_field_is_hidden_from_other_roles(app_ctx, users):
    secret = cf.create_field("lead", cf.FieldInput("底价", "Floor price", kind="money",
                                                   view_roles=["Sales Manager"], edit_roles=["Sales Manager"]))
    assert secret not in cf.visible_fields("lead", users["Sales Rep"])
    assert secret in cf.visible_fields("lead", users["Sales Manager"])
    assert secret in cf.visible_fields("lead", users["Admin"])
    assert cf.can_edit(secret, users["Sales Manager"]) and not cf.can_edit(secret, users["Sales Rep"])


def test_hide_retire_restore_and_reorder_keep_values(app_ctx, users):
    field = choice_field()
    other = cf.create_field("lead", cf.FieldInput("备注二", "Second note"))
    lead = make_lead(owner=users["Sales Rep"])
    cfv.store(lead, {"grade_source": "c1"})
    db.session.commit()
    cf.move_field(other.id, -1)
    assert [f.key for f in cf.fields_for("lead")] == ["second_note", "grade_source"]
    cf.retire_field(field.id)
    assert field not in cf.fields_for("lead")
    db.session.refresh(lead)
    assert lead.custom == {"grade_source": "c1"}  # nothing lost
    cf.restore_field(field.id)
    cf.set_hidden(field.id, True)
    assert field not in cf.fields_for("lead") and field in cf.fields_for("lead", include_hidden=True)


def test_history_records_each_custom_field_old_and_new(app_ctx, users):
    choice_field()
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    with acting_as(rep.id, "ui"):
        cfv.store(lead, {"grade_source": "c1"})
        db.session.commit()
        cfv.store(lead, {"grade_source": "c3"})
        db.session.commit()
    changes = [h.changes for h in db.session.scalars(
        select(History).where(History.entity == "lead", History.record_id == lead.id).order_by(History.id))]
    assert changes[-2:] == [{"custom.grade_source": [None, "c1"]}, {"custom.grade_source": ["c1", "c3"]}]
    label, old, new = cfv.describe_change("lead", "grade_source", "c1", "c3", user=rep)
    assert label == "Grade source" and (old, new) == ("Trade show", "Referral")

"""Custom fields 自定义字段 in the duplicate check 查重: service, screen form and REST API (409)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from app.extensions import db
from app.models import Lead
from app.services import custom_fields as cf
from app.services import duplicates
from app.services.custom_fields import values as cfv
from app.services.custom_fields.storage import match_key
from app.services.errors import CrmError
from tests.factories import make_account, make_lead, make_user


def tax_field(entity="lead", **over):
    data = cf.FieldInput("税号", "Tax ID", kind="text", duplicate_check=True)
    for key, value in over.items():
        setattr(data, key, value)
    return cf.create_field(entity, data)


def with_value(record, **values):
    cfv.store(record, values)
    db.session.commit()
    return record


def test_match_key_ignores_spaces_and_case_and_keeps_numbers():
    assert match_key("  91330100AbC ") == "91330100abc"
    assert match_key(12) == "12" and match_key(12.5) == "12.5"
    assert match_key("") is None and match_key(None) is None and match_key(True) is None


def test_only_text_and_number_fields_can_be_used_by_the_check(app_ctx):
    assert tax_field().duplicate_check is True
    assert cf.create_field("lead", cf.FieldInput("日", "Day", kind="date", duplicate_check=True)).duplicate_check is False
    assert cf.create_field("lead", cf.FieldInput("数", "Seats", kind="number",
                                                 duplicate_check=True)).duplicate_check is True


def test_a_record_with_the_same_normalised_value_is_a_candidate(app_ctx, users):
    tax_field()
    rep = users["Sales Rep"]
    twin = with_value(make_lead(owner=rep, mobile="13700000001"), tax_id="91330100ABC")
    with_value(make_lead(owner=rep, mobile="13700000002"), tax_id="91330100XYZ")
    found = duplicates.find_duplicates("lead", {"custom": {"tax_id": " 91330100abc "}}, rep)
    assert [(c.entity, c.id, c.matched) for c in found] == [("lead", twin.id, ["cf_tax_id"])]
    with force_locale("en"):
        assert found[0].matched_labels == "Tax ID"
    # a form sends the text field cf_<key>
    assert [c.id for c in duplicates.find_duplicates("lead", {"cf_tax_id": "91330100abc"}, rep)] == [twin.id]
    # the record itself is not its own duplicate
    assert duplicates.find_duplicates("lead", {"custom": {"tax_id": "91330100ABC"}}, rep, exclude_id=twin.id) == []


def test_without_the_option_or_for_another_type_nothing_matches(app_ctx, users):
    field = tax_field()
    rep = users["Sales Rep"]
    with_value(make_lead(owner=rep), tax_id="T-1")
    account_field = tax_field(entity="account")
    with_value(make_account(owner=rep), **{account_field.key: "T-2"})
    assert duplicates.find_duplicates("lead", {"custom": {"tax_id": "T-2"}}, rep) == []
    cf.update_field(field.id, cf.FieldInput("税号", "Tax ID", duplicate_check=False))
    assert duplicates.find_duplicates("lead", {"custom": {"tax_id": "T-1"}}, rep) == []


def test_scope_and_field_visibility_are_respected(app_ctx, users):
    tax_field(view_roles=["Sales Manager"])
    rep = users["Sales Rep"]
    colleague = make_user("colleague_cfdup", "Sales Rep")
    with_value(make_lead(owner=colleague), tax_id="HIDDEN-1")
    own = with_value(make_lead(owner=rep), tax_id="SEEN-1")
    assert duplicates.find_duplicates("lead", {"custom": {"tax_id": "HIDDEN-1"}}, rep) == []  # out of scope
    # a field the rep may not see does not answer for them; the system actor (None) sees it
    assert duplicates.find_duplicates("lead", {"custom": {"tax_id": "SEEN-1"}}, rep) == []
    assert [c.id for c in duplicates.find_duplicates("lead", {"custom": {"tax_id": "SEEN-1"}},
                                                     users["Admin"])] == [own.id]


def test_number_fields_match_as_numbers(app_ctx, users):
    seats = cf.create_field("lead", cf.FieldInput("会员号", "Member no", kind="number", duplicate_check=True))
    rep = users["Sales Rep"]
    twin = with_value(make_lead(owner=rep), **{seats.key: 1024})
    assert [c.id for c in duplicates.find_duplicates("lead", {seats.name: "1,024"}, rep)] == [twin.id]


def test_the_check_is_answered_by_an_index(app_ctx, users):
    tax_field()
    if db.engine.dialect.name == "sqlite":
        sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ix_cfd_lead_tax_id'"))
        assert "lower(trim(json_extract(custom, '$.tax_id')))" in sql
        from app.services.custom_fields.storage import match_expr

        stmt = select(Lead.id).where(match_expr(Lead, "tax_id").in_(["x"]))
        compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_cfd_lead_tax_id" in plan, plan
    else:
        sql = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cfd_lead_tax_id'"))
        assert "translate" in sql and "tax_id" in sql


def test_the_duplicates_screen_groups_by_a_checked_field_within_scope(app_ctx, users):
    tax_field()
    rep, director = users["Sales Rep"], users["Sales Director"]
    colleague = make_user("colleague_tax", "Sales Rep")
    a = with_value(make_lead(owner=rep, mobile="13700000001"), tax_id="91330100ABC")
    b = with_value(make_lead(owner=rep, mobile="13700000002"), tax_id=" 91330100abc ")
    with_value(make_lead(owner=rep, mobile="13700000003"), tax_id="alone")
    with_value(make_lead(owner=colleague, mobile="13700000004"), tax_id="SHARED")
    with_value(make_lead(owner=colleague, mobile="13700000005"), tax_id="shared")
    make_lead(owner=rep, mobile="13700000006")  # no value: never a group
    make_lead(owner=rep, mobile="13700000007")
    with force_locale("en"):
        assert duplicates.group_keys("lead", rep)["cf:tax_id"] == "Tax ID"
        page = duplicates.duplicate_groups("lead", rep, "cf:tax_id")
    assert [(g.key, g.count, g.label) for g in page.groups] == [("91330100abc", 2, "Tax ID")]
    assert {r.id for r in page.groups[0].records} == {a.id, b.id}
    everyone = duplicates.duplicate_groups("lead", director, "cf:tax_id", page_size=1)
    assert [g.key for g in everyone.groups] == ["91330100abc"] and everyone.has_next
    rest = duplicates.duplicate_groups("lead", director, "cf:tax_id", after=everyone.next_after)
    assert [(g.key, g.count) for g in rest.groups] == [("shared", 2)]


def test_a_restricted_field_is_no_duplicates_key_for_who_may_not_see_it(app_ctx, users):
    tax_field(view_roles=["Sales Manager"])
    rep = users["Sales Rep"]
    with_value(make_lead(owner=rep, mobile="13700000001"), tax_id="X1")
    with_value(make_lead(owner=rep, mobile="13700000002"), tax_id="x1")
    assert "cf:tax_id" not in duplicates.group_keys("lead", rep)
    with pytest.raises(CrmError):
        duplicates.duplicate_groups("lead", rep, "cf:tax_id")
    assert "cf:tax_id" in duplicates.group_keys("lead", users["Sales Manager"])

"""Custom text fields 自定义字段 in the list search box: by any fragment, within scope, by index."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from app.extensions import db
from app.models import Account, Lead
from app.services import custom_fields as cf
from app.services.custom_fields import values as cfv
from app.services.search import any_of, custom_text_clauses
from app.views.panel import Panel, panel_clause
from tests.factories import make_account, make_lead


@pytest.fixture(autouse=True)
def _english(app_ctx):
    with force_locale("en"):
        yield


def text_field(entity="lead", label_en="Shop name", kind="text", **over):
    data = cf.FieldInput("店铺名称", label_en, kind=kind)
    for key, value in over.items():
        setattr(data, key, value)
    return cf.create_field(entity, data)


def found(model, user, fragment: str) -> set[int]:
    clauses = custom_text_clauses(model, user, fragment)
    if not clauses:
        return set()
    return set(db.session.scalars(select(model.id).where(any_of(model, clauses))))


def with_value(record, **values):
    cfv.store(record, values)
    db.session.commit()
    return record


def test_text_fields_are_searchable_by_default_other_kinds_cannot_be(app_ctx):
    assert text_field().searchable is True
    assert text_field(label_en="Notes", kind="long_text").searchable is True
    assert text_field(label_en="Count", kind="number", searchable=True).searchable is False
    assert text_field(label_en="Quiet", searchable=False).searchable is False


def test_any_fragment_of_a_custom_text_value_finds_the_record(app_ctx, users):
    text_field()
    rep = users["Sales Rep"]
    hit = with_value(make_lead(owner=rep), shop_name="宁波众河电子商务旗舰店")
    with_value(make_lead(owner=rep), shop_name="杭州小河文具")
    make_lead(owner=rep)
    assert found(Lead, rep, "众河") == {hit.id}
    assert found(Lead, rep, "旗舰店") == {hit.id}
    assert found(Lead, rep, "众河旗") == set()  # pieces must be adjacent, in order
    assert found(Lead, rep, "众") == set()  # one character: no custom field is searched


def test_long_text_is_indexed_beyond_the_name_length_and_across_case(app_ctx, users):
    text_field(label_en="Notes", kind="long_text")
    rep = users["Sales Rep"]
    long_note = "前情" * 400 + " Visited the Suzhou FACTORY twice"
    hit = with_value(make_lead(owner=rep), notes=long_note)
    assert found(Lead, rep, "suzhou factory") == {hit.id}
    assert found(Lead, rep, "Factory") == {hit.id}


def test_search_follows_edits_and_deletes_of_the_value(app_ctx, users):
    text_field()
    rep = users["Sales Rep"]
    lead = with_value(make_lead(owner=rep), shop_name="老字号茶庄")
    assert found(Lead, rep, "茶庄") == {lead.id}
    with_value(lead, shop_name="新开咖啡馆")
    assert found(Lead, rep, "茶庄") == set()
    assert found(Lead, rep, "咖啡") == {lead.id}
    with_value(lead, shop_name="")
    assert found(Lead, rep, "咖啡") == set()


def test_search_stays_within_the_viewers_scope(app_ctx, users):
    text_field()
    rep = users["Sales Rep"]
    mine = with_value(make_lead(owner=rep), shop_name="众河旗舰店")
    theirs = with_value(make_lead(owner=users["Sales Manager"]), shop_name="众河二店")
    clauses = panel_clause(Lead, Panel(prefix=("person_name",)), rep, {"q": "众河"})
    from app.security.scope import visibility_clause

    rows = set(db.session.scalars(select(Lead.id).where(visibility_clause(Lead, rep), *clauses)))
    assert rows == {mine.id}
    assert theirs.id not in rows


def test_fields_the_viewer_may_not_see_or_not_searchable_are_not_searched(app_ctx, users):
    secret = text_field(label_en="Secret", view_roles=["Sales Manager"])
    quiet = text_field(label_en="Quiet", searchable=False)
    text_field(label_en="Open")
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    lead = with_value(make_lead(owner=rep), **{secret.key: "暗号天王盖地虎", quiet.key: "静默内容",
                                               "open": "公开内容"})
    assert found(Lead, rep, "天王") == set()
    assert found(Lead, manager, "天王") == {lead.id}
    assert found(Lead, manager, "静默") == set()
    assert found(Lead, rep, "公开") == {lead.id}
    cf.update_field(quiet.id, cf.FieldInput("静默", "Quiet", searchable=True))
    assert found(Lead, rep, "静默") == {lead.id}
    cf.retire_field(quiet.id)
    assert found(Lead, rep, "静默") == set()


def test_each_entity_has_its_own_index(app_ctx, users):
    text_field(entity="account", label_en="Shop name")
    text_field(entity="lead", label_en="Shop name")
    admin = users["Admin"]
    account = with_value(make_account(owner=admin), shop_name="同名店铺甲")
    lead = with_value(make_lead(owner=admin), shop_name="同名店铺乙")
    assert found(Account, admin, "店铺甲") == {account.id}
    assert found(Lead, admin, "店铺乙") == {lead.id}
    assert found(Lead, admin, "店铺甲") == set()


def test_punctuation_in_the_fragment_is_rechecked(app_ctx, users):
    text_field(label_en="Code")
    rep = users["Sales Rep"]
    hit = with_value(make_lead(owner=rep), code="AB-1234")
    with_value(make_lead(owner=rep), code="AB 1234")
    assert found(Lead, rep, "b-12") == {hit.id}


def test_the_index_answers_not_a_scan(app_ctx, users):
    text_field()
    clauses = custom_text_clauses(Lead, users["Admin"], "众河")
    sql = select(Lead.id).where(any_of(Lead, clauses))
    if db.engine.dialect.name == "sqlite":
        compiled = sql.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "lead_custom_search VIRTUAL TABLE INDEX" in plan, plan
        assert "SCAN lead" not in plan.replace("SCAN lead_custom_search", ""), plan
    else:
        index = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cfs_lead_shop_name'"))
        assert "gin" in index and "crm_grams" in index and "shop_name" in index
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = sql.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}".replace("%%", "%"))))
        assert "ix_cfs_lead_shop_name" in plan, plan
        db.session.rollback()

"""Duplicate finding: across leads, accounts and contacts, by normalised keys, inside the data scope."""

import pytest

from app.extensions import db
from app.models import Lead
from app.services.duplicates import duplicate_groups, find_duplicates, keys_of
from app.services.errors import CrmError
from app.services.recycle_bin import soft_delete
from tests.factories import make_account, make_contact, make_lead, make_user


def _ids(candidates):
    return {(c.entity, c.id) for c in candidates}


def test_same_mobile_in_another_format_finds_lead_contact_and_account(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, mobile="13800138000", company_name="甲公司")
    contact = make_contact(owner=rep, mobile="138 0013 8000")
    account = make_account(owner=rep, phone="+86-138-0013-8000")
    make_lead(owner=rep, mobile="13900000000")  # a different number
    found = find_duplicates("lead", {"mobile": "+86 138-0013-8000"}, rep)
    assert _ids(found) == {("lead", lead.id), ("contact", contact.id), ("account", account.id)}
    by_entity = {c.entity: c for c in found}
    assert by_entity["lead"].matched == ["mobile"]
    assert by_entity["account"].matched == ["phone"]
    assert by_entity["lead"].url.endswith(f"/lead/show/{lead.id}")
    assert str(lead) in by_entity["lead"].label


def test_email_and_company_match_and_more_matches_rank_first(users):
    rep = users["Sales Rep"]
    both = make_lead(owner=rep, email="wang@acme.cn", company_name="Acme Co., Ltd.")
    only_company = make_lead(owner=rep, email="li@other.cn", company_name="ACME Inc")
    account = make_account(owner=rep, name="acme")
    found = find_duplicates("lead", {"email": " Wang@ACME.cn ", "company_name": "Acme"}, rep)
    assert found[0].id == both.id and found[0].matched == ["email", "company_name"]
    assert _ids(found) == {("lead", both.id), ("lead", only_company.id), ("account", account.id)}


def test_account_name_is_a_company_and_contact_name_is_not(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="明远科技有限公司")
    make_contact(owner=rep, name="明远科技")
    assert _ids(find_duplicates("account", {"name": "明远科技"}, rep)) == {("account", account.id)}
    assert find_duplicates("contact", {"name": "明远科技"}, rep) == []


def test_only_records_in_the_users_scope_are_found(users):
    rep, director = users["Sales Rep"], users["Sales Director"]
    colleague = make_user("colleague_dup", "Sales Rep")
    mine = make_lead(owner=rep, mobile="13700000001")
    pool = make_lead(owner=None, mobile="13700000001")
    theirs = make_lead(owner=colleague, mobile="13700000001")
    assert _ids(find_duplicates("lead", {"mobile": "13700000001"}, rep)) == {("lead", mine.id), ("lead", pool.id)}
    assert _ids(find_duplicates("lead", {"mobile": "13700000001"}, director)) == {
        ("lead", mine.id), ("lead", pool.id), ("lead", theirs.id)}


def test_deleted_records_and_the_record_itself_are_not_duplicates(users):
    rep = users["Sales Rep"]
    editing = make_lead(owner=rep, mobile="13600000002")
    gone = make_lead(owner=rep, mobile="13600000002")
    soft_delete(db.session, [db.session.get(Lead, gone.id)])
    assert find_duplicates("lead", {"mobile": "13600000002"}, rep, exclude_id=editing.id) == []
    assert _ids(find_duplicates("lead", {"mobile": "13600000002"}, rep)) == {("lead", editing.id)}


def test_kinds_limit_the_record_types_and_limit_caps(users):
    rep = users["Sales Rep"]
    for _ in range(4):
        make_lead(owner=rep, mobile="13500000003")
    make_contact(owner=rep, mobile="13500000003")
    assert {c.entity for c in find_duplicates("lead", {"mobile": "13500000003"}, rep, kinds=("contact",))} == {"contact"}
    assert len(find_duplicates("lead", {"mobile": "13500000003"}, rep, limit=2)) == 2


def test_short_numbers_and_empty_values_match_nothing(users):
    rep = users["Sales Rep"]
    make_lead(owner=rep, mobile="123")
    assert keys_of("lead", {"mobile": "123", "email": "", "company_name": None}) == {
        "phone": set(), "email": set(), "company": set()}
    assert find_duplicates("lead", {"mobile": "123"}, rep) == []
    with pytest.raises(CrmError):
        find_duplicates("opportunity", {}, rep)


def test_groups_within_scope_paged(users):
    rep, director = users["Sales Rep"], users["Sales Director"]
    colleague = make_user("colleague_grp", "Sales Rep")
    a1 = make_lead(owner=rep, mobile="13100000001")
    a2 = make_lead(owner=None, mobile="+86 131 0000 0001")
    make_lead(owner=rep, mobile="13100000002")  # alone: no group
    make_lead(owner=colleague, mobile="13100000003")
    make_lead(owner=colleague, mobile="13100000003")  # a group only the director sees
    page = duplicate_groups("lead", rep, "mobile_key")
    assert [(g.key, g.count) for g in page.groups] == [("13100000001", 2)]
    assert {r.id for r in page.groups[0].records} == {a1.id, a2.id}
    assert not page.has_next
    seen = duplicate_groups("lead", director, "mobile_key", page_size=1)
    assert [g.key for g in seen.groups] == ["13100000001"] and seen.has_next
    second = duplicate_groups("lead", director, "mobile_key", after=seen.next_after, page_size=1)
    assert [g.key for g in second.groups] == ["13100000003"] and not second.has_next


def test_groups_skip_keys_whose_other_rows_are_deleted_or_out_of_scope(users, monkeypatch):
    from app.services import duplicates as module

    monkeypatch.setattr(module, "RAW_BATCH", 2)  # several rounds of repeated keys
    rep = users["Sales Rep"]
    colleague = make_user("colleague_rounds", "Sales Rep")
    for n in range(5):  # repeated keys the rep cannot use: one row theirs, one the colleague's
        make_lead(owner=rep, email=f"k{n}@x.cn")
        make_lead(owner=colleague, email=f"k{n}@x.cn")
    gone = make_lead(owner=rep, email="k5@x.cn")
    make_lead(owner=rep, email="k5@x.cn")
    soft_delete(db.session, [db.session.get(Lead, gone.id)])
    make_lead(owner=rep, email="k6@x.cn")
    make_lead(owner=None, email="K6@x.cn ")
    page = duplicate_groups("lead", rep, "email_key", page_size=1)
    assert [(g.key, g.count) for g in page.groups] == [("k6@x.cn", 2)] and not page.has_next


def test_groups_of_accounts_by_name_and_members_capped(users):
    director = users["Sales Director"]
    for suffix in ("有限公司", "股份有限公司", "", "公司"):
        make_account(owner=director, name=f"华夏电子{suffix}")
    page = duplicate_groups("account", director, "name_key", members=3)
    assert page.groups[0].count == 4 and len(page.groups[0].records) == 3
    with pytest.raises(CrmError):
        duplicate_groups("account", director, "mobile_key")


def test_demo_rows_carry_the_same_match_keys_as_the_orm(app_ctx):
    from sqlalchemy import select

    from app.models import Account, Contact
    from app.models.mixins import match_keys
    from app.services.demo import DemoSize, generate

    generate(DemoSize(leads=150, accounts=40), password="Test-Passw0rd!", seed=3)
    for model in (Lead, Account, Contact):
        sources = sorted({source for source, _fn in model.MATCH_KEYS.values()})
        rows = db.session.scalars(select(model)).all()
        assert rows
        for row in rows:
            expected = match_keys(model, {name: getattr(row, name) for name in sources})
            assert {key: getattr(row, key) for key in model.MATCH_KEYS} == expected, (model.__name__, row.id)
    assert any(r.mobile_key for r in db.session.scalars(select(Lead)))

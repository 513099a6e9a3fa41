"""Searching names by any fragment: answered by the index on SQLite and PostgreSQL, kept current by
every kind of write, and never wider than the searcher's data scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import Account, Lead
from app.models.search_index import SEARCHED_NAMES
from app.services.search import find_candidates, fragment_clause, name_search_clauses

from ..factories import make_account, make_contact, make_lead, make_opportunity


def _lead_ids(fragment: str) -> set[int]:
    clauses = name_search_clauses(Lead, ("person_name", "company_name"), fragment)
    return set(db.session.scalars(select(Lead.id).where(db.or_(*clauses))))


def test_a_fragment_is_found_anywhere_in_either_name(users):
    rep = users["Sales Rep"]
    city_first = make_lead(owner=rep, person_name="范晓燕", company_name="宁波众河电子商务股份有限公司")
    latin = make_lead(owner=rep, person_name="James Wilson", company_name="Acme Trading Ltd")
    other = make_lead(owner=rep, person_name="余子轩", company_name="青岛新河供应链股份有限公司")
    assert _lead_ids("众河") == {city_first.id}  # the short name inside a company name
    assert _lead_ids("晓燕") == {city_first.id}  # a given name without the surname
    assert _lead_ids("河") == set()  # one character: by prefix only, and nothing starts with 河
    assert _lead_ids("余") == {other.id}
    assert _lead_ids("wilson") == {latin.id}  # any case
    assert _lead_ids("ILSO") == {latin.id}
    assert _lead_ids("股份有限公司") == {city_first.id, other.id}
    assert _lead_ids("众河电子商务股份有限公司X") == set()


def test_the_index_follows_updates_deletes_and_plain_sql(users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王小明", company_name=None)
    assert _lead_ids("小明") == {lead.id}
    lead.person_name = "王大明"
    db.session.commit()
    assert _lead_ids("小明") == set() and _lead_ids("大明") == {lead.id}
    # a set-based write (as bulk actions and imports do) is indexed too
    db.session.execute(update(Lead).where(Lead.id == lead.id).values(company_name="杭州云杉科技有限公司"))
    db.session.commit()
    assert _lead_ids("云杉") == {lead.id}
    db.session.execute(text("INSERT INTO lead (person_name, status, channel, version, created_at, updated_at) "
                            "VALUES ('赵六一', 'new', 'online', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    db.session.commit()
    assert len(_lead_ids("六一")) == 1
    db.session.delete(lead)
    db.session.commit()
    assert _lead_ids("大明") == set()


@pytest.mark.parametrize("hostile", ['"', '众"河', "%", "_", "a*", "NEAR(", "{x} : y", "\\", "' OR 1=1 --"])
def test_query_syntax_in_the_text_is_just_text(users, hostile):
    make_lead(owner=users["Sales Rep"], person_name="众河 a*b", company_name="100% 纯_净")
    assert isinstance(_lead_ids(hostile), set)  # no error, whatever was typed


def test_percent_and_underscore_match_themselves(users):
    lead = make_lead(owner=users["Sales Rep"], person_name="测试", company_name="100% 纯_净")
    make_lead(owner=users["Sales Rep"], person_name="测试", company_name="1000 纯x净")
    assert _lead_ids("0%") == {lead.id}
    assert _lead_ids("纯_净") == {lead.id}


def test_every_searched_entity_has_its_index(users):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="上海新大建设有限责任公司")
    contact = make_contact(account=account, owner=rep, name="欧阳娜娜")
    opportunity = make_opportunity(account=account, owner=rep, name="新大二期扩容项目")
    for record, column, fragment in ((account, "name", "新大建设"), (contact, "name", "阳娜"),
                                     (opportunity, "name", "二期")):
        model = type(record)
        assert column in SEARCHED_NAMES[model.__tablename__]
        found = db.session.scalars(select(model.id).where(fragment_clause(model, (column,), fragment)))
        assert set(found) == {record.id}


def test_pickers_find_fragments_only_within_scope(users):
    rep, other_rep = users["Sales Rep"], users["Sales Manager"]
    mine = make_account(owner=rep, name="宁波众河电子商务股份有限公司")
    make_account(owner=other_rep, name="绍兴众河纺织有限公司")
    found = find_candidates("account", "众河", rep, limit=10)
    assert [r["id"] for r in found] == [mine.id]
    assert {r["id"] for r in find_candidates("account", "众河", users["Admin"], limit=10)} >= {mine.id}


def test_a_long_name_is_searchable_to_its_last_characters(users):
    name = "公" * 190 + "末尾的名字"
    account = make_account(owner=users["Sales Rep"], name=name)
    found = db.session.scalars(select(Account.id).where(fragment_clause(Account, ("name",), "尾的名字")))
    assert set(found) == {account.id}


@pytest.mark.parametrize("name", ["范晓燕", "宁波众河电子商务股份有限公司", "Acme Trading Ltd", "a", "", "😀客户 A&B",
                                  "长" * 250, "x" * 198 + "yz"])
def test_the_trigger_stores_every_piece_in_order(users, name):
    """The triggers' SQL pieces (migration 0029) give exactly the tokens of `pieces`, in order."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the pieces are stored by SQLite triggers; PostgreSQL computes them in its GIN index")
    lead = make_lead(owner=users["Sales Rep"], person_name="测试", company_name=name or None)
    stored = db.session.scalar(text("SELECT company_name FROM lead_search WHERE rowid = :id"), {"id": lead.id})
    expected = " ".join(name[i:i + 2] for i in range(min(len(name), 199))).split()
    assert (stored or "").split() == expected

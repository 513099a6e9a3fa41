"""The demo data set: counts as reported, every vocabulary used, links that hold, safe to repeat."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import func, inspect, select, text

from app.extensions import db
from app.models import (
    Account,
    Activity,
    Contact,
    CrmUser,
    Department,
    Lead,
    LeadSource,
    LeadStatus,
    Note,
    Opportunity,
    Stage,
    Tag,
    account_tag,
    lead_tag,
    utcnow,
)
from app.security.roles import ROLES
from app.services import demo_load
from app.services.demo import ORG, DemoSize, generate
from app.services.errors import ValidationFailed

from ..conftest import PASSWORD

SMALL = DemoSize(leads=200, accounts=30)
DEMO_USERNAMES = [member[0] for _dept, _parent, members in ORG for member in members]


def count(model_or_table) -> int:
    table = getattr(model_or_table, "__table__", model_or_table)
    return db.session.scalar(select(func.count()).select_from(table))


@pytest.fixture
def small(app_ctx) -> dict[str, int]:
    return generate(SMALL, password=PASSWORD, seed=7)


def test_counts_are_what_the_report_says(small):
    assert small["leads"] == count(Lead) == 200
    assert small["accounts"] == count(Account) == 30
    assert small["contacts"] == count(Contact) == 45  # 1.5 per account
    assert small["opportunities"] == count(Opportunity) == 45
    assert small["activities"] == count(Activity) == 200  # about one per lead
    assert small["notes"] == count(Note) == 40
    assert small["lead_tags"] == count(lead_tag) > 0
    assert small["account_tags"] == count(account_tag) > 0
    assert small["tags"] == count(Tag)
    demo_users = db.session.scalars(select(CrmUser).where(CrmUser.username.in_(DEMO_USERNAMES))).all()
    assert small["users"] == len(demo_users) == len(DEMO_USERNAMES)
    assert small["departments"] == len(ORG)


def test_every_stage_channel_source_and_status_appears(small):
    stages = set(db.session.scalars(select(Stage.id)))
    assert set(db.session.scalars(select(Opportunity.stage_id).distinct())) == stages
    channels = {s.channel for s in db.session.scalars(select(LeadSource))}
    assert set(db.session.scalars(select(Lead.channel).distinct())) == channels
    sources = set(db.session.scalars(select(LeadSource.id)))
    assert set(db.session.scalars(select(Lead.source_id).distinct())) - {None} == sources
    assert set(db.session.scalars(select(Lead.status).distinct())) == {s.value for s in LeadStatus}
    for lead in db.session.scalars(select(Lead).where(Lead.source_id.is_not(None))):
        assert lead.channel == lead.source.channel


def test_one_user_per_built_in_role_found_by_role(small):
    for spec in ROLES:
        if spec.name == "Admin":
            continue
        holders = db.session.scalars(
            select(CrmUser.username).join(CrmUser.roles).where(
                Role.name == spec.name, CrmUser.username.in_(DEMO_USERNAMES))).all()
        assert holders, f"no demo user holds {spec.name}"
    reps = db.session.scalars(select(CrmUser).join(CrmUser.roles).where(
        Role.name == "Sales Rep", CrmUser.username.like("rep_%"))).all()
    assert len(reps) >= 9
    for rep in reps:  # a rep reports to the manager of their department
        assert rep.department is not None and rep.department.manager_id is not None
        assert rep.manager_id == rep.department.manager_id
    for name, *_ in ORG:
        dept = db.session.scalar(select(Department).where(Department.name == name))
        assert dept.manager_id is not None


def test_demo_users_log_in_with_the_given_password(small, app):
    with app.test_request_context():
        assert app.appbuilder.sm.auth_user_db("rep_east1", PASSWORD) is not None


def test_some_leads_and_accounts_sit_in_the_public_pool(small):
    for model in (Lead, Account):
        pool = db.session.scalar(select(func.count(model.id)).where(model.owner_id.is_(None)))
        assert 0.05 * count(model) <= pool <= 0.3 * count(model), model.__name__


def test_closed_opportunities_have_closing_facts(small):
    rows = db.session.execute(select(Opportunity, Stage).join(Stage)).all()
    for opportunity, stage in rows:
        if stage.is_won or stage.is_lost:
            assert opportunity.closed_at is not None
            assert opportunity.closed_at >= opportunity.created_at
        else:
            assert opportunity.closed_at is None
        assert (opportunity.lost_reason_id is not None) == bool(stage.is_lost)
        assert opportunity.amount >= 0


def test_converted_leads_point_at_account_contact_and_opportunity(small):
    converted = db.session.scalars(select(Lead).where(Lead.status == "converted")).all()
    assert converted
    for lead in converted:
        opportunity = lead.converted_opportunity
        assert opportunity is not None and opportunity.source_lead_id == lead.id
        assert lead.converted_account_id == opportunity.account_id
        assert lead.converted_contact.account_id == lead.converted_account_id
        assert lead.converted_at >= lead.created_at and lead.owner_id is not None
    others = select(func.count(Lead.id)).where(
        Lead.status != "converted", Lead.converted_account_id.is_not(None))
    assert db.session.scalar(others) == 0


def test_dates_spread_over_more_than_a_year(small):
    for model in (Lead, Account, Opportunity, Activity):
        first, last = db.session.execute(select(func.min(model.created_at), func.max(model.created_at))).one()
        assert last - first > dt.timedelta(days=365), model.__name__


def test_activities_are_done_open_overdue_and_due_today(small):
    now = utcnow()
    start_of_day = dt.datetime.combine(now.date(), dt.time())
    activities = db.session.scalars(select(Activity)).all()
    assert any(a.done_at is not None for a in activities)
    assert any(a.done_at is None and a.due_at < now for a in activities)  # overdue
    assert any(a.done_at is None and a.due_at > now for a in activities)  # ahead
    assert any(start_of_day <= a.due_at < start_of_day + dt.timedelta(days=1) for a in activities)
    assert all(a.parent is not None for a in activities)


def test_contact_details_look_real(small):
    mobiles = db.session.scalars(select(Lead.mobile).where(Lead.mobile.is_not(None))).all()
    assert all(re.fullmatch(r"1[358]\d{9}", m) for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)
    emails = db.session.scalars(select(Contact.email).where(Contact.email.is_not(None))).all()
    assert emails and all(e == e.lower() and "@" in e for e in emails)
    names = db.session.scalars(select(Lead.person_name)).all()
    english = sum(n.isascii() for n in names)
    assert 0.05 * len(names) < english < 0.4 * len(names)  # mostly Chinese, some English


def test_running_twice_adds_records_and_reuses_the_organisation(small):
    users, departments = count(CrmUser), count(Department)
    again = generate(SMALL, password=PASSWORD, seed=8)
    assert again["leads"] == 200
    assert count(Lead) == 400 and count(Account) == 60
    assert count(CrmUser) == users and count(Department) == departments
    # new ids were reserved past the old ones, and the sequences (PostgreSQL) moved on
    db.session.add(Tag(name="after-demo"))
    db.session.add(Account(name="added after the demo"))
    db.session.commit()


def test_odd_sizes_work(app_ctx):
    report = generate(DemoSize(leads=10, accounts=0, contacts=5, activities=7, notes=3), password=PASSWORD)
    assert (report["leads"], report["accounts"], report["contacts"], report["opportunities"]) == (10, 0, 5, 0)
    assert count(Activity) == 7 and count(Note) == 3
    assert db.session.scalar(select(func.count(Lead.id)).where(Lead.status == "converted")) == 0


def test_foreign_keys_hold(small):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL checks every foreign key while loading")
    assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []


def test_big_loads_rebuild_every_index(app_ctx, monkeypatch):
    def indexes() -> dict[str, list]:
        with db.engine.connect() as conn:
            found = inspect(conn)
            return {t: sorted(i["name"] for i in found.get_indexes(t)) for t in ("lead", "activity")}

    before = indexes()
    monkeypatch.setattr(demo_load, "DROP_INDEXES_FROM", 0)  # take the big-load path
    generate(DemoSize(leads=50, accounts=10), password=PASSWORD)
    assert indexes() == before
    assert count(Lead) == 50


def test_big_loads_fill_derived_data_in_bulk_and_keep_their_triggers(app_ctx, monkeypatch):
    """A big load drops the per-row triggers of search pieces and analytics summaries, computes both once
    afterwards, and puts the triggers back: later writes keep both current again."""
    from app.services import last_won
    from app.services.analytics import rollup

    def triggers() -> list[str]:
        return sorted(db.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the deferred triggers are SQLite's")
    before = triggers()
    monkeypatch.setattr(demo_load, "DROP_INDEXES_FROM", 0)  # take the big-load path
    generate(DemoSize(leads=60, accounts=10), password=PASSWORD)
    assert triggers() == before
    for entity in ("lead", "account", "contact", "opportunity"):
        rows = db.session.scalar(text(f"SELECT count(*) FROM {entity}"))
        assert db.session.scalar(text(f"SELECT count(*) FROM {entity}_search")) == rows > 0
    name = db.session.scalar(text("SELECT company_name FROM lead ORDER BY id DESC LIMIT 1"))
    found = db.session.scalars(text(
        "SELECT rowid FROM lead_search WHERE lead_search MATCH :q"), {"q": f'company_name:"{name[1:3]}"'}).all()
    assert found
    differences = rollup.verify()
    assert differences and not any(differences.values()), differences
    assert last_won.check() == []  # account.last_won_at recomputed after the opportunities' load
    assert db.session.scalar(text("SELECT count(*) FROM account WHERE last_won_at IS NOT NULL")) > 0
    # the triggers are back: a new lead is counted and searchable at once
    lead = db.session.scalar(select(Lead).order_by(Lead.id.desc()).limit(1))
    lead.company_name = "甬江试验仪器有限公司"
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM lead_search WHERE lead_search MATCH '\"试验\"'")) == 1


def test_cli_generates_a_password_and_shows_it_once(app, monkeypatch):
    monkeypatch.delenv("CRM_DEMO_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["crm", "demo", "--leads", "40", "--accounts", "8"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    match = re.search(r"password: (\S+)", result.output)
    assert match and result.output.count(match.group(1)) == 1
    assert "leads: 40" in result.output
    with app.test_request_context():
        assert app.appbuilder.sm.auth_user_db("director", match.group(1)) is not None


def test_a_real_user_with_a_demo_name_is_never_taken_over(app, app_ctx, monkeypatch):
    sm = app.appbuilder.sm
    colleague = sm.add_user("rep_east1", "Real", "Colleague", "real@company.example", sm.find_role("Sales Rep"),
                            password="Their-own-9-password")
    departments = count(Department)
    with pytest.raises(ValidationFailed, match="rep_east1"):
        generate(SMALL, password=PASSWORD, seed=7)
    db.session.rollback()
    assert count(Lead) == 0 and count(Department) == departments  # nothing half-written
    with app.test_request_context():
        assert sm.auth_user_db("rep_east1", "Their-own-9-password").id == colleague.id
    monkeypatch.delenv("CRM_DEMO_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["crm", "demo", "--leads", "10", "--accounts", "2"])
    assert result.exit_code == 1 and "rep_east1" in result.output and "Traceback" not in result.output
    assert count(Lead) == 0

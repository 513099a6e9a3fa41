"""The first day 首次设置: company settings, departments, invited users, demo data — all or nothing."""

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import CrmUser, Department, Lead
from app.models.setting import CompanySettings
from app.services import first_run
from app.services.errors import ValidationFailed
from app.services.first_run import Invite

from ..conftest import PASSWORD


@pytest.fixture(autouse=True)
def _english(app_ctx):
    with force_locale("en"):
        yield


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(CrmUser))


def _departments() -> int:
    return db.session.scalar(select(func.count()).select_from(Department))


def test_nothing_is_pending_until_init_opens_the_page_and_finishing_closes_it_for_good():
    assert first_run.settings() is None and not first_run.is_pending()
    assert first_run.open_first_run() is True
    assert first_run.is_pending()
    first_run.finish()
    assert not first_run.is_pending()
    done_at = first_run.settings().first_run_done_at
    assert first_run.open_first_run() is False  # crm init again never reopens it
    first_run.finish()
    assert first_run.settings().first_run_done_at == done_at  # idempotent
    assert db.session.scalar(select(func.count()).select_from(CompanySettings)) == 1


def test_company_settings_are_saved_and_read_back():
    first_run.open_first_run()
    first_run.save_company("  远景制造有限公司 ", "en", "USD")
    assert first_run.company_name() == "远景制造有限公司"
    assert first_run.default_language() == "en" and first_run.default_currency() == "USD"
    first_run.save_company("", "zh", "CNY")  # blank name: back to the product name
    assert first_run.company_name() is None and first_run.is_pending()  # saving a step does not finish


@pytest.mark.parametrize("name, language, currency, message", [
    ("x" * 201, "zh", "CNY", "at most 200 characters"),
    ("ACME", "fr", "CNY", "Choose one of the offered languages"),
    ("ACME", "zh", "XBT", "Choose one of the offered currencies"),
])
def test_bad_company_settings_are_refused_and_nothing_is_written(name, language, currency, message):
    with pytest.raises(ValidationFailed, match=message):
        first_run.save_company(name, language, currency)
    db.session.rollback()
    assert first_run.settings() is None


def test_validation_messages_are_translated():
    with force_locale("zh"), pytest.raises(ValidationFailed) as caught:
        first_run.save_company("ACME", "fr", "CNY")
    assert "语言" in str(caught.value)


@pytest.fixture
def nested_cleanup():
    """conftest deletes new departments in one statement; children must go before their parents."""
    baseline = set(db.session.scalars(select(Department.id)))
    yield
    db.session.rollback()
    for dept in sorted(db.session.scalars(select(Department)), key=lambda d: -len(d.path)):
        if dept.id not in baseline:
            db.session.delete(dept)
            db.session.flush()
    db.session.commit()


def test_departments_one_per_line_with_parents_and_no_doubles(nested_cleanup):
    before = _departments()
    created = first_run.create_departments("市场部\n市场部 / 品牌组\n\n  渠道部  \n")
    assert [d.name for d in created] == ["市场部", "品牌组", "渠道部"]
    brand = db.session.scalar(select(Department).where(Department.name == "品牌组"))
    assert brand.parent.name == "市场部" and brand.path == f"{brand.parent.path}{brand.id}/"
    again = first_run.create_departments("市场部 / 品牌组\n渠道部\n市场部／新媒体组")
    assert [d.name for d in again] == ["新媒体组"]  # existing ones are left alone
    assert _departments() == before + 4


@pytest.mark.parametrize("text, message", [
    ("", "at least one department"),
    ("A / B / C", "Parent / Department"),
    ("正常部门\n" + "长" * 101, "at most 100 characters"),
    ("\n".join(f"部门{i}" for i in range(51)), "at most 50"),
])
def test_bad_department_lists_write_nothing(text, message):
    before = _departments()
    with pytest.raises(ValidationFailed, match=message):
        first_run.create_departments(text)
    assert _departments() == before


def _invite(username="zhangwei", name="张伟", email=None, role="Sales Rep", department_id=None):
    return Invite(username, name, email or f"{username}@example.com", role, department_id)


def test_invited_users_get_a_generated_password_that_logs_them_in():
    east = db.session.scalar(select(Department).where(Department.name == "华东销售部"))
    invited = first_run.invite_users([
        _invite(department_id=east.id),
        _invite("ann.lee", "Ann Lee", role="Sales Manager"),
        Invite("", "", "", "Sales Rep"),  # an empty row is ignored
    ])
    assert [(p.username, p.role) for p in invited] == [("zhangwei", "Sales Rep"), ("ann.lee", "Sales Manager")]
    sm = current_app.appbuilder.sm
    for person in invited:
        assert len(person.password) >= 10
        user = sm.auth_user_db(person.username, person.password)
        assert user is not None and user.active
    zhang = db.session.scalar(select(CrmUser).where(CrmUser.username == "zhangwei"))
    assert zhang.display_name == "张伟" and zhang.department_id == east.id
    assert [r.name for r in zhang.roles] == ["Sales Rep"]
    assert invited[0].password not in (zhang.password or "")  # stored hashed only


@pytest.mark.parametrize("rows, message", [
    ([_invite("a")], "user name has 2"),
    ([_invite(name="")], "enter the person's name"),
    ([_invite(email="not-an-email")], "valid e-mail"),
    ([_invite(role="Integration")], "choose a role"),
    ([_invite("admin")], "already taken"),
    ([_invite("ok1"), _invite("OK1", email="other@example.com")], "already taken"),
    ([_invite("ok1"), _invite("ok2", email="ok1@example.com")], "already used"),
    ([_invite(department_id=999999)], "choose a department"),
    ([Invite("", "", "", "Sales Rep")], "at least one user"),
])
def test_one_bad_row_creates_no_user_at_all(rows, message):
    good = _invite("first_good", "好人", "first_good@example.com")
    before = _users()
    with pytest.raises(ValidationFailed, match=message):
        first_run.invite_users([good, *rows] if rows[0].username else rows)
    assert _users() == before
    assert db.session.scalar(select(CrmUser).where(CrmUser.username == "first_good")) is None


def test_too_many_invites_are_refused():
    with pytest.raises(ValidationFailed, match="at most 30"):
        first_run.invite_users([_invite(f"user{i}", email=f"u{i}@example.com") for i in range(31)])


def test_demo_data_loads_a_small_organisation_and_returns_its_password_once(monkeypatch):
    monkeypatch.setattr(first_run, "DEMO_LEADS", 30)
    monkeypatch.setattr(first_run, "DEMO_ACCOUNTS", 5)
    try:
        counts, password = first_run.load_demo()
        assert counts["leads"] == 30 and counts["accounts"] == 5
        assert db.session.scalar(select(func.count()).select_from(Lead)) == 30
        assert current_app.appbuilder.sm.auth_user_db("rep_east1", password) is not None
        assert first_run.progress()["has_leads"]
    finally:
        # the demo gives its password to every demo user, and the suite's users share their names
        # (executive, rep_east1…): give them back the suite's password for the tests that follow
        hashed = generate_password_hash(PASSWORD)
        for user in db.session.scalars(select(CrmUser)):
            user.password = hashed
        db.session.commit()


def test_progress_reflects_what_is_there():
    first_run.open_first_run()
    progress = first_run.progress()
    assert progress["company"] is False and progress["done"] is False and progress["imports"] == 0
    assert progress["departments"] == _departments() and progress["users"] == _users()
    first_run.save_company("ACME", "zh", "CNY")
    first_run.finish()
    assert first_run.progress()["company"] is True and first_run.progress()["done"] is True

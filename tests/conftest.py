"""One app per test session, a clean database per test, and logged-in clients per role.

SQLite by default; set TEST_DATABASE_URL=postgresql://… to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import tempfile

import pytest
from sqlalchemy import delete, select, text, update

os.environ.setdefault("CRM_INSTANCE_DIR", tempfile.mkdtemp(prefix="crm-test-instance-"))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import CrmUser, Department, PoolSettings  # noqa: E402
from app.security.roles import ROLES  # noqa: E402
from app.services.pool import DEFAULT_SETTINGS as DEFAULT_POOL_SETTINGS  # noqa: E402
from app.services.setup import initialise  # noqa: E402

from .factories import make_user  # noqa: E402

PASSWORD = "Test-Passw0rd!"
# tables whose rows survive between tests: permissions, roles and vocabularies set up by init
KEPT_TABLES = {
    "alembic_version", "ab_permission", "ab_view_menu", "ab_permission_view", "ab_role",
    "ab_permission_view_role", "role_data_scope", "stage", "lead_source", "lost_reason",
    "ab_user", "ab_user_role", "department", "pool_settings",
    "analytics_rollup_state",  # which UTC offset the analytics summaries use (migration 0019)
}
# one user per role, named after it; the executive is `chief` because the demo data set (tests/services/
# test_demo.py runs it here) has its own `executive` and refuses to take over a user it did not make
ROLE_USERS = {spec.name: spec.name.lower().replace(" ", "_") for spec in ROLES} | {"Executive": "chief"}


def _database_url(tmp_root: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{tmp_root}/test.sqlite"


def _reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(str(tmp_path_factory.mktemp("db")))
    if url.startswith("postgresql"):
        _reset_postgres(url)
    # rate limits get their own app in tests/security; here every test logs in afresh. Events are
    # processed when a test says so: a background pass would write while the next test runs
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SERVER_NAME": "localhost",
                      "RATELIMIT_ENABLED": False, "CRM_SCHEDULER": False,
                      "CRM_EVENTS_AFTER_REQUEST": False})
    with app.app_context():
        initialise(PASSWORD)
        _build_org()
    yield app
    with app.app_context():
        db.engine.dispose()


def _build_org() -> None:
    """Sales division → two sales departments; a service team; one user per built-in role."""
    division = Department(name="销售事业部")
    db.session.add(division)
    db.session.flush()
    east = Department(name="华东销售部", parent=division)
    north = Department(name="华北销售部", parent=division)
    service = Department(name="客服部")
    db.session.add_all([east, north, service])
    db.session.commit()
    home = {"Sales Director": division, "Sales Manager": east, "Sales Rep": east,
            "Customer Service": service}
    for role, username in ROLE_USERS.items():
        if role == "Admin":
            continue
        make_user(username, role, department=home.get(role), password=PASSWORD)
    manager = db.session.scalar(select(CrmUser).where(CrmUser.username == "sales_manager"))
    east.manager_id = manager.id
    rep = db.session.scalar(select(CrmUser).where(CrmUser.username == "sales_rep"))
    rep.manager_id = manager.id
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_tables(app):
    with app.app_context():
        baseline = {u.id for u in db.session.scalars(select(CrmUser))}
        baseline_depts = {d.id for d in db.session.scalars(select(Department))}
    yield
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                db.session.execute(delete(table))
        extra_users = [u.id for u in db.session.scalars(select(CrmUser)) if u.id not in baseline]
        if extra_users:
            db.session.execute(text("DELETE FROM ab_user_role WHERE user_id IN :ids").bindparams(
                db.bindparam("ids", expanding=True)), {"ids": extra_users})
            db.session.execute(delete(CrmUser).where(CrmUser.id.in_(extra_users)))
        db.session.execute(delete(Department).where(Department.id.not_in(baseline_depts)))
        db.session.execute(update(PoolSettings).values(**DEFAULT_POOL_SETTINGS))
        db.session.commit()
        # custom fields create expression indexes at run time; their definitions went with the rows
        from app.services import custom_fields

        custom_fields.forget_indexes()
        db.session.remove()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def users(app_ctx):
    """Role name -> the test user holding it."""
    return {role: db.session.scalar(select(CrmUser).where(CrmUser.username == (
        "admin" if role == "Admin" else name))) for role, name in ROLE_USERS.items()}


class CrmClient:
    """A test client that logs in like a person and carries the CSRF token like a browser.

    Each request runs in an app context of its own, as in production: otherwise a test holding
    an app context shares `g` (and the logged-in user) between all clients' requests.
    """

    def __init__(self, flask_client):
        self.c = flask_client

    def _fresh(self, method):
        def call(*args, **kwargs):
            with self.c.application.app_context():
                return method(*args, **kwargs)

        return call

    def __getattr__(self, name):
        attr = getattr(self.c, name)
        return self._fresh(attr) if name in {"get", "post", "put", "patch", "delete", "open"} else attr

    def csrf(self, path: str = "/login/") -> str:
        response = self.get(path)
        html = response.get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
        assert match, f"no CSRF token on {path} ({response.status_code} {response.location})"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD):
        token = self.csrf("/login/")
        return self.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": token})

    def set_language(self, lang: str) -> None:
        self.get(f"/lang/{lang}")

    def post_form(self, path: str, data: dict, form_page: str | None = None, **kwargs):
        data = {**data, "csrf_token": self.csrf(form_page or path)}
        return self.post(path, data=data, **kwargs)


@pytest.fixture
def client(app):
    return CrmClient(app.test_client())


@pytest.fixture
def login(app):
    """login("Sales Rep") -> a client logged in as that role's test user."""

    def _login(role: str = "Admin", lang: str = "en") -> CrmClient:
        c = CrmClient(app.test_client())
        username = "admin" if role == "Admin" else ROLE_USERS[role]
        response = c.login(username)
        assert response.status_code == 302, f"login as {username} failed"
        c.set_language(lang)
        return c

    return _login

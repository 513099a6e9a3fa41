"""`crm migrate-db`: a demo CRM on SQLite is copied into PostgreSQL row for row, and works there.

Needs a PostgreSQL server; skipped when none answers. The copy goes into a database this module
creates for itself (`<name>_migrate`, next to TEST_DATABASE_URL's database, or on
127.0.0.1:5432) and drops afterwards, so it never touches the suite's own database.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.services import migrate_db
from app.services.demo import DemoSize, generate
from app.services.setup import initialise

from ..conftest import PASSWORD, CrmClient

DEMO_PASSWORD = "Dem0-Passw0rd!"


def _server_url() -> sa.engine.URL:
    raw = os.environ.get("TEST_DATABASE_URL", "")
    if not raw.startswith("postgres"):
        raw = "postgresql://postgres@127.0.0.1:5432/crm_test"
    return sa.engine.make_url(migrate_db.normalise_url(raw))


@pytest.fixture(scope="module")
def pg_url():
    base = _server_url()
    name = f"{base.database or 'crm_test'}_migrate_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server answers at {base.host}:{base.port}: {exc.orig}")
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("migrate") / "source.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True,
                      "RATELIMIT_ENABLED": False, "CRM_SCHEDULER": False})
    with app.app_context():
        initialise(PASSWORD)
        generate(DemoSize(leads=300, accounts=40), password=DEMO_PASSWORD, seed=7)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _all_rows(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    with engine.connect() as conn:
        order = list(table.primary_key.columns) or list(table.columns)
        return [tuple(row) for row in conn.execute(sa.select(table).order_by(*order))]


def _empty_public_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def test_cli_copies_every_row_and_the_app_works_on_postgresql(sqlite_app, pg_url):
    _empty_public_schema(pg_url)
    result = sqlite_app.test_cli_runner().invoke(args=["crm", "migrate-db", "--to", pg_url])
    assert result.exit_code == 0, result.output
    assert "every table's row count matches" in result.output

    target = sa.create_engine(pg_url)
    try:
        with sqlite_app.app_context():
            source = db.engine
            tables = [t for t in db.metadata.sorted_tables if t.name != "alembic_version"]
            leads = _all_rows(source, db.metadata.tables["lead"])
            assert len(leads) >= 300
            for table in tables:
                assert _all_rows(target, table) == _all_rows(source, table), table.name
    finally:
        target.dispose()

    pg_app = create_app({"SQLALCHEMY_DATABASE_URI": pg_url, "TESTING": True, "SERVER_NAME": "localhost",
                         "RATELIMIT_ENABLED": False, "CRM_SCHEDULER": False})
    try:
        client = CrmClient(pg_app.test_client())
        response = client.login("director", DEMO_PASSWORD)
        assert response.status_code == 302 and "/login" not in response.location
        page = client.get("/lead/list/")
        assert page.status_code == 200
        name_column = [c.name for c in db.metadata.tables["lead"].columns].index("person_name")
        shown = [row[name_column] for row in leads if row[name_column] in page.get_data(as_text=True)]
        assert shown, "the lead list on PostgreSQL shows none of the copied leads"
        # sequences moved past the copied ids: a new lead gets a fresh id, not a duplicate key
        with pg_app.app_context():
            from app.models import Lead

            lead = Lead(person_name="迁移后新线索", mobile="13900000001")
            db.session.add(lead)
            db.session.commit()
            assert lead.id > max(row[0] for row in leads)
            assert lead.created_at is not None and lead.created_at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
            db.session.remove()
    finally:
        with pg_app.app_context():
            db.engine.dispose()


def test_a_target_in_use_is_refused_unless_forced(sqlite_app, pg_url):
    _empty_public_schema(pg_url)
    with sqlite_app.app_context():
        migrate_db.migrate(pg_url)
        with pytest.raises(migrate_db.MigrateError, match="already holds data"):
            migrate_db.migrate(pg_url)
        report = migrate_db.migrate(pg_url, force=True)
        counts = {t.name: t.target_rows for t in report.tables}
        assert counts["lead"] == db.session.scalar(sa.text("SELECT count(*) FROM lead"))
        assert all(t.source_rows == t.target_rows for t in report.tables)


def test_a_failure_keeps_nothing_and_a_rerun_completes(sqlite_app, pg_url, monkeypatch):
    _empty_public_schema(pg_url)

    def broken(_dst, _tables):
        raise RuntimeError("disk full")

    monkeypatch.setattr(migrate_db, "_reset_sequences", broken)
    with sqlite_app.app_context():
        with pytest.raises(migrate_db.MigrateError, match="nothing was kept"):
            migrate_db.migrate(pg_url)
        target = sa.create_engine(pg_url)
        with target.connect() as conn:  # the schema is there, with none of the copied rows
            assert conn.exec_driver_sql("SELECT count(*) FROM lead").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM ab_user").scalar() == 0
        target.dispose()
        monkeypatch.undo()
        report = migrate_db.migrate(pg_url)  # no --force needed: nothing was left behind
        assert report.rows > 300


def test_bad_targets_get_one_clear_error(sqlite_app, pg_url):
    with sqlite_app.app_context():
        with pytest.raises(migrate_db.MigrateError, match="must be a PostgreSQL database"):
            migrate_db.migrate("sqlite:///elsewhere.sqlite")
        missing = sa.engine.make_url(pg_url).set(database="no_such_db_here").render_as_string(False)
        with pytest.raises(migrate_db.MigrateError, match="Cannot connect"):
            migrate_db.migrate(missing)

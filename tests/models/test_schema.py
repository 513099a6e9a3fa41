"""The migrations and the models describe the same schema, and the migrations run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models.search_index import is_search_index


def _schema_diff(connection) -> list:
    # compare_type / compare_server_default are switched on explicitly so that a column whose
    # type or server default drifted from its migration is reported too. Only the name-fragment
    # search index is skipped: virtual tables and expression indexes that no model can declare.
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True,
              "include_name": lambda name, type_, parent: not is_search_index(name)},
    )
    return compare_metadata(context, db.metadata)


def test_upgrade_on_empty_database_yields_the_models_schema(app):
    # The session app's database was built from empty by `initialise`, i.e. `flask db upgrade`.
    with app.app_context(), db.engine.connect() as connection:
        assert "alembic_version" in inspect(connection).get_table_names()
        assert _schema_diff(connection) == []


def test_every_model_table_exists_after_upgrade(app):
    with app.app_context(), db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    expected = set(db.metadata.tables)
    assert expected - tables == set()
    assert {"lead", "account", "contact", "opportunity", "activity", "note", "ab_user"} <= expected


def test_downgrade_to_base_then_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        try:
            upgrade()
            with db.engine.connect() as connection:
                assert _schema_diff(connection) == []
                head = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            assert head

            downgrade(revision="base")
            with db.engine.connect() as connection:
                left = set(inspect(connection).get_table_names()) - {"alembic_version"}
                assert left == set(), f"downgrade left tables behind: {sorted(left)}"
                assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 0

            upgrade()
            with db.engine.connect() as connection:
                assert _schema_diff(connection) == []
                again = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            assert again == head
        finally:
            db.session.remove()
            db.engine.dispose()

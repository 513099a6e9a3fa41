"""Upgrading an existing SQLite database with data keeps every row and every link.

Batch migrations rebuild tables by copy/drop/rename; with foreign keys on, dropping a table that
other rows point to used to fail half-way through an upgrade (seen on a real database).
"""

import sqlite3

from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db


def test_upgrade_from_the_first_revision_keeps_linked_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        upgrade(revision="0001")
        db.engine.dispose()
        with sqlite3.connect(path) as raw:
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute("INSERT INTO ab_user(id, first_name, last_name, username, email, active) "
                        "VALUES (1, 'A', 'B', 'old', 'old@example.com', 1)")
            raw.execute("INSERT INTO account(id, name, created_at, updated_at, version, owner_id) "
                        "VALUES (1, '老客户', '2024-01-01', '2024-01-01', 1, 1)")
            raw.execute("INSERT INTO contact(id, name, account_id, created_at, updated_at, version, "
                        "is_primary) VALUES (1, '老联系人', 1, '2024-01-01', '2024-01-01', 1, 0)")
            raw.execute("INSERT INTO lead(id, person_name, channel, status, created_at, updated_at, "
                        "version, converted_account_id) VALUES (1, '老线索', 'online', 'new', "
                        "'2024-01-01', '2024-01-01', 1, 1)")
        upgrade()
        db.engine.dispose()
        with sqlite3.connect(path) as raw:
            assert raw.execute("SELECT account_id FROM contact").fetchall() == [(1,)]
            assert raw.execute("SELECT converted_account_id FROM lead").fetchall() == [(1,)]
            assert raw.execute("SELECT owner_id FROM account").fetchall() == [(1,)]
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        downgrade(revision="0001")
        db.engine.dispose()
        with sqlite3.connect(path) as raw:
            assert raw.execute("SELECT count(*) FROM contact").fetchone() == (1,)

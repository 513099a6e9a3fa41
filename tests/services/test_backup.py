"""A backup taken while the app runs restores every record; PostgreSQL gets a clear pointer."""

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Account, Contact, Lead
from app.services.backup import BackupUnsupported, backup, sqlite_path
from app.services.errors import CrmError
from app.services.setup import initialise


@pytest.fixture
def sqlite_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        initialise("Backup-Passw0rd!")
        yield app
        db.session.remove()
        db.engine.dispose()


def _counts():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Lead, Account, Contact))


def test_backup_then_restore_brings_back_every_record(sqlite_app, tmp_path):
    account = Account(name="备份测试客户")
    db.session.add(account)
    db.session.flush()
    db.session.add_all([Contact(name="联系人甲", account_id=account.id)] +
                       [Lead(person_name=f"线索{i}", mobile=f"1380000{i:04d}") for i in range(50)])
    db.session.commit()
    before = _counts()

    runner = sqlite_app.test_cli_runner()
    target = tmp_path / "copy.sqlite"
    result = runner.invoke(args=["crm", "backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()

    db.session.query(Lead).delete()
    db.session.query(Contact).delete()
    db.session.commit()
    assert _counts() != before

    result = runner.invoke(args=["crm", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _counts() == before


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_app, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    result = sqlite_app.test_cli_runner().invoke(args=["crm", "restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "junk.sqlite" in result.output and "Restored" not in result.output


def test_postgres_urls_point_to_pg_dump():
    with pytest.raises(BackupUnsupported) as error:
        sqlite_path("postgresql+psycopg://crm:secret@db.example/crm")
    text = str(error.value.message)
    assert "pg_dump" in text and "secret" not in text


def test_backup_default_location(sqlite_app, tmp_path):
    path = backup(sqlite_app.config["SQLALCHEMY_DATABASE_URI"], None, tmp_path / "backups")
    assert path.parent == tmp_path / "backups" and path.stat().st_size > 0
    with pytest.raises(CrmError):
        backup("sqlite://", None, tmp_path)

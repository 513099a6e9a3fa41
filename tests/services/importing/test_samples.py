"""The shared sample files import with exactly the counts their .expect.json sidecars give."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, History, ImportStatus, Lead
from app.services.importing import import_file
from tests.shared_data import DATA

SAMPLES = ["leads_zh_utf8bom.csv", "customers_gbk.csv", "leads_en.xlsx"]
WHY = {"email": "email", "phone": "phone", "empty": "empty"}


def expectation(name: str) -> dict:
    return json.loads((DATA / name).with_suffix(".expect.json").read_text())


def run(name: str, user, entity="lead", **kw):
    with open(DATA / name, "rb") as handle:
        return import_file(entity, handle, name, user, **kw)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_imports_with_expected_counts(users, name):
    expect = expectation(name)
    rep = users["Sales Rep"]
    report, batch = run(name, rep)
    invalid = {row["line"]: row["why"] for row in expect["invalid_rows"]}
    assert report.rows == expect["rows"]
    assert report.failed == len(invalid)
    assert {e["row"]: e["reason"] for e in report.errors} == {line: WHY[w] for line, w in invalid.items()}
    assert report.duplicates == len(expect["duplicate_rows"])
    assert report.created == expect["valid"] - len(expect["duplicate_rows"])
    assert report.skipped == len(expect["duplicate_rows"])
    assert db.session.scalar(select(func.count()).select_from(Lead)) == report.created
    assert batch.status == ImportStatus.DONE
    owners = set(db.session.scalars(select(Lead.owner_id)))
    assert owners == {rep.id}
    history = db.session.execute(select(History.action, History.door, History.actor_id)
                                 .where(History.entity == "lead")).all()
    assert len(history) == report.created
    assert set(history) == {("import", "import", rep.id)}


@pytest.mark.parametrize("name", SAMPLES)
def test_rerunning_the_same_file_with_skip_creates_nothing(users, name):
    rep = users["Sales Rep"]
    first, _ = run(name, rep)
    again, _ = run(name, rep)
    assert again.created == 0
    assert again.skipped == first.created + first.skipped
    assert db.session.scalar(select(func.count()).select_from(Lead)) == first.created


def test_dry_run_writes_nothing(users):
    report, batch = run("leads_zh_utf8bom.csv", users["Sales Rep"], dry_run=True)
    assert batch is None
    assert report.created == expectation("leads_zh_utf8bom.csv")["valid"] - 13
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    assert db.session.scalar(select(func.count()).select_from(History)) == 0


def test_customers_file_imports_as_accounts(users):
    report, _ = run("customers_gbk.csv", users["Sales Rep"], entity="account")
    assert report.failed == 0
    assert report.created + report.skipped == 200
    assert db.session.scalar(select(func.count()).select_from(Account)) == report.created
    account = db.session.scalars(select(Account).order_by(Account.id)).first()
    assert account.name == "苏州物流宏通有限公司"
    assert account.phone_key == "17301661318"
    assert account.name_key

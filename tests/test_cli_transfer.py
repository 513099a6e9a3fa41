"""`flask crm import`, `flask crm import-recover` and `flask crm export`; an import killed with SIGKILL."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import History, ImportBatch, ImportFailure, ImportRecord, ImportStatus, Lead
from tests.factories import make_lead
from tests.shared_data import DATA


@pytest.mark.parametrize("name", ["leads_zh_utf8bom.csv", "customers_gbk.csv", "leads_en.xlsx"])
def test_import_command_with_the_samples(app, app_ctx, users, name):
    expect = json.loads((DATA / name).with_suffix(".expect.json").read_text())
    result = app.test_cli_runner().invoke(args=["crm", "import", str(DATA / name), "--entity", "lead",
                                                "--owner", "sales_rep"])
    assert result.exit_code == 0, result.output
    created = expect["valid"] - len(expect["duplicate_rows"])
    assert f"created: {created:,}" in result.output
    assert f"failed: {len(expect['invalid_rows'])}" in result.output
    for row in expect["invalid_rows"]:
        assert f"line {row['line']}" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Lead)) == created
    assert set(db.session.scalars(select(Lead.owner_id))) == {users["Sales Rep"].id}


def test_import_dry_run_and_errors(app, app_ctx, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import", str(DATA / "leads_en.xlsx"), "--dry-run"])
    assert result.exit_code == 0 and "Would import" in result.output and "created: 146" in result.output
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    result = runner.invoke(args=["crm", "import", str(DATA / "leads_en.xlsx")])  # no owner: the public pool
    assert result.exit_code == 0
    assert set(db.session.scalars(select(Lead.owner_id))) == {None}
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(args=["crm", "import", str(empty)])
    assert result.exit_code != 0 and "empty" in result.output
    result = runner.invoke(args=["crm", "import", str(DATA / "leads_en.xlsx"), "--owner", "ghost"])
    assert result.exit_code != 0


def test_export_command(app, app_ctx, users, tmp_path):
    make_lead(owner=users["Sales Rep"], person_name="甲")
    make_lead(owner=users["Sales Director"], person_name="乙")
    target = tmp_path / "leads.csv"
    result = app.test_cli_runner().invoke(args=["crm", "export", "--entity", "lead", "--to", str(target),
                                                "--as-user", "sales_rep", "--language", "en"])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][1] == "Person name" and [r[1] for r in rows[1:]] == ["甲"]
    result = app.test_cli_runner().invoke(args=["crm", "export", "--entity", "lead"])
    assert result.exit_code == 0 and "乙" in result.output and "甲" in result.output


# -- killed mid-way (issues 3 and 7) -------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).parent / "flask"


def _subprocess_env(home: Path) -> dict:
    """The test's own database, a private instance folder, no scheduler."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "DATABASE_URL", "SECRET_KEY"))}
    env.update({"CRM_INSTANCE_DIR": str(home), "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                "CRM_SCHEDULER": "0", "PYTHONUNBUFFERED": "1"})
    return env


def _wait_for(condition, process, seconds: float = 120, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            raise AssertionError(f"the subprocess ended (rc {process.returncode}) before {what}")
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_import_killed_midway_leaves_nothing_once_recovered(app, app_ctx, users, tmp_path):
    """`crm import` of 100,000 rows updating 50 existing leads is killed with SIGKILL once the slices
    of its first chunk (of 50,000 rows: 5,000 new leads, 50 updates, the rest repeats of rows above,
    skipped) are committed, before the ten slices of its second chunk."""
    rep = users["Sales Rep"]
    old = [make_lead(owner=rep, person_name=f"老{i}", mobile=f"1370000{i:04d}", city="北京") for i in range(50)]
    old_ids = {lead.id for lead in old}
    history_before = db.session.scalar(select(func.count()).select_from(History))
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,手机,城市\n")
        out.writelines(f"老{i},1370000{i:04d},上海\n" for i in range(50))
        out.writelines(f"新{i},139{i % 5000:08d},城{i % 100}\n" for i in range(50_000 - 50))
        out.writelines(f"新{i},139{i:08d},城{i % 100}\n" for i in range(50_000, 100_000))
    log = tmp_path / "import.out"
    with log.open("wb") as out:
        process = subprocess.Popen([str(FLASK), "--app", "run", "crm", "import", str(path), "--entity", "lead",
                                    "--owner", "sales_rep", "--on-duplicate", "update"],
                                   cwd=ROOT, env=_subprocess_env(tmp_path), stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        batch_id = _wait_for(lambda: db.session.scalar(select(ImportRecord.batch_id).where(
            ImportRecord.action == "updated").limit(1)), process, what="the first updates were committed")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
    output = log.read_text(errors="replace")
    assert process.returncode == -signal.SIGKILL, output
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    saved = db.session.scalar(select(func.count()).select_from(Lead)) - len(old)
    # what the killed process left behind: committed slices, and a batch that still says "saving"
    assert batch.status == ImportStatus.WRITING and 0 < batch.processed_rows < 100_000, output
    assert saved > 0 and db.session.scalar(select(func.count()).select_from(Lead).where(Lead.city == "上海")) == 50
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import-recover"])  # its heartbeat is fresh: left alone
    assert result.exit_code == 0 and "No interrupted imports" in result.output
    result = runner.invoke(args=["crm", "import-recover", "--stale-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert f"Import #{batch_id} interrupted: {saved:,} records removed, 50 restored, 0 changed since" in result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(Lead.id))) == old_ids  # no lead of the batch remains
    assert set(db.session.scalars(select(Lead.city))) == {"北京"}  # the updated leads have their old values
    assert db.session.scalar(select(func.count()).select_from(ImportRecord).where(ImportRecord.batch_id == batch_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportFailure)
                             .where(ImportFailure.batch_id == batch_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(History).where(History.record_id.not_in(old_ids))) == 0
    assert db.session.scalar(select(func.count()).select_from(History)) == history_before + 2 * 50  # change, change back
    assert db.session.get(ImportBatch, batch_id).status == ImportStatus.INTERRUPTED
    result = runner.invoke(args=["crm", "import-recover", "--stale-minutes", "0"])  # once is enough
    assert result.exit_code == 0 and "No interrupted imports" in result.output

"""A bulk action killed with SIGKILL half-way changes nothing: it is one transaction (issues 3 and 7).

A subprocess runs `bulk.change_status` on 600 leads in statements of 100 ids; after its third
UPDATE it checks, inside its own transaction, that those rows really are changed, tells the test,
and waits. The test kills it there and finds the database as it was — and not left locked.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import History, Lead
from app.services import bulk
from app.services.bulk import Selection
from tests.factories import make_leads

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from sqlalchemy import func, select
    from app import create_app
    from app.extensions import db
    from app.models import CrmUser, Lead
    from app.services import bulk

    ids, marker = json.loads(sys.argv[1]), Path(sys.argv[2])
    app = create_app({"CRM_SCHEDULER": False})
    with app.app_context():
        rep = db.session.scalar(select(CrmUser).where(CrmUser.username == "sales_rep"))
        bulk.CHUNK = 100
        real_execute, updates = db.session.execute, []

        def execute(statement, *args, **kwargs):
            result = real_execute(statement, *args, **kwargs)
            if getattr(statement, "is_update", False) and getattr(statement, "table", None) is Lead.__table__:
                updates.append(1)
                if len(updates) == 3:
                    changed = real_execute(select(func.count()).select_from(Lead).where(
                        Lead.id.in_(ids), Lead.status == "qualified")).scalar()
                    marker.write_text(json.dumps({"updates": len(updates), "changed": changed}))
                    time.sleep(600)  # killed here, mid-transaction
            return result

        db.session.execute = execute
        bulk.change_status(bulk.Selection.of(ids), rep, "qualified")
        marker.write_text("finished")
""")


def _snapshot(ids):
    db.session.rollback()
    return sorted(db.session.execute(select(Lead.id, Lead.status, Lead.version).where(Lead.id.in_(ids))).all())


def test_a_bulk_action_killed_midway_changes_nothing(app_ctx, users, tmp_path):
    rep = users["Sales Rep"]
    ids = [lead.id for lead in make_leads(600, owner=rep)]
    before, history = _snapshot(ids), db.session.scalar(select(func.count()).select_from(History))
    marker = tmp_path / "marker"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "DATABASE_URL", "SECRET_KEY"))}
    env.update({"CRM_INSTANCE_DIR": str(tmp_path), "CRM_SCHEDULER": "0",
                "DATABASE_URL": db.engine.url.render_as_string(hide_password=False)})
    log = tmp_path / "bulk.out"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-c", SCRIPT, json.dumps(ids), str(marker)], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), log.read_text(errors="replace")
        state = json.loads(marker.read_text())
        # three statements of 100 ids ran: the subprocess saw 300 leads changed, in its transaction
        assert state == {"updates": 3, "changed": 300}
        assert _snapshot(ids) == before  # others never see them
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
    assert process.returncode == -signal.SIGKILL
    assert _snapshot(ids) == before
    assert db.session.scalar(select(func.count()).select_from(History)) == history
    # the dead process's write lock (SQLite) or row locks (PostgreSQL) went with it
    result = bulk.change_status(Selection.of(ids[:5]), rep, "contacted")
    assert sorted(result.changed) == sorted(ids[:5])

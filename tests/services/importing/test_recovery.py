"""An import whose process died mid-way is taken back once its heartbeat is old, and only then.

The death is simulated in-process by an exception the runner does not catch (like SIGKILL, it
skips the runner's own clean-up: the committed slices stay and the batch stays "saving"). The
real thing, a subprocess killed with SIGKILL, is in test_kill.py.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import History, ImportBatch, ImportFailure, ImportRecord, ImportStatus, Lead, utcnow
from app.services import scheduler
from app.services.errors import CrmError
from app.services.importing import batches, import_file, recovery
from app.services.importing import pipeline as pipeline_module
from tests.factories import make_lead

LATER = dt.timedelta(minutes=recovery.DEFAULT_STALE_MINUTES + 1)


class Killed(BaseException):
    """Not an Exception: the runner's `except Exception` clean-up does not run, as after SIGKILL."""


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _file(rows: int, first: str = "", bad_every: int = 0) -> io.BytesIO:
    """`rows` new people; with `bad_every`, every such row (from the fourth) has an invalid e-mail."""
    body = first + "".join(f"人{i},1390013{i:04d},城{i},p{i}" + ("x" if bad_every and i % bad_every == 3 else "@x.cn")
                           + "\n" for i in range(rows))
    return io.BytesIO(("姓名,手机,城市,邮箱\n" + body).encode("utf-8"))


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(pipeline_module, "CHUNK_ROWS", 10)
    monkeypatch.setitem(current_app.config, "CRM_IMPORT_COMMIT_ROWS", 4)


def _die_midway(user, monkeypatch, at_insert: int = 3) -> ImportBatch:
    """Chunk 1 (10 rows: 1 update, 8 new, 1 refused) commits slices of 4 and 4 new and 1 updated;
    the process then dies in chunk 2's first insert."""
    real, calls = pipeline_module._insert, []

    def dying(model, frame, job):
        calls.append(len(frame))
        if len(calls) == at_insert:
            raise Killed
        return real(model, frame, job)

    monkeypatch.setattr(pipeline_module, "_insert", dying)
    with pytest.raises(Killed):
        import_file("lead", _file(30, first="老客户,13800138000,上海,\n", bad_every=7), "f.csv", user,
                    on_duplicate="update")
    monkeypatch.setattr(pipeline_module, "_insert", real)
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalars(select(ImportBatch)).one()


@pytest.fixture
def died(users, small_slices, monkeypatch):
    rep = users["Sales Rep"]
    old = make_lead(owner=rep, person_name="老客户", mobile="13800138000", city="北京")
    others = count(History)
    batch = _die_midway(rep, monkeypatch)
    # what the dead process left: committed slices, a batch still saving, its heartbeat
    assert batch.status == ImportStatus.WRITING and batch.heartbeat_at is not None
    assert count(Lead) == 1 + 8 and db.session.get(Lead, old.id).city == "上海"
    assert count(ImportRecord, ImportRecord.batch_id == batch.id) == 9
    assert count(ImportFailure, ImportFailure.batch_id == batch.id) > 0
    return batch, old, others


def test_a_fresh_heartbeat_is_left_alone(died):
    batch, old, _others = died
    assert recovery.stale_ids() == []
    result = recovery.recover()
    assert result.interrupted == [] and result.failed == []
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.WRITING
    assert count(Lead) == 9 and db.session.get(Lead, old.id).city == "上海"
    assert not recovery.recover_if_stale(db.session.get(ImportBatch, batch.id))


def test_a_stale_batch_is_taken_back_and_marked_interrupted(died):
    batch, old, others = died
    created = list(db.session.scalars(select(ImportRecord.record_id).where(
        ImportRecord.batch_id == batch.id, ImportRecord.action == "created")))
    result = recovery.recover(now=utcnow() + LATER)
    assert result.interrupted == [batch.id] and result.failed == []
    assert result.counts[batch.id] == {"removed": 8, "restored": 1, "kept": 0}
    db.session.expire_all()
    assert count(Lead) == 1 and count(Lead, Lead.id.in_(created)) == 0
    assert db.session.get(Lead, old.id).city == "北京"  # the updated record has its old value back
    assert count(History, History.record_id.in_(created), History.entity == "lead") == 0
    assert count(ImportRecord, ImportRecord.batch_id == batch.id) == 0
    assert count(ImportFailure, ImportFailure.batch_id == batch.id) == 0
    # the import's change of the old record and its reversal stay in the old record's history
    assert count(History) == others + 2
    stored = db.session.get(ImportBatch, batch.id)
    assert stored.status == ImportStatus.INTERRUPTED and stored.finished_at is not None
    assert (stored.created, stored.updated, stored.undo_until) == (0, 0, None)
    assert not batches.can_undo(stored)
    assert batches.status(stored)["done"]
    with force_locale("zh"):
        assert str(stored.status_label) == "已中断，未导入任何数据"
        assert "未保留任何数据" in batches.status(stored)["error"]
    with force_locale("en"):
        assert str(stored.status_label) == "Interrupted, nothing was imported"
        assert "nothing of it was kept" in batches.status(stored)["error"]


def test_recovery_is_idempotent(died):
    batch, _old, _others = died
    later = utcnow() + LATER
    assert recovery.recover(now=later).interrupted == [batch.id]
    again = recovery.recover(now=later)
    assert again.interrupted == [] and again.failed == []
    assert not recovery.recover_if_stale(db.session.get(ImportBatch, batch.id))
    db.session.expire_all()
    assert count(Lead) == 1 and db.session.get(ImportBatch, batch.id).status == ImportStatus.INTERRUPTED


def test_the_grace_comes_from_the_configuration(died, monkeypatch):
    batch, _old, _others = died
    monkeypatch.setitem(current_app.config, "CRM_IMPORT_STALE_MINUTES", 1)
    assert recovery.recover(now=utcnow() + dt.timedelta(seconds=30)).interrupted == []
    assert recovery.recover(now=utcnow() + dt.timedelta(seconds=90)).interrupted == [batch.id]


def test_finished_failed_and_waiting_batches_are_never_touched(users):
    rep = users["Sales Rep"]
    _report, done = import_file("lead", _file(5), "f.csv", rep)
    others = {status: ImportBatch(entity="lead", filename="x.csv", status=status, created_by_id=rep.id)
              for status in (ImportStatus.UPLOADED, ImportStatus.FAILED, ImportStatus.UNDONE,
                             ImportStatus.INTERRUPTED)}
    db.session.add_all(others.values())
    db.session.commit()
    long_ago = utcnow() - dt.timedelta(days=3)
    db.session.execute(update(ImportBatch).values(heartbeat_at=long_ago, started_at=long_ago, created_at=long_ago))
    db.session.commit()
    result = recovery.recover(now=utcnow() + dt.timedelta(days=1))
    assert result.interrupted == [] and result.failed == []
    db.session.expire_all()
    assert db.session.get(ImportBatch, done.id).status == ImportStatus.DONE
    assert {s: db.session.get(ImportBatch, b.id).status for s, b in others.items()} == {s: s for s in others}
    assert count(Lead) == 5 and count(ImportRecord, ImportRecord.batch_id == done.id) == 5
    # a running one equally old is recovered: the rule is the state plus the heartbeat
    db.session.execute(update(ImportBatch).where(ImportBatch.id == done.id).values(status=ImportStatus.WRITING))
    db.session.commit()
    assert recovery.recover(now=utcnow() + dt.timedelta(days=1)).interrupted == [done.id]


def test_a_stalled_import_that_wakes_up_after_recovery_keeps_nothing(users, small_slices, monkeypatch):
    """The process was alive but silent past the grace: recovered meanwhile, its next slice stops."""
    rep = users["Sales Rep"]
    real_commit, commits = batches._commit_slice, []

    def slow_commit(conn, batch_id, processed):
        real_commit(conn, batch_id, processed)
        commits.append(processed)
        if len(commits) == 2:  # another worker's recovery runs while this one stalls
            assert recovery.recover(stale_after=dt.timedelta(0)).interrupted == [batch_id]

    monkeypatch.setattr(batches, "_commit_slice", slow_commit)
    with pytest.raises(CrmError) as raised:
        import_file("lead", _file(30), "f.csv", rep)
    with force_locale("en"):
        assert "nothing of it was kept" in str(raised.value.message)
    assert len(commits) == 2
    db.session.expire_all()
    batch = db.session.scalars(select(ImportBatch)).one()
    assert batch.status == ImportStatus.INTERRUPTED  # not overwritten as "failed" by the woken runner
    assert count(Lead) == 0 and count(ImportRecord) == 0 and count(History) == 0


def test_each_slice_renews_the_heartbeat(users, small_slices, monkeypatch):
    rep = users["Sales Rep"]
    beats = []
    real_commit = batches._commit_slice

    def watching(conn, batch_id, processed):
        real_commit(conn, batch_id, processed)
        beats.append(db.session.execute(select(ImportBatch.heartbeat_at).where(ImportBatch.id == batch_id))
                     .scalar_one())
        db.session.rollback()

    monkeypatch.setattr(batches, "_commit_slice", watching)
    import_file("lead", _file(30), "f.csv", rep)
    assert len(beats) >= 6 and all(b is not None for b in beats)
    assert beats == sorted(beats) and beats[-1] > beats[0]


def test_the_scheduler_job_recovers_a_dead_import(died):
    batch, _old, _others = died
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id)
                       .values(heartbeat_at=utcnow() - LATER))
    db.session.commit()
    runs = scheduler.run_due(only="import-recover", force=True)
    assert [(r.job, r.status) for r in runs] == [("import-recover", "ok")]
    assert "1 interrupted" in runs[0].message
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.INTERRUPTED
    assert count(Lead) == 1


def test_the_cli_command(app, died):
    batch, _old, _others = died
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import-recover"])
    assert result.exit_code == 0 and "No interrupted imports" in result.output
    result = runner.invoke(args=["crm", "import-recover", "--stale-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert f"Import #{batch.id} interrupted: 8 records removed, 1 restored" in result.output
    db.session.expire_all()
    assert count(Lead) == 1


def test_a_dry_run_beats_with_each_checked_chunk(users, small_slices, monkeypatch):
    """A dry run commits no slices; without a heartbeat per chunk a long one would look dead."""
    rep = users["Sales Rep"]
    beats, real = [], batches._report_progress

    def watching(batch_id, processed, beat=False):
        real(batch_id, processed, beat=beat)
        beats.append(db.session.execute(select(ImportBatch.status, ImportBatch.heartbeat_at)
                                        .where(ImportBatch.id == batch_id)).one())

    monkeypatch.setattr(batches, "_report_progress", watching)
    report, batch = import_file("lead", _file(30), "f.csv", rep, dry_run=True)
    assert report.created == 30 and batch is None and count(Lead) == 0
    assert len(beats) == 3 and {status for status, _at in beats} == {ImportStatus.VALIDATING}
    assert [at for _s, at in beats] == sorted(at for _s, at in beats) and beats[-1][1] > beats[0][1]

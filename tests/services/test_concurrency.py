"""Zero lost updates when two sessions save the same record at the same moment."""

import threading

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import Lead
from app.services.concurrency import StaleVersion, check_version
from tests.factories import make_lead

PAIRS = 25


def _racing_save(engine, pk, value, barrier, outcomes):
    with Session(engine) as session:
        lead = session.get(Lead, pk)
        lead.description = value
        barrier.wait()  # both have read the same version before either writes
        try:
            session.commit()
            outcomes.append(("saved", value))
        except StaleDataError:
            session.rollback()
            outcomes.append(("refused", value))


def test_concurrent_pairs_lose_no_update(app_ctx):
    engine = db.engine
    for n in range(PAIRS):
        lead = make_lead()
        barrier, outcomes = threading.Barrier(2), []
        threads = [threading.Thread(target=_racing_save, args=(engine, lead.id, f"{who}-{n}", barrier, outcomes))
                   for who in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        saved = [value for result, value in outcomes if result == "saved"]
        assert len(outcomes) == 2 and len(saved) == 1, outcomes
        db.session.expire_all()
        stored = db.session.get(Lead, lead.id)
        assert stored.description == saved[0] and stored.version == 2


def test_check_version(app_ctx):
    lead = make_lead()
    check_version(lead, lead.version)
    check_version(lead, str(lead.version))
    for stale in (lead.version + 1, None, "", "abc"):
        with pytest.raises(StaleVersion):
            check_version(lead, stale)

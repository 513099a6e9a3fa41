"""Retrying a write that lost a race, so that services can read, decide and write safely.

On SQLite (WAL) a transaction that read before another one wrote cannot write any more
("database is locked"); on any database an UPDATE of a record whose version moved on fails
(StaleDataError). Both mean "someone was faster": start again from a fresh read.
"""

from __future__ import annotations

import functools
import random
import time

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db

ATTEMPTS = 12


def _lost_race(error: Exception) -> bool:
    if isinstance(error, StaleDataError):
        return True
    message = str(getattr(error, "orig", error)).lower()
    return isinstance(error, OperationalError) and ("locked" in message or "busy" in message)


def retry_on_conflict(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except (StaleDataError, OperationalError) as error:
                db.session.rollback()
                if not _lost_race(error) or attempt == ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    return wrapper

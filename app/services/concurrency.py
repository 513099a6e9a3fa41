"""No lost updates: a save must name the version it was based on (optimistic locking).

Records carry a `version` counter (VersionedMixin); SQLAlchemy refuses an UPDATE whose version
moved on meanwhile (StaleDataError). Doors check the version their user saw before saving, so
the second of two concurrent edits is refused with what changed instead of overwriting.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .errors import CrmError

STALE_MESSAGE = _l("Someone else saved this record after you opened it.")


class StaleVersion(CrmError):
    status_code = 409

    def __init__(self, current_version: int, changed: list[tuple[str, object]] | None = None):
        super().__init__(STALE_MESSAGE)
        self.current_version = current_version
        self.changed = changed or []


def check_version(record, expected: int | str | None) -> None:
    """Raise StaleVersion unless `expected` is the record's current version."""
    try:
        expected_int = int(expected) if expected is not None and expected != "" else None
    except (TypeError, ValueError):
        expected_int = None
    if expected_int != record.version:
        raise StaleVersion(record.version)


def changed_fields(record, submitted: dict[str, object]) -> list[tuple[str, object]]:
    """(field, value now stored) for each submitted field the stored record disagrees with."""
    out = []
    for name, value in submitted.items():
        if not hasattr(record, name):
            continue
        stored = getattr(record, name)
        if _normal(stored) != _normal(value):
            out.append((name, stored))
    return out


def _normal(value):
    if value == "" or value == []:
        return None
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return str(value) if value is not None else None

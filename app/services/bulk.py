"""Bulk operations 批量操作: one action on many records — by ids, or "all matching this filter".

Every operation re-reads its records through the data-scope rule (ids outside it are reported as
"not found", whatever they are), checks the user's permission, changes the rows with set-based
UPDATEs in ONE transaction, and records history through the door "bulk"
(`history.record_changes`, the set-based sibling of the flush hook). Ten thousand records take a
fraction of a second; nothing is left half-changed when something fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, update

from app.extensions import db
from app.models import (
    Account,
    Contact,
    CrmUser,
    Door,
    HistoryAction,
    Lead,
    LeadStatus,
    LostReason,
    Opportunity,
    Stage,
    Tag,
    UnqualifiedReason,
    account_tag,
    lead_tag,
    utcnow,
)
from app.models.actor import acting_as
from app.security.scope import owner_ids, scope_for, visibility_clause

from . import recycle_bin
from .errors import CrmError
from .history import AUDITED, _plain, record_bulk
from .transactions import retry_on_conflict

MODELS = {"lead": Lead, "account": Account, "contact": Contact, "opportunity": Opportunity}
VIEWS = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView",
         "opportunity": "OpportunityView"}
TAG_LINKS = {"lead": (lead_tag, "lead_id"), "account": (account_tag, "account_id")}
POOL_ENTITIES = ("lead", "account")

# operation -> (entities it applies to, the FAB permission it needs on the entity's view)
OPERATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (tuple(MODELS), "assign"),
    "release": (POOL_ENTITIES, "release"),
    "status": (("lead",), "can_edit"),
    "stage": (("opportunity",), "can_edit"),
    "add_tags": (tuple(TAG_LINKS), "can_edit"),
    "remove_tags": (tuple(TAG_LINKS), "can_edit"),
    "delete": (tuple(MODELS), "can_delete"),
    "convert": (("lead",), "convert"),  # the lead-lifecycle feature's permission
    "export": (tuple(MODELS), "export_selected"),  # and the export feature's own right
}
MAX_RECORDS = 50_000
CHUNK = 2000  # ids per IN (…): far below SQLite's and PostgreSQL's parameter limits

NOT_FOUND = _l("Not found.")


@dataclass(frozen=True)
class Selection:
    """Which records: explicit ids, or every visible record matching a SQL condition (a list filter)."""

    ids: tuple[int, ...] | None = None
    where: Any = None

    @classmethod
    def of(cls, ids: Iterable) -> Selection:
        out = []
        for raw in ids:
            text = str(raw).strip()
            if text.isdigit():
                out.append(int(text))
        return cls(ids=tuple(dict.fromkeys(out)))

    @classmethod
    def matching(cls, where) -> Selection:
        return cls(where=where)

    @property
    def by_filter(self) -> bool:
        return self.where is not None


@dataclass
class BulkResult:
    """How many changed, and why the others did not (id -> translated reason)."""

    changed: list[int] = field(default_factory=list)
    refused: dict[int, object] = field(default_factory=dict)
    details: dict[int, object] = field(default_factory=dict)  # e.g. what a converted lead became

    @property
    def done(self) -> list[int]:  # the pool's Outcome calls it so; the screens flash either
        return self.changed

    def reasons(self) -> Counter:
        return Counter(str(reason) for reason in self.refused.values())


def allowed(user, entity: str, operation: str) -> bool:
    """May this user run `operation` on `entity` records (role permission; scope comes later)?"""
    entities, permission = OPERATIONS.get(operation, ((), ""))
    if entity not in entities or user is None:
        return False
    if operation == "convert" and not conversion_available():
        return False
    sm = current_app.appbuilder.sm
    if operation == "export" and not (export_available() and sm._has_view_access(user, "can_export", "ExportView")):
        return False
    return bool(sm._has_view_access(user, permission, VIEWS[entity]))


def conversion_available() -> bool:
    try:
        from app.services import conversion  # noqa: F401  (built by the lead-lifecycle feature)
    except ImportError:
        return False
    return hasattr(conversion, "convert_leads")


def export_available() -> bool:
    try:
        from app.services import export  # noqa: F401  (built by the import/export feature)
    except ImportError:
        return False
    return hasattr(export, "ExportRequest")


def count(entity: str, selection: Selection, user) -> int:
    """How many visible records the selection reaches (for "12,345 records will change")."""
    from sqlalchemy import func

    model = MODELS[entity]
    stmt = select(func.count(model.id)).where(visibility_clause(model, user))
    if selection.by_filter:
        stmt = stmt.where(selection.where)
    else:
        return len(selection.ids or ())
    return db.session.scalar(stmt) or 0


# -- the operations ----------------------------------------------------------------------------

@retry_on_conflict
def assign(entity: str, selection: Selection, user, to_user_id: int) -> BulkResult:
    """Give the records to another user (分配), who must be active and within the user's scope."""
    model = _start(entity, "assign", user)
    receiver = db.session.get(CrmUser, int(to_user_id)) if str(to_user_id).isdigit() else None
    reach = owner_ids(user, scope_for(user, entity))
    if receiver is None or not receiver.active or (reach is not None and receiver.id not in reach):
        raise CrmError(_l("Choose an active user within your data scope."))
    rows, result = _targets(model, selection, user, model.owner_id)
    changes = []
    for pk, owner in rows:
        if owner == receiver.id:
            result.refused[pk] = _l("It already belongs to %(name)s.", name=receiver.display_name)
        else:
            changes.append((pk, {"owner_id": [owner, receiver.id]}))
    return _apply(entity, model, user, result, changes, {"owner_id": receiver.id},
                  HistoryAction.ASSIGN, f"→ {receiver.display_name}")


@retry_on_conflict
def release(entity: str, selection: Selection, user, reason: str) -> BulkResult:
    """Return records to the public pool (退回公海) with a reason."""
    model = _start(entity, "release", user)
    reason = (reason or "").strip()
    if not reason:
        raise CrmError(_l("Say why you are returning it to the pool."))
    now = utcnow()
    rows, result = _targets(model, selection, user, model.owner_id, model.released_by_id,
                            model.released_at)
    changes, at = [], _plain(now)
    for pk, owner, released_by, released_at in rows:
        if owner is None:
            result.refused[pk] = _l("It is already in the pool.")
        else:
            changes.append((pk, {"owner_id": [owner, None], "released_by_id": [released_by, owner],
                                 "released_at": [_plain(released_at), at]}))
    table = model.__table__
    return _apply(entity, model, user, result, changes,
                  {"released_by_id": table.c.owner_id, "owner_id": None, "released_at": now},
                  HistoryAction.RELEASE, reason[:500])


@retry_on_conflict
def change_status(selection: Selection, user, status: str, unqualified_reason: str | None = None) -> BulkResult:
    """Set the status of leads; conversion alone makes a lead "converted"."""
    model = _start("lead", "status", user)
    if status not in {s.value for s in LeadStatus} or status == LeadStatus.CONVERTED:
        raise CrmError(_l("Choose a status."))
    reason = unqualified_reason or None
    if status != LeadStatus.UNQUALIFIED:
        reason = None
    elif reason is not None and reason not in {r.value for r in UnqualifiedReason}:
        raise CrmError(_l("Choose a reason from the list."))
    rows, result = _targets(model, selection, user, model.status, model.unqualified_reason)
    changes = []
    for pk, old_status, old_reason in rows:
        if old_status == LeadStatus.CONVERTED:
            result.refused[pk] = _l("It has been converted; its status no longer changes.")
        elif old_status == status and old_reason == reason:
            result.refused[pk] = _l("It already has this status.")
        else:
            change = {"status": [old_status, status]}
            if old_reason != reason:
                change["unqualified_reason"] = [old_reason, reason]
            changes.append((pk, change))
    return _apply("lead", model, user, result, changes,
                  {"status": status, "unqualified_reason": reason}, HistoryAction.UPDATE)


@retry_on_conflict
def change_stage(selection: Selection, user, stage_id, lost_reason_id=None) -> BulkResult:
    """Move opportunities to a stage; a lost stage needs a lost reason, closing stamps the time."""
    model = _start("opportunity", "stage", user)
    stage = db.session.get(Stage, int(stage_id)) if str(stage_id).isdigit() else None
    if stage is None or not stage.active:
        raise CrmError(_l("Choose a stage."))
    lost_reason = None
    if stage.is_lost:
        lost_reason = db.session.get(LostReason, int(lost_reason_id)) if str(lost_reason_id or "").isdigit() else None
        if lost_reason is None or not lost_reason.active:
            raise CrmError(_l("Choose a lost reason for a lost opportunity."))
    now = utcnow()
    rows, result = _targets(model, selection, user, model.stage_id, model.closed_at, model.lost_reason_id)
    changes = []
    new_reason = lost_reason.id if lost_reason else None
    for pk, old_stage, closed_at, old_reason in rows:
        if old_stage == stage.id and old_reason == new_reason:
            result.refused[pk] = _l("It is already at this stage.")
            continue
        new_closed = (closed_at or now) if stage.is_closed else None
        change = {"stage_id": [old_stage, stage.id]}
        if new_closed != closed_at:
            change["closed_at"] = [_plain(closed_at), _plain(new_closed)]
        if old_reason != new_reason:
            change["lost_reason_id"] = [old_reason, new_reason]
        changes.append((pk, change))
    from sqlalchemy import func

    closed = func.coalesce(model.__table__.c.closed_at, now) if stage.is_closed else None
    return _apply("opportunity", model, user, result, changes,
                  {"stage_id": stage.id, "closed_at": closed, "lost_reason_id": new_reason},
                  HistoryAction.UPDATE)


def add_tags(entity: str, selection: Selection, user, tag_ids: Iterable = (),
             new_names: Iterable[str] = ()) -> BulkResult:
    """Put tags on leads or accounts; `new_names` creates tags that do not exist yet."""
    return _tags(entity, "add_tags", selection, user, tag_ids, new_names)


def remove_tags(entity: str, selection: Selection, user, tag_ids: Iterable = ()) -> BulkResult:
    return _tags(entity, "remove_tags", selection, user, tag_ids, ())


@retry_on_conflict
def soft_delete(entity: str, selection: Selection, user) -> BulkResult:
    """Move records (and their children, as one stamp) to the recycle bin."""
    model = _start(entity, "delete", user)
    rows, result = _targets(model, selection, user)
    ids = [pk for (pk,) in rows]
    return _in_one_transaction(user, result, lambda: _delete_rows(model, ids, result))


def convert(selection: Selection, user, **options) -> BulkResult:
    """Convert leads through the lead-lifecycle service, one transaction per lead (its rule)."""
    model = _start("lead", "convert", user)
    from app.services.conversion import convert_leads

    rows, result = _targets(model, selection, user)
    ids = [pk for (pk,) in rows]
    db.session.rollback()  # end the read; each conversion owns its transaction
    with acting_as(user.id, Door.BULK):
        outcomes = convert_leads(ids, user, **options)
    for pk, outcome in _outcome_items(outcomes, ids):
        ok, message = _outcome_parts(outcome)
        if ok:
            result.changed.append(pk)
            result.details[pk] = outcome
        else:
            result.refused[pk] = message or _l("It could not be converted.")
    return result


def export_request(entity: str, selection: Selection, user, fmt: str = "csv", language: str = "zh"):
    """What to export for "export selected": the export feature's request for exactly these
    records (its service applies the data scope again and logs the export)."""
    model = _start(entity, "export", user)
    from app.services import export

    if fmt not in export.FORMATS:
        raise CrmError(_l("Choose CSV or Excel."))
    if selection.by_filter:
        clause, logged = selection.where, {"selection": "filter"}
    else:
        ids = list(selection.ids or ())
        if not ids:
            raise CrmError(_l("Select at least one record."))
        if len(ids) > 30_000:  # one IN (…) list: keep it within every database's parameter limit
            raise CrmError(_l("At most %(max)s records at a time: narrow the filter.", max="30,000"))
        clause, logged = model.id.in_(ids), {"ids": ",".join(map(str, ids[:200]))}
    return export.ExportRequest(entity=entity, user=user, format=fmt, clauses=(clause,),
                                order_by=(model.id.desc(),), filters=logged, door="ui", language=language)


# -- machinery ---------------------------------------------------------------------------------

def _start(entity: str, operation: str, user):
    if entity not in MODELS or entity not in OPERATIONS[operation][0]:
        raise CrmError(_l("This action does not apply to these records."))
    if not allowed(user, entity, operation):
        raise CrmError(_l("You do not have permission to do this."))
    return MODELS[entity]


def _targets(model, selection: Selection, user, *columns) -> tuple[list, BulkResult]:
    """The selected rows the user may see (id first, then `columns`), locked for the update;
    ids outside the scope, deleted or absent become "Not found."."""
    result = BulkResult()
    base = select(model.id, *columns).where(visibility_clause(model, user)).with_for_update()
    if selection.by_filter:
        rows = db.session.execute(base.where(selection.where).order_by(model.id).limit(MAX_RECORDS + 1)).all()
        if len(rows) > MAX_RECORDS:
            raise CrmError(_l("At most %(max)s records at a time: narrow the filter.", max=f"{MAX_RECORDS:,}"))
        return rows, result
    wanted = list(selection.ids or ())
    if not wanted:
        raise CrmError(_l("Select at least one record."))
    if len(wanted) > MAX_RECORDS:
        raise CrmError(_l("At most %(max)s records at a time: narrow the filter.", max=f"{MAX_RECORDS:,}"))
    rows = []
    for start in range(0, len(wanted), CHUNK):
        rows += db.session.execute(base.where(model.id.in_(wanted[start:start + CHUNK]))).all()
    found = {row[0] for row in rows}
    result.refused.update({pk: NOT_FOUND for pk in wanted if pk not in found})
    return rows, result


def _apply(entity, model, user, result: BulkResult, changes: list, values: dict,
           action: HistoryAction, note: str | None = None) -> BulkResult:
    def work():
        ids = [pk for pk, _ in changes]
        _update(model, ids, values)
        _record(entity, changes, action, note)
        result.changed.extend(ids)

    return _in_one_transaction(user, result, work)


def _in_one_transaction(user, result: BulkResult, work) -> BulkResult:
    try:
        with acting_as(user.id, Door.BULK):
            work()
        db.session.commit()
    except Exception:
        db.session.rollback()
        result.changed.clear()
        raise
    return result


def _update(model, ids: list[int], values: dict) -> None:
    """UPDATE … WHERE id IN (chunk) with the audit stamps and version counter every save moves."""
    table = model.__table__
    stamps = {"updated_at": utcnow(), "updated_by_id": _actor_id(), "version": table.c.version + 1}
    for start in range(0, len(ids), CHUNK):
        db.session.execute(update(table).where(table.c.id.in_(ids[start:start + CHUNK]))
                           .values(**values, **stamps))


def _record(entity: str, changes: list, action: HistoryAction, note: str | None = None) -> None:
    """History rows for set-based changes (history.record_bulk); callers give JSON-plain values
    (dates as ISO text, like the flush hook stores them)."""
    record_bulk(db.session.connection(), entity, changes, action, note)


def _actor_id():
    from app.models.actor import current_user_id

    return current_user_id()


def _delete_rows(model, ids: list[int], result: BulkResult) -> None:
    deleted = recycle_bin.soft_delete_ids(db.session, model, ids, chunk=CHUNK)
    for deleted_model, stamps in deleted.items():
        name = AUDITED.get(deleted_model)
        if name and stamps:
            plain = {at: _plain(at) for at in set(stamps.values())}
            _record(name, [(pk, {"deleted_at": [None, plain[at]]}) for pk, at in stamps.items()],
                           HistoryAction.DELETE)
    result.changed.extend(deleted.get(model, {}))


@retry_on_conflict
def _tags(entity: str, operation: str, selection: Selection, user, tag_ids, new_names) -> BulkResult:
    model = _start(entity, operation, user)
    link, fk = TAG_LINKS[entity]
    adding = operation == "add_tags"
    tags = _chosen_tags(tag_ids, new_names if adding else (), user)
    if not tags:
        raise CrmError(_l("Choose at least one tag."))
    names = {t.id: t.name for t in tags}
    rows, result = _targets(model, selection, user)
    ids = [pk for (pk,) in rows]
    present: dict[int, set[int]] = {}
    for start in range(0, len(ids), CHUNK):
        for record_id, tag_id in db.session.execute(
                select(link.c[fk], link.c.tag_id).where(link.c[fk].in_(ids[start:start + CHUNK]),
                                                         link.c.tag_id.in_(list(names)))):
            present.setdefault(record_id, set()).add(tag_id)
    changes, pairs = [], []
    for pk in ids:
        have = present.get(pk, set())
        moving = sorted(set(names) - have) if adding else sorted(have)
        if not moving:
            result.refused[pk] = (_l("It already has these tags.") if adding
                                  else _l("It has none of these tags."))
            continue
        labels = sorted(names[t] for t in moving)
        changes.append((pk, {"tags": [[], labels] if adding else [labels, []]}))
        pairs += [(pk, t) for t in moving]

    def work():
        if adding:
            for start in range(0, len(pairs), 5000):
                db.session.execute(insert(link), [{fk: pk, "tag_id": t} for pk, t in pairs[start:start + 5000]])
        else:
            changed = [pk for pk, _ in changes]
            for start in range(0, len(changed), CHUNK):
                db.session.execute(delete(link).where(link.c[fk].in_(changed[start:start + CHUNK]),
                                                      link.c.tag_id.in_(list(names))))
        _update(model, [pk for pk, _ in changes], {})
        _record(entity, changes, HistoryAction.UPDATE)
        result.changed.extend(pk for pk, _ in changes)

    return _in_one_transaction(user, result, work)


def _chosen_tags(tag_ids, new_names, user) -> list[Tag]:
    ids = [int(t) for t in tag_ids if str(t).strip().isdigit()]
    tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(ids)))) if ids else []
    wanted = [n.strip() for n in new_names if n and n.strip()]
    for name in dict.fromkeys(wanted):
        if len(name) > 50:
            raise CrmError(_l("A tag has at most 50 characters."))
        existing = db.session.scalar(select(Tag).where(Tag.name == name))
        if existing is None:
            if not current_app.appbuilder.sm._has_view_access(user, "can_add", "TagView"):
                raise CrmError(_l("You may only choose existing tags."))
            with acting_as(user.id, Door.BULK):
                existing = Tag(name=name)
                db.session.add(existing)
                db.session.flush()
        tags.append(existing)
    return list({t.id: t for t in tags}.values())


def _outcome_items(outcomes, ids):
    if isinstance(outcomes, dict):
        return list(outcomes.items())
    items = []
    for pk, outcome in zip(ids, outcomes or [], strict=False):
        items.append((getattr(outcome, "lead_id", pk), outcome))
    return items


def _outcome_parts(outcome) -> tuple[bool, object]:
    """Read a conversion outcome whatever its exact shape (ok/error, or converted/message)."""
    if isinstance(outcome, dict):
        error = outcome.get("error")
        ok = outcome.get("ok", error is None)
        return bool(ok), error or outcome.get("message")
    error = getattr(outcome, "error", None)
    ok = getattr(outcome, "ok", getattr(outcome, "converted", error is None))
    return bool(ok), error or getattr(outcome, "message", None)

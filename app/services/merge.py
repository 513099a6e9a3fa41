"""Merge 合并: any number of records describing one real thing become one, in one transaction.

The survivor keeps, field by field, the value the user picked (by default its own, or the first
non-empty one among the others); notes, activities, contacts, opportunities, tags and every link
that pointed at a merged-away record move to the survivor; the merged-away records go to the
recycle bin, and the survivor's history keeps the values they held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from app.extensions import db
from app.models import Account, Activity, Contact, Lead, Note, Opportunity
from app.models.actor import current_door, current_user_id
from app.models.history import History, HistoryAction
from app.models.mixins import utcnow
from app.security.scope import visibility_clause

from .concurrency import StaleVersion
from .errors import NotFound, ValidationFailed
from .history import _plain, label_change
from .recycle_bin import soft_delete
from .transactions import retry_on_conflict

MODELS = {"lead": Lead, "account": Account, "contact": Contact}
MAX_RECORDS = 100

# fields whose surviving value the user picks
MERGE_FIELDS = {
    "lead": ("person_name", "company_name", "title", "mobile", "phone", "email", "wechat", "channel",
             "source_id", "referrer_contact_id", "referrer_account_id", "status", "unqualified_reason",
             "rating", "industry", "province", "city", "address", "description", "owner_id"),
    "account": ("name", "industry", "level", "source_id", "phone", "website", "province", "city",
                "address", "last_followup_at", "next_followup_at", "description", "owner_id"),
    "contact": ("name", "account_id", "title", "mobile", "phone", "email", "wechat", "is_primary",
                "birthday", "owner_id"),
}
# links pointing at a record of this type: (model, foreign-key column)
POINTERS = {
    "lead": ((Activity, "lead_id"), (Note, "lead_id"), (Opportunity, "source_lead_id")),
    "account": ((Activity, "account_id"), (Note, "account_id"), (Contact, "account_id"),
                (Opportunity, "account_id"), (Lead, "converted_account_id"),
                (Lead, "referrer_account_id")),
    "contact": ((Activity, "contact_id"), (Note, "contact_id"), (Opportunity, "contact_id"),
                (Lead, "converted_contact_id"), (Lead, "referrer_contact_id")),
}
CONVERSION_FIELDS = ("converted_account_id", "converted_contact_id", "converted_opportunity_id",
                     "converted_at", "converted_by_id")
EVERYTHING = {"include_deleted": True}


@dataclass
class MergeResult:
    survivor_id: int
    merged_ids: list[int]
    moved: dict[str, int] = field(default_factory=dict)  # "activity.lead_id" -> count


def merge_records(entity: str, survivor_id: int, other_ids, user, choices: dict | None = None, *,
                  versions: dict | None = None) -> MergeResult:
    """Merge `other_ids` into `survivor_id`. All must be visible to `user` (else NotFound).

    `choices` maps a field to the id of the record whose value survives; `versions` maps record
    ids to the version the user saw (a record changed since raises StaleVersion).
    """
    model = MODELS.get(entity)
    if model is None:
        raise ValidationFailed(_l("Only leads, accounts and contacts can be merged."))
    survivor_id = int(survivor_id)
    others = []
    for raw in other_ids:
        pk = int(raw)
        if pk != survivor_id and pk not in others:
            others.append(pk)
    if not others:
        raise ValidationFailed(_l("Choose at least two records to merge."))
    if len(others) + 1 > MAX_RECORDS:
        raise ValidationFailed(_l("At most %(count)s records can be merged at once.", count=MAX_RECORDS))
    return _merge(entity, model, survivor_id, others, user, dict(choices or {}), versions or {})


@retry_on_conflict
def _merge(entity, model, survivor_id, other_ids, user, choices, versions) -> MergeResult:
    try:
        records = _load(model, [survivor_id, *other_ids], user)
        for record in records.values():
            expected = versions.get(record.id, versions.get(str(record.id)))
            if expected is not None and int(expected) != record.version:
                raise StaleVersion(record.version)
        survivor, others = records[survivor_id], [records[pk] for pk in other_ids]
        _pick_values(entity, survivor, others, records, choices)
        if entity == "lead":
            _carry_conversion(survivor, others)
        _union_tags(survivor, others)
        result = MergeResult(survivor.id, [o.id for o in others])
        result.moved = _move_pointers(entity, survivor, other_ids)
        summary = ", ".join(f"#{o.id} {o}" for o in others)
        label_change(survivor, HistoryAction.MERGE, str(_l("Merged: %(records)s", records=summary))[:500])
        for other in others:
            label_change(other, HistoryAction.MERGE,
                         str(_l("Merged into #%(id)s %(label)s", id=survivor.id, label=str(survivor)))[:500])
        soft_delete(db.session, others, commit=False)
        db.session.flush()
        _keep_merged_values(entity, survivor, others)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def _load(model, ids: list[int], user) -> dict:
    rows = db.session.scalars(select(model).where(model.id.in_(ids), visibility_clause(model, user))).all()
    found = {r.id: r for r in rows}
    if len(found) != len(ids):
        raise NotFound(_l("One of the records to merge was not found, or you may not change it."))
    return found


def _pick_values(entity, survivor, others, records, choices) -> None:
    fields = MERGE_FIELDS[entity]
    for name, chosen in choices.items():
        if name not in fields:
            raise ValidationFailed(_l("%(field)s cannot be chosen when merging.", field=name))
        try:
            source = records[int(chosen)]
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(_l("Choose the value of %(field)s from one of the merged records.",
                                      field=name)) from None
        setattr(survivor, name, getattr(source, name))
    for name in fields:
        if name in choices or not _empty(getattr(survivor, name)):
            continue
        for other in others:  # an empty field takes the first value another record has
            if not _empty(getattr(other, name)):
                setattr(survivor, name, getattr(other, name))
                break


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _carry_conversion(survivor: Lead, others: list[Lead]) -> None:
    """A merged lead that was converted keeps its links to what it became."""
    if survivor.converted_at is not None:
        return
    for other in others:
        if other.converted_at is not None:
            for name in CONVERSION_FIELDS:
                setattr(survivor, name, getattr(other, name))
            survivor.status = "converted"
            return


def _union_tags(survivor, others) -> None:
    if not hasattr(survivor, "tags"):
        return
    have = {t.id for t in survivor.tags}
    for other in others:
        for tag in other.tags:
            if tag.id not in have:
                survivor.tags.append(tag)
                have.add(tag.id)


def _move_pointers(entity: str, survivor, other_ids: list[int]) -> dict[str, int]:
    """Every record pointing at a merged-away record now points at the survivor (deleted ones too,
    so that restoring one from the recycle bin finds its parent)."""
    moved = {}
    for child_model, column in POINTERS[entity]:
        fk = getattr(child_model, column)
        children = db.session.scalars(
            select(child_model).where(fk.in_(other_ids)).execution_options(**EVERYTHING)
        ).all()
        for child in children:
            setattr(child, column, survivor.id)
        if children:
            moved[f"{child_model.__tablename__}.{column}"] = len(children)
    return moved


def _keep_merged_values(entity: str, survivor, others) -> None:
    """One history entry on the survivor per merged-away record: its values next to the kept ones."""
    rows = []
    for other in others:
        changes = {}
        for name in MERGE_FIELDS[entity]:
            value, kept = getattr(other, name), getattr(survivor, name)
            if not _empty(value) and value != kept:
                changes[name] = [_plain(value), _plain(kept)]
        rows.append({
            "entity": entity, "record_id": survivor.id, "action": HistoryAction.MERGE.value,
            "door": current_door(), "actor_id": current_user_id(), "at": utcnow(), "changes": changes,
            "note": str(_l("Values of merged record #%(id)s %(label)s → kept values",
                           id=other.id, label=str(other)))[:500],
        })
    if rows:
        db.session.execute(insert(History.__table__), rows)

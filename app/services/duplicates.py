"""Duplicates 查重: likely duplicates of a record among the leads, accounts and contacts a user sees.

Matching compares the normalised match keys (app/services/normalise.py), one indexed column at a
time: a mobile number matches lead and contact mobiles and account phones; an e-mail matches lead
and contact e-mails; a company name matches lead companies and account names. Soft-deleted rows
never match (the global soft-delete filter), and every query carries the data-scope rule.
Custom fields 自定义字段 an admin marks for the duplicate check match records of their own type on
their normalised value (app/services/custom_fields/duplicates.py), keys named "cf:<field key>".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Account, Contact, Lead
from app.security.scope import visibility_clause

from . import normalise
from .custom_fields import can_see
from .custom_fields import duplicates as custom_duplicates
from .custom_fields.storage import match_expr
from .errors import CrmError

MODELS = {"lead": Lead, "account": Account, "contact": Contact}
ENTITY_LABELS = {"lead": _l("Lead"), "account": _l("Account"), "contact": _l("Contact")}
MIN_PHONE_DIGITS = 7  # shorter numbers (extensions, typos) match too much to mean anything

# kind of key -> [(entity, key column, the field it comes from)]
TARGETS = {
    "phone": [("lead", "mobile_key", "mobile"), ("contact", "mobile_key", "mobile"),
              ("account", "phone_key", "phone")],
    "email": [("lead", "email_key", "email"), ("contact", "email_key", "email")],
    "company": [("lead", "company_key", "company_name"), ("account", "name_key", "name")],
}
# entity -> {input field: kind of key}; a contact's `name` is a person, an account's a company;
# `custom` (the custom-field JSON) gives the "cf:<key>" kinds of fields marked for the check
INPUT_FIELDS = {
    "lead": {"mobile": "phone", "phone": "phone", "email": "email", "company_name": "company",
             "custom": "custom"},
    "account": {"phone": "phone", "name": "company", "company_name": "company", "custom": "custom"},
    "contact": {"mobile": "phone", "phone": "phone", "email": "email", "custom": "custom"},
}
# entity -> {key column: field label} for the duplicates screen's groups
GROUP_KEYS = {
    "lead": {"mobile_key": "mobile", "email_key": "email", "company_key": "company_name"},
    "account": {"name_key": "name", "phone_key": "phone"},
    "contact": {"mobile_key": "mobile", "email_key": "email"},
}
FIELD_LABELS = {"mobile": _l("Mobile"), "phone": _l("Phone"), "email": _l("E-mail"),
                "company_name": _l("Company"), "name": _l("Name")}


@dataclass
class Candidate:
    """A record that may describe the same thing as the one being entered."""

    entity: str
    id: int
    label: str
    matched: list[str] = field(default_factory=list)  # the candidate's fields that matched
    url: str = ""
    owner: str = ""

    @property
    def entity_label(self):
        return ENTITY_LABELS[self.entity]

    @property
    def matched_labels(self) -> str:
        return ", ".join(str(FIELD_LABELS.get(name) or custom_duplicates.label_of(self.entity, name) or name)
                         for name in self.matched)


def keys_of(entity: str, data: dict) -> dict[str, set[str]]:
    """The normalised keys of a record given as field values: {"phone": {...}, "email": ..., ...,
    "cf:<key>": ...} (a custom field's key from `data["custom"]` or from a form's `cf_<key>`)."""
    if entity not in INPUT_FIELDS:
        raise CrmError(_l("Unknown record type."))
    keys: dict[str, set[str]] = {"phone": set(), "email": set(), "company": set()}
    for name, kind in INPUT_FIELDS[entity].items():
        raw = data.get(name)
        if raw is None or not isinstance(raw, str):
            continue
        if kind == "phone":
            key = normalise.mobile(raw)
            if key and len(key) >= MIN_PHONE_DIGITS:
                keys["phone"].add(key)
        elif kind == "email":
            key = normalise.email(raw)
            if key:
                keys["email"].add(key)
        elif kind == "company":
            key = normalise.company(raw)
            if key:
                keys["company"].add(key)
    keys.update(custom_duplicates.keys_of(entity, data))
    return keys


def find_duplicates(entity: str, data: dict, user, exclude_id=None, limit: int = 10, *,
                    kinds: tuple[str, ...] | None = None) -> list[Candidate]:
    """Visible leads, accounts and contacts sharing a mobile/phone, e-mail or company with `data`.

    `entity` is the type of the record being entered ("lead", "account", "contact"); `exclude_id`
    is that record's own id when it is being edited. `kinds` limits which record types are searched
    (e.g. those the user may open). Most matching fields first, then newest.
    """
    keys = keys_of(entity, data)
    found: dict[tuple[str, int], Candidate] = {}
    for kind, values in keys.items():
        if not values:
            continue
        if kind.startswith(custom_duplicates.PREFIX):
            _custom_matches(entity, kind, values, user, exclude_id, kinds, limit, found)
            continue
        for target, key_column, field_name in TARGETS[kind]:
            if kinds is not None and target not in kinds:
                continue
            model = MODELS[target]
            eager = [joinedload(model.owner)] + ([joinedload(Contact.account)] if model is Contact else [])
            stmt = (select(model).where(getattr(model, key_column).in_(sorted(values)),
                                        visibility_clause(model, user))
                    .options(*eager).order_by(model.id.desc()).limit(limit + 1))
            if target == entity and exclude_id is not None:
                stmt = stmt.where(model.id != int(exclude_id))
            for record in db.session.scalars(stmt):
                candidate = found.get((target, record.id))
                if candidate is None:
                    candidate = found[(target, record.id)] = _candidate(target, record)
                if field_name not in candidate.matched:
                    candidate.matched.append(field_name)
    ranked = sorted(found.values(), key=lambda c: (-len(c.matched), -c.id))
    return ranked[:limit]


def _custom_matches(entity: str, kind: str, values: set[str], user, exclude_id, kinds, limit: int,
                    found: dict) -> None:
    """Records of `entity` sharing a custom field's normalised value (a field the user may see)."""
    definition = custom_duplicates.visible_to(entity, kind[len(custom_duplicates.PREFIX):], user)
    if definition is None or (kinds is not None and entity not in kinds):
        return
    model = MODELS[entity]
    clauses = [visibility_clause(model, user)]
    if exclude_id is not None:
        clauses.append(model.id != int(exclude_id))
    eager = [joinedload(model.owner)] + ([joinedload(Contact.account)] if model is Contact else [])
    for record in custom_duplicates.matching_records(entity, definition.key, values, clauses, eager, limit + 1):
        candidate = found.get((entity, record.id))
        if candidate is None:
            candidate = found[(entity, record.id)] = _candidate(entity, record)
        if definition.name not in candidate.matched:
            candidate.matched.append(definition.name)


def _candidate(entity: str, record) -> Candidate:
    label = str(record)
    if entity == "contact" and record.account is not None:
        label = f"{label} · {record.account}"
    owner = record.owner.display_name if record.owner is not None else str(_l("Public pool"))
    return Candidate(entity=entity, id=record.id, label=label, url=record_url(entity, record.id),
                     owner=owner)


def record_url(entity: str, pk: int) -> str:
    view = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView"}[entity]
    try:
        from flask import url_for

        return url_for(f"{view}.show", pk=pk)
    except RuntimeError:  # outside an app/request context
        return f"/{entity}/show/{pk}"


# -- the duplicates screen -------------------------------------------------------------------------

def group_keys(entity: str, user) -> dict[str, str]:
    """The keys the duplicates screen groups `entity` by, with their labels: the built-in match keys,
    then "cf:<key>" for each custom field marked for the duplicate check that `user` may see."""
    keys = {column: str(FIELD_LABELS[name]) for column, name in GROUP_KEYS.get(entity, {}).items()}
    for definition in custom_duplicates.match_fields(entity):  # one query, whatever the number of fields
        if can_see(definition, user):
            keys[custom_duplicates.PREFIX + definition.key] = str(definition.label)
    return keys


@dataclass
class DuplicateGroup:
    entity: str
    key_column: str
    key: str
    count: int
    records: list = field(default_factory=list)
    label: str = ""  # the matched field's name, in the viewer's language


@dataclass
class GroupPage:
    groups: list[DuplicateGroup]
    after: str | None  # the key this page started after (None: the first page)
    next_after: str | None  # pass as `after` for the next page; None on the last page

    @property
    def has_next(self) -> bool:
        return self.next_after is not None


RAW_BATCH = 500  # repeated keys read from the index per round


def duplicate_groups(entity: str, user, key_column: str | None = None, after: str | None = None,
                     page_size: int = 20, members: int = 20) -> GroupPage:
    """Groups of visible, live records of one type sharing a match key, in key order.

    Keys that repeat at all are read in batches straight from the key's index (no row lookups,
    and the scan stops as soon as a page is full); only their rows are then checked for being
    live and in the user's scope (GROUP BY key HAVING count > 1). Paging is by key (`after`), so
    a deep page costs no more than the first. Each group carries up to `members` records, newest first.
    """
    model = MODELS.get(entity)
    if model is None:
        raise CrmError(_l("Unknown record type."))
    columns = group_keys(entity, user)  # a custom field the user may not see is no key for them
    key_column = key_column or next(iter(columns))
    if key_column not in columns:
        raise CrmError(_l("Unknown duplicate key."))
    if key_column.startswith(custom_duplicates.PREFIX):
        # the normalised value, as its expression index holds it; blank values are no key
        column = match_expr(model, key_column[len(custom_duplicates.PREFIX):])
        raw = column
        present = (raw.is_not(None), raw != "")
    else:
        column, raw = getattr(model, key_column), model.__table__.c[key_column]
        present = (raw.is_not(None),)
    page_size = max(1, min(int(page_size), 100))
    scope = visibility_clause(model, user)
    rows: list = []
    cursor = after
    while len(rows) <= page_size:
        repeated = select(raw).where(*present).group_by(raw).having(func.count() > 1)
        if cursor is not None:
            repeated = repeated.where(raw > cursor)
        keys = list(db.session.scalars(repeated.order_by(raw).limit(RAW_BATCH)))
        if not keys:
            break
        rows += db.session.execute(
            select(column, func.count(model.id))
            .where(column.in_(keys), model.deleted_at.is_(None), scope)
            .group_by(column).having(func.count(model.id) > 1).order_by(column)
        ).all()
        cursor = keys[-1]
        if len(keys) < RAW_BATCH:
            break
    shown = rows[:page_size]
    groups = [DuplicateGroup(entity, key_column, key, count, label=columns[key_column]) for key, count in shown]
    _fill_members(model, column, scope, groups, members)
    next_after = shown[-1][0] if len(rows) > page_size else None
    return GroupPage(groups, after, next_after)


def _fill_members(model, column, scope, groups: list[DuplicateGroup], members: int) -> None:
    if not groups:
        return
    by_key = {g.key: g for g in groups}
    # at most `members` per group, however big a group is
    rank = func.row_number().over(partition_by=column, order_by=model.id.desc()).label("rank")
    ranked = select(model.id, rank).where(column.in_(list(by_key)), scope).subquery()
    stmt = (select(model, column).where(model.id.in_(select(ranked.c.id).where(ranked.c.rank <= members)))
            .order_by(column, model.id.desc()))
    for record, key in db.session.execute(stmt):
        by_key[key].records.append(record)

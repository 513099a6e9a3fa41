"""Custom fields 自定义字段: definitions an admin manages in the app, values in each record's JSON.

- definitions (this module): add, change, reorder, hide, retire/restore; who may see/edit a field
- values.py: parse, check (required, unique, choices, links in scope), show, history
- storage.py: SQL for filtering on a value, and the expression indexes that keep it fast
- search.py: the list search box over searchable text fields; duplicates.py: the duplicate check
  over fields marked for it (also in imports)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Contact, Lead, Opportunity
from app.models.custom_field import CHOICE_KINDS, MATCH_KINDS, TEXT_KINDS, CustomField, FieldKind
from app.models.mixins import utcnow
from app.services.errors import NotFound, ValidationFailed

from .storage import drop_index, ensure_index

ENTITIES = {"lead": Lead, "account": Account, "contact": Contact, "opportunity": Opportunity}
ENTITY_LABELS = {"lead": _l("Leads"), "account": _l("Accounts"), "contact": _l("Contacts"),
                 "opportunity": _l("Opportunities")}
MAX_FIELDS = 100
_SLUG = re.compile(r"[^a-z0-9]+")
_CODE_LINE = re.compile(r"^\s*([a-z][a-z0-9_]{0,19})\s*:\s*(.*)$")


@dataclass
class FieldInput:
    """What the admin screen (or a test) sends to create or change a field."""

    label_zh: str
    label_en: str
    kind: str = FieldKind.TEXT
    help_zh: str = ""
    help_en: str = ""
    choices_text: str = ""  # one choice a line: "中文 | English" (existing ones start "c1:")
    link_entity: str | None = None
    required: bool = False
    unique: bool = False
    default_value: str = ""
    in_list: bool = False
    searchable: bool = True  # text fields only: found by the list search box
    duplicate_check: bool = False  # text and number fields only: matched by the duplicate check
    view_roles: list[str] = field(default_factory=list)
    edit_roles: list[str] = field(default_factory=list)


def fields_for(entity: str, *, include_hidden: bool = False, include_retired: bool = False) -> list[CustomField]:
    stmt = select(CustomField).where(CustomField.entity == entity)
    if not include_retired:
        stmt = stmt.where(CustomField.retired_at.is_(None))
    if not include_hidden:
        stmt = stmt.where(CustomField.hidden.is_(False))
    return list(db.session.scalars(stmt.order_by(CustomField.sort_order, CustomField.id)))


def _role_names(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or []}


def can_see(definition: CustomField, user) -> bool:
    """None is the system actor (CLI, scheduler): it sees everything."""
    if user is None or not definition.view_roles:
        return True
    names = _role_names(user)
    return "Admin" in names or bool(names & set(definition.view_roles))


def can_edit(definition: CustomField, user) -> bool:
    if not can_see(definition, user):
        return False
    if user is None or not definition.edit_roles:
        return True
    names = _role_names(user)
    return "Admin" in names or bool(names & set(definition.edit_roles))


def visible_fields(entity: str, user) -> list[CustomField]:
    return [f for f in fields_for(entity) if can_see(f, user)]


def editable_fields(entity: str, user) -> list[CustomField]:
    return [f for f in fields_for(entity) if can_edit(f, user)]


def get_field(field_id: int) -> CustomField:
    found = db.session.get(CustomField, field_id)
    if found is None:
        raise NotFound(_l("No such field."))
    return found


# -- changing definitions ------------------------------------------------------------------------
def create_field(entity: str, data: FieldInput) -> CustomField:
    if entity not in ENTITIES:
        raise ValidationFailed(_l("Custom fields exist for leads, accounts, contacts and opportunities."))
    if data.kind not in {k.value for k in FieldKind}:
        raise ValidationFailed(_l("Choose a field type."))
    count = db.session.scalar(select(func.count()).select_from(CustomField).where(CustomField.entity == entity))
    if count >= MAX_FIELDS:
        raise ValidationFailed(_l("At most %(max)s custom fields per record type.", max=MAX_FIELDS))
    definition = CustomField(entity=entity, kind=data.kind, key=_new_key(entity, data.label_en),
                             sort_order=(count + 1) * 10, hidden=False, required=False, unique=False,
                             in_list=False, searchable=False, duplicate_check=False)
    _apply(definition, data, [])
    db.session.add(definition)
    db.session.commit()
    ensure_index(definition)
    return definition


def update_field(field_id: int, data: FieldInput) -> CustomField:
    """Labels, help, choices and options change; the type and the stored key never do."""
    definition = get_field(field_id)
    data.kind = definition.kind
    _apply(definition, data, definition.choices or [])
    db.session.commit()
    ensure_index(definition)
    return definition


def move_field(field_id: int, step: int) -> None:
    """Move a field up (-1) or down (+1) among its entity's fields."""
    definition = get_field(field_id)
    ordered = fields_for(definition.entity, include_hidden=True, include_retired=True)
    index = ordered.index(definition)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.sort_order = position * 10
    db.session.commit()


def set_hidden(field_id: int, hidden: bool) -> None:
    get_field(field_id).hidden = hidden
    db.session.commit()


def retire_field(field_id: int) -> None:
    """Hidden everywhere; the values stay in the records and come back with `restore_field`."""
    definition = get_field(field_id)
    definition.retired_at = utcnow()
    db.session.commit()


def restore_field(field_id: int) -> None:
    get_field(field_id).retired_at = None
    db.session.commit()


def forget_indexes() -> None:
    """Drop expression indexes of fields that no longer exist (tests delete definitions wholesale)."""
    keep = {(f.entity, f.key) for f in db.session.scalars(select(CustomField))}
    from .storage import existing_indexes

    for entity, key in existing_indexes(ENTITIES):
        if (entity, key) not in keep:
            drop_index(entity, key)


def _apply(definition: CustomField, data: FieldInput, old_choices: list) -> None:
    label_zh, label_en = (data.label_zh or "").strip(), (data.label_en or "").strip()
    if not label_zh or not label_en:
        raise ValidationFailed(_l("Give the field a name in Chinese and in English."))
    if len(label_zh) > 100 or len(label_en) > 100:
        raise ValidationFailed(_l("At most %(max)s characters.", max=100))
    definition.label_zh, definition.label_en = label_zh, label_en
    definition.help_zh = (data.help_zh or "").strip()[:255] or None
    definition.help_en = (data.help_en or "").strip()[:255] or None
    if definition.kind in CHOICE_KINDS:
        definition.choices = parse_choices(data.choices_text, old_choices)
    else:
        definition.choices = None
    if definition.kind == FieldKind.LINK:
        if data.link_entity not in ENTITIES:
            raise ValidationFailed(_l("Choose which kind of record the field links to."))
        definition.link_entity = data.link_entity
    definition.required = bool(data.required)
    definition.unique = bool(data.unique) and definition.kind in MATCH_KINDS
    definition.searchable = bool(data.searchable) and definition.kind in TEXT_KINDS
    definition.duplicate_check = bool(data.duplicate_check) and definition.kind in MATCH_KINDS
    definition.in_list = bool(data.in_list)
    definition.view_roles = sorted(set(data.view_roles)) or None
    definition.edit_roles = sorted(set(data.edit_roles)) or None
    default = (data.default_value or "").strip()
    if default:
        from .values import parse_text

        try:
            parse_text(definition, default)
        except ValueError as error:
            raise ValidationFailed(_l("The default value is not valid: %(why)s", why=str(error))) from None
    definition.default_value = default or None


def parse_choices(text: str, old: list) -> list[dict]:
    """Lines "中文 | English"; a line starting "c2:" keeps choice c2 (its stored values stay valid).
    A choice left out is kept but marked retired, so records holding it still read well."""
    known = {c["code"]: c for c in old}
    out, seen = [], set()
    numbers = [int(c[1:]) for c in known if c[1:].isdigit()]
    next_number = max(numbers, default=0) + 1
    for raw in (text or "").splitlines():
        if not raw.strip():
            continue
        code = None
        match = _CODE_LINE.match(raw)
        if match and match.group(1) in known:
            code, raw = match.group(1), match.group(2)
        parts = [p.strip() for p in raw.split("|")]
        zh = parts[0]
        en = parts[1] if len(parts) > 1 and parts[1] else zh
        if not zh or len(zh) > 100 or len(en) > 100:
            raise ValidationFailed(_l("Each choice needs a Chinese and an English label (up to 100 characters)."))
        if code is None:
            code = f"c{next_number}"
            next_number += 1
        if code in seen:
            raise ValidationFailed(_l("A choice appears twice."))
        seen.add(code)
        out.append({"code": code, "zh": zh, "en": en})
    if not out:
        raise ValidationFailed(_l("Give at least one choice, one a line: Chinese | English."))
    for code, choice in known.items():
        if code not in seen:
            out.append({**choice, "retired": True})
    return out


def choices_text(definition: CustomField) -> str:
    return "\n".join(f"{c['code']}: {c['zh']} | {c['en']}" for c in definition.choices or []
                     if not c.get("retired"))


def _new_key(entity: str, label_en: str) -> str:
    base = _SLUG.sub("_", (label_en or "").lower()).strip("_")[:30] or "field"
    if not base[0].isalpha():
        base = f"f_{base}"[:30]
    taken = set(db.session.scalars(select(CustomField.key).where(CustomField.entity == entity)))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def filter_clauses(model, user, args) -> list:
    """WHERE clauses for a list's `cf_<key>=<value>` arguments, on fields the user may see."""
    entity = next((name for name, m in ENTITIES.items() if m is model), None)
    if entity is None:
        return []
    wanted = {k[3:]: v for k, v in args.items() if k.startswith("cf_") and v}
    if not wanted:
        return []
    from .storage import equals

    return [equals(model, d, str(wanted[d.key])[:200]) for d in visible_fields(entity, user) if d.key in wanted]


def text_field_keys(entity: str) -> list[str]:
    """Keys of every text / long-text field of an entity, retired and hidden ones too: what
    migration 0026's SQLite search table holds for each record."""
    return list(db.session.scalars(select(CustomField.key).where(
        CustomField.entity == entity, CustomField.kind.in_(TEXT_KINDS))))

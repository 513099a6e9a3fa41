"""Custom field values: parsed from text (forms, imports) or JSON (API), checked, shown, recorded.

Stored forms in the record's `custom` JSON: text → str, number → int/float, money → "1234.50",
date → "2026-11-25", yes/no → true/false, single choice → code, multiple choice → [codes],
user → user id, link → record id. An empty value is not stored at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import CrmUser
from app.models.custom_field import CustomField

from . import ENTITIES, can_edit, fields_for
from .storage import others_with

REQUIRED = _l("This field is required.")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "对", "√", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "不", "×", "off"}
MAX_TEXT, MAX_LONG = 255, 5000


def empty(value) -> bool:
    return value is None or value == "" or value == []


def parse_text(definition: CustomField, raw) -> object:
    """One value from text (a form field or a spreadsheet cell); raises ValueError(translated)."""
    if isinstance(raw, (list, tuple)):
        if definition.kind != "multi_choice":
            raw = raw[0] if raw else ""
        else:
            return _choices(definition, [str(r).strip() for r in raw if str(r).strip()])
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    kind = definition.kind
    if kind == "multi_choice":
        return _choices(definition, [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")
                                     if p.strip()])
    return coerce(definition, text)


def coerce(definition: CustomField, value) -> object:
    """One value from JSON or text; raises ValueError with a message in the user's language."""
    if empty(value):
        return None
    kind = definition.kind
    if kind in ("text", "long_text"):
        if not isinstance(value, str):
            raise ValueError(str(_l("Enter text.")))
        limit = MAX_TEXT if kind == "text" else MAX_LONG
        if len(value) > limit:
            raise ValueError(str(_l("At most %(max)s characters.", max=limit)))
        return value
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError(str(_l("Enter a number.")))
        try:
            number = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            raise ValueError(str(_l("Enter a number."))) from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValueError(str(_l("Enter a number.")))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "money":
        try:
            amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
        except InvalidOperation:
            raise ValueError(str(_l("Enter an amount such as 1234.50."))) from None
        if isinstance(value, bool) or not amount.is_finite() or abs(amount) >= Decimal("1e13"):
            raise ValueError(str(_l("Enter an amount such as 1234.50.")))
        return str(amount.quantize(Decimal("0.01")))
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()[:10].replace("/", "-")).isoformat()
        except ValueError:
            raise ValueError(str(_l("Enter a date such as 2026-11-25."))) from None
    if kind == "yes_no":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(str(_l("Enter true or false.")))
    if kind == "choice":
        return _choices(definition, [value])[0]
    if kind == "multi_choice":
        return _choices(definition, list(value) if isinstance(value, (list, tuple)) else [value])
    if kind in ("user", "link"):
        if isinstance(value, bool):
            raise ValueError(str(_l("Not found.")))
        try:
            number = int(value)
        except (TypeError, ValueError):
            if kind == "user":
                return _user_by_name(str(value))
            raise ValueError(str(_l("Enter a record id."))) from None
        if not 0 < number < 2**31:
            raise ValueError(str(_l("Not found.")))
        return number
    raise ValueError(str(_l("This value is not valid.")))


def _choices(definition: CustomField, values: list) -> list:
    """Codes, or labels in either language (spreadsheets carry labels)."""
    lookup = {}
    for choice in definition.choices or []:
        if choice.get("retired"):
            continue
        lookup[choice["code"]] = choice["code"]
        lookup.setdefault(choice["zh"], choice["code"])
        lookup.setdefault(choice["en"].lower(), choice["code"])
    out = []
    for value in values:
        code = lookup.get(value) if isinstance(value, str) else None
        if code is None and isinstance(value, str):
            code = lookup.get(value.lower())
        if code is None:
            raise ValueError(str(_l("Not a valid choice.")))
        if code not in out:
            out.append(code)
    return out


def _user_by_name(name: str) -> int:
    found = db.session.scalar(select(CrmUser.id).where(CrmUser.username == name))
    if found is None:
        raise ValueError(str(_l("No user with this user name.")))
    return found


def check(definition: CustomField, value, *, user, record_id: int | None) -> str | None:
    """What is wrong with a parsed value on this record (None: fine)."""
    if empty(value):
        return str(REQUIRED) if definition.required else None
    if definition.kind == "user" and db.session.scalar(
            select(CrmUser.id).where(CrmUser.id == value, CrmUser.active.is_(True))) is None:
        return str(_l("Not found."))
    if definition.kind == "link":
        from app.security.scope import visibility_clause

        model = ENTITIES.get(definition.link_entity)
        clause = [visibility_clause(model, user)] if user is not None else []
        if model is None or db.session.scalar(select(model.id).where(model.id == value, *clause)) is None:
            return str(_l("Not found."))
    if definition.unique:
        model = ENTITIES[definition.entity]
        if db.session.scalar(others_with(model, definition.key, value, record_id)) is not None:
            return str(_l("Another record already has this value."))
    return None


def check_all(entity: str, values: dict, *, user, record_id: int | None, creating: bool) -> dict:
    """{field name: [message]} for the given {key: parsed value}; on create, missing required too."""
    errors = {}
    for definition in fields_for(entity):
        if definition.key not in values:
            if creating and definition.required and can_edit(definition, user):
                errors[definition.name] = [str(REQUIRED)]
            continue
        message = check(definition, values[definition.key], user=user, record_id=record_id)
        if message:
            errors[definition.name] = [message]
    return errors


def store(record, values: dict) -> None:
    """Merge {key: value} into the record's JSON (a new dict, so the change is seen and recorded)."""
    merged = dict(record.custom or {})
    for key, value in values.items():
        if empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    record.custom = merged or None


def defaults(entity: str, user) -> dict:
    out = {}
    for definition in fields_for(entity):
        if definition.default_value and can_edit(definition, user):
            try:
                out[definition.key] = parse_text(definition, definition.default_value)
            except ValueError:
                continue
    return out


def display(definition: CustomField, value) -> str:
    """The value as a person reads it, in the current language."""
    if empty(value):
        return ""
    kind = definition.kind
    if kind == "choice":
        return definition.choice_label(value)
    if kind == "multi_choice":
        return ", ".join(definition.choice_label(v) for v in (value if isinstance(value, list) else [value]))
    if kind == "yes_no":
        return str(_l("Yes")) if value else str(_l("No"))
    if kind == "money":
        try:
            return format_decimal(Decimal(str(value)), format="#,##0.00")
        except (InvalidOperation, ValueError):
            return str(value)
    if kind == "user":
        person = db.session.get(CrmUser, int(value)) if str(value).isdigit() else None
        return person.display_name if person is not None else f"#{value}"
    if kind == "link":
        model = ENTITIES.get(definition.link_entity)
        record = db.session.get(model, int(value)) if model is not None and str(value).isdigit() else None
        return str(record) if record is not None else f"#{value}"
    return str(value)


def history_changes(old: dict | None, new: dict | None) -> dict:
    """Per-field old → new for the history: {"custom.<key>": [old, new]}."""
    old, new = old or {}, new or {}
    return {f"custom.{key}": [old.get(key), new.get(key)]
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)}


def describe_change(entity: str, key: str, old, new, user=None):
    """(label, old, new) of one custom-field history entry, or None if the viewer may not see it."""
    from app.security.current import current_actor

    user = user if user is not None else current_actor()
    definition = db.session.scalar(select(CustomField).where(CustomField.entity == entity,
                                                             CustomField.key == key))
    if definition is None:
        return (key, "" if old is None else str(old), "" if new is None else str(new))
    from . import can_see

    if not can_see(definition, user):
        return None
    return (definition.label, display(definition, old), display(definition, new))

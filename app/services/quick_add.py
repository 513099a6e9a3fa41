"""Quick add 快速录入: a lead from a name or a company and one way to reach them, in one click.

Cheaper than the paper notebook: everything else is optional, the channel and source default to
what the user chose last time (remembered in `capture_preference`), and the creator owns the lead.
A likely duplicate among the records the user can see stops the save until they say "save anyway".
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Account, CapturePreference, Channel, Contact, Lead, LeadSource, LeadStatus

from .channels import origin_errors, referrer
from .errors import CrmError, ValidationFailed
from .validation import is_valid_email, is_valid_phone

TEXT_FIELDS = {"person_name": 100, "company_name": 200, "mobile": 32, "phone": 32, "email": 254,
               "wechat": 64}
REACH = ("mobile", "phone", "email", "wechat")


class Invalid(ValidationFailed):
    """Field-by-field problems: `errors` maps a field name to a translated message."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class PossibleDuplicates(CrmError):
    """这可能是重复的: the caller shows `candidates` and may save anyway (force=True)."""

    status_code = 409

    def __init__(self, candidates: list) -> None:
        super().__init__(_l("This may be a duplicate of a record you can see."))
        self.candidates = candidates


@dataclass(frozen=True)
class Defaults:
    channel: str
    source_id: int | None


def defaults(user) -> Defaults:
    """The user's last quick-add choice; before the first one, online with no source."""
    pref = db.session.get(CapturePreference, user.id) if user is not None else None
    if pref is not None and pref.channel in {c.value for c in Channel}:
        source = db.session.get(LeadSource, pref.source_id) if pref.source_id else None
        usable = source is not None and source.active and source.channel == pref.channel
        return Defaults(pref.channel, source.id if usable else None)
    return Defaults(Channel.ONLINE.value, None)


def clean(data: dict) -> dict:
    out = {}
    for name in (*TEXT_FIELDS, "channel", "source_id", "referrer_contact_id", "referrer_account_id"):
        value = data.get(name)
        value = "" if value is None else str(value).strip()
        out[name] = value or None
    return out


def validate(values: dict, user) -> dict[str, object]:
    """Field -> translated message; empty when the lead may be saved."""
    errors: dict[str, object] = {}
    if not (values["person_name"] or values["company_name"]):
        errors["person_name"] = _l("Enter a name or a company.")
    if not any(values[name] for name in REACH):
        errors["mobile"] = _l("Enter at least one way to reach them: mobile, phone, e-mail or WeChat.")
    for name in ("mobile", "phone"):
        if values[name] and not is_valid_phone(values[name]):
            errors[name] = _l("Enter a valid phone number: 7 to 20 digits, separators allowed.")
    if values["email"] and not is_valid_email(values["email"]):
        errors["email"] = _l("Enter a valid e-mail address, such as name@example.com.")
    for name, limit in TEXT_FIELDS.items():
        if values[name] and len(values[name]) > limit and name not in errors:
            errors[name] = _l("At most %(count)s characters.", count=limit)
    referrers = {}
    for name, model in (("referrer_contact_id", Contact), ("referrer_account_id", Account)):
        try:
            referrers[name] = referrer(model, values[name], user)
        except CrmError as error:
            errors[name] = error.message
    for name, message in origin_errors(values["channel"], values["source_id"],
                                       referrers.get("referrer_contact_id"),
                                       referrers.get("referrer_account_id")).items():
        errors.setdefault({"source": "source_id", "referrer_contact": "referrer_contact_id"}.get(name, name), message)
    return errors


def quick_add(data: dict, user, force: bool = False) -> Lead:
    """Create the lead (owner: the creator) and remember the channel and source; one transaction.

    Raises Invalid (field errors) or PossibleDuplicates (unless `force`)."""
    if user is None:
        raise CrmError(_l("You do not have permission to do this."))
    values = clean(data)
    values["channel"] = values["channel"] or defaults(user).channel
    errors = validate(values, user)
    if errors:
        raise Invalid(errors)
    if not force:
        candidates = _duplicates(values, user)
        if candidates:
            raise PossibleDuplicates(candidates)
    try:
        lead = Lead(**{k: values[k] for k in TEXT_FIELDS}, channel=values["channel"],
                    source_id=int(values["source_id"]) if values["source_id"] else None,
                    referrer_contact_id=_int(values["referrer_contact_id"]),
                    referrer_account_id=_int(values["referrer_account_id"]),
                    status=LeadStatus.NEW, owner_id=user.id)
        db.session.add(lead)
        _remember(user, lead.channel, lead.source_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return lead


def _duplicates(values: dict, user) -> list:
    try:
        from app.services.duplicates import find_duplicates  # the lead-lifecycle feature
    except ImportError:
        return []
    return find_duplicates("lead", values, user)


def _remember(user, channel: str, source_id: int | None) -> None:
    pref = db.session.get(CapturePreference, user.id)
    if pref is None:
        db.session.add(CapturePreference(user_id=user.id, channel=channel, source_id=source_id))
    else:
        pref.channel, pref.source_id = channel, source_id


def _int(value):
    return int(value) if value else None


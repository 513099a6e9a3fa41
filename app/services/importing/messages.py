"""Why a row was refused: a short stable key stored with the row, read in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REASONS = {
    "required": _l("%(field)s is required."),
    "empty": _l("No name or company, or no way to reach them (mobile, phone, e-mail or WeChat)."),
    "email": _l("Not a valid e-mail address."),
    "phone": _l("Not a valid phone number: 7 to 20 digits; a Chinese mobile number has 11."),
    "too_long": _l("Longer than %(detail)s characters."),
    "choice": _l("Not one of the allowed values: %(detail)s."),
    "date": _l("Not a date; write it like 2024-03-01 or 2024年3月1日."),
    "amount": _l("Not an amount; write it like ¥12,000.50 or 12000."),
    "negative": _l("The amount cannot be negative."),
    "account": _l("No account with this name was found among the accounts you can see."),
    "stage": _l("Unknown stage: %(detail)s."),
    "lost_reason": _l("Unknown lost reason: %(detail)s."),
    "lost_needs_reason": _l("A lost opportunity needs a lost reason."),
    "owner": _l("No active user with this user name or name: %(detail)s."),
    "owner_scope": _l("You may not give records to %(detail)s."),
    "bool": _l("Write yes or no (是 / 否)."),
    "external_id": _l("This external ID already belongs to another record."),
    "custom": _l("Not a valid value: %(detail)s"),
}


def reason_text(reason: str, detail: str | None = None, field: object = "") -> str:
    message = REASONS.get(reason)
    if message is None:
        return reason
    return str(message) % {"detail": detail or "", "field": field}

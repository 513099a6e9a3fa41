"""WTForms adapters for the rules in app.services.validation, with translated messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation, ValidationError

from app.services.validation import is_valid_email, is_valid_phone


class Email:
    def __call__(self, form, field):
        if field.data and not is_valid_email(field.data):
            raise ValidationError(_l("Enter a valid e-mail address, such as name@example.com."))


class Phone:
    def __call__(self, form, field):
        if field.data and not is_valid_phone(field.data):
            raise ValidationError(
                _l("Enter a valid phone number: 7 to 20 digits, separators allowed.")
            )


class AnyOf:
    """At least one of these fields is filled (attach to the first of them)."""

    def __init__(self, names: tuple[str, ...], message):
        self.names = names
        self.message = message

    def __call__(self, form, field):
        if not any((getattr(form, n).data or "").strip() for n in self.names if hasattr(form, n)):
            raise StopValidation(self.message)


LEAD_NAME_RULE = AnyOf(("person_name", "company_name"), _l("Enter a name or a company."))
LEAD_REACH_RULE = AnyOf(
    ("mobile", "phone", "email", "wechat"),
    _l("Enter at least one way to reach them: mobile, phone, e-mail or WeChat."),
)


class LostReasonWhenLost:
    """A lost opportunity says why (输单原因)."""

    def __call__(self, form, field):
        stage = getattr(form, "stage", None)
        if stage is not None and stage.data is not None and stage.data.is_lost and not field.data:
            raise StopValidation(_l("Choose a lost reason for a lost opportunity."))


class ExactlyOneParent:
    """Activities and notes hang off exactly one lead, account, contact or opportunity."""

    def __call__(self, form, field):
        chosen = [n for n in ("lead", "account", "contact", "opportunity")
                  if hasattr(form, n) and getattr(form, n).data is not None]
        if len(chosen) != 1:
            raise StopValidation(
                _l("Link it to exactly one lead, account, contact or opportunity.")
            )

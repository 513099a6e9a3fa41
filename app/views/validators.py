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


class SameVersion:
    """The edit was based on the version still stored; otherwise say what changed meanwhile.

    FAB sets `form._id` to the record's key before validating and has just loaded the record, so
    the session holds its stored state (not yet overwritten by the form).
    """

    def __init__(self, model, labels: dict):
        self.model = model
        self.labels = labels

    def __call__(self, form, field):
        from flask import flash

        from app.extensions import db
        from app.services.concurrency import StaleVersion, changed_fields, check_version

        record = db.session.get(self.model, form._id) if getattr(form, "_id", None) else None
        if record is None:
            return
        try:
            check_version(record, field.data)
        except StaleVersion as stale:
            submitted = {f.name: f.data for f in form if f.name not in ("csrf_token", field.name)}
            details = "; ".join(
                f"{self.labels.get(name, name)}: {'' if value is None else value}"
                for name, value in changed_fields(record, submitted)
            )
            # show the newer version's values; the user's input stays in the form to save again
            field.data, field.raw_data = stale.current_version, [str(stale.current_version)]
            message = _l("Someone else saved this record after you opened it. Stored now: %(details)s. "
                         "Your changes are still in the form: check them and save again.",
                         details=details or "—")
            flash(str(message), "warning")
            raise StopValidation(message) from None


class LeadOrigin:
    """The source belongs to the chosen channel; only a referral names a referrer (渠道 / 来源)."""

    def __init__(self, part: str = "source"):
        self.part = part  # "source" or "referrer_contact": which field shows the message

    def __call__(self, form, field):
        from app.services.channels import origin_errors

        channel = getattr(form, "channel", None)
        if channel is None or not channel.data:
            return
        contact, account = (getattr(form, name, None) for name in ("referrer_contact", "referrer_account"))
        errors = origin_errors(channel.data, form.source.data if hasattr(form, "source") else None,
                               contact.data if contact is not None else None,
                               account.data if account is not None else None)
        if self.part in errors:
            raise StopValidation(errors[self.part])

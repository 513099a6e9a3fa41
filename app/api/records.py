"""REST APIs of the CRM's records: /api/v1/lead/, account, contact, opportunity, activity, note.

Payloads use plain ids for links (`account_id`, `stage_id`, …) and codes for fixed vocabularies
(`status: "new"`); `tags` is a list of tag ids. What each field means is in the model files.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    PARENTS,
    Account,
    AccountLevel,
    Activity,
    ActivityType,
    Channel,
    Contact,
    Currency,
    Industry,
    Lead,
    LeadStatus,
    Note,
    Opportunity,
    Rating,
    Stage,
    UnqualifiedReason,
)
from app.services.opportunities import stamp_closing
from app.services.validation import is_valid_email, is_valid_phone

from .model import CrmModelApi
from .operations import ConvertMixin, MergeMixin, PoolMixin

STAMPS = ("id", "external_id", "version", "created_at", "updated_at", "created_by_id", "updated_by_id")
PHONE_MESSAGE = _l("Enter a valid phone number: 7 to 20 digits, separators allowed.")
EMAIL_MESSAGE = _l("Enter a valid e-mail address, such as name@example.com.")
ONE_PARENT = _l("Link it to exactly one lead, account, contact or opportunity.")


def check_contacts(item, phones=(), emails=()) -> dict:
    errors = {}
    for name in phones:
        value = getattr(item, name)
        if value and not is_valid_phone(value):
            errors[name] = [PHONE_MESSAGE]
    for name in emails:
        value = getattr(item, name)
        if value and not is_valid_email(value):
            errors[name] = [EMAIL_MESSAGE]
    return errors


def one_parent(item) -> dict:
    chosen = [name for name in PARENTS if getattr(item, f"{name}_id") is not None]
    return {} if len(chosen) == 1 else {"lead_id": [ONE_PARENT]}


LEAD_WRITE = ("person_name", "company_name", "title", "mobile", "phone", "email", "wechat", "channel",
              "source_id", "referrer_contact_id", "referrer_account_id", "status", "unqualified_reason",
              "rating", "industry", "province", "city", "address", "description", "tags", "external_id")


class LeadApi(PoolMixin, ConvertMixin, MergeMixin, CrmModelApi):
    resource_name = "lead"
    model = Lead
    pool_entity = "lead"
    duplicate_entity = "lead"
    eager = ("tags",)
    write_columns = LEAD_WRITE
    read_columns = STAMPS + ("owner_id",) + LEAD_WRITE[:-1] + (
        "converted_account_id", "converted_contact_id", "converted_opportunity_id", "converted_at",
        "released_at")
    coded = {"channel": Channel, "status": LeadStatus, "unqualified_reason": UnqualifiedReason,
             "rating": Rating, "industry": Industry}

    def rules(self, item, data):
        errors = check_contacts(item, phones=("mobile", "phone"), emails=("email",))
        if not ((item.person_name or "").strip() or (item.company_name or "").strip()):
            errors["person_name"] = [_l("Enter a name or a company.")]
        if not any((getattr(item, n) or "").strip() for n in ("mobile", "phone", "email", "wechat")):
            errors["mobile"] = [_l("Enter at least one way to reach them: mobile, phone, e-mail or WeChat.")]
        if item.status == LeadStatus.CONVERTED and item.converted_at is None:
            errors["status"] = [_l("Convert the lead to mark it converted.")]
        return errors


ACCOUNT_WRITE = ("name", "industry", "level", "source_id", "phone", "website", "province", "city",
                 "address", "next_followup_at", "description", "tags", "external_id")


class AccountApi(PoolMixin, MergeMixin, CrmModelApi):
    resource_name = "account"
    model = Account
    pool_entity = "account"
    duplicate_entity = "account"
    eager = ("tags",)
    write_columns = ACCOUNT_WRITE
    read_columns = STAMPS + ("owner_id",) + ACCOUNT_WRITE[:-1] + ("last_followup_at", "released_at")
    coded = {"industry": Industry, "level": AccountLevel}

    def rules(self, item, data):
        errors = check_contacts(item, phones=("phone",))
        if not (item.name or "").strip():
            errors["name"] = [_l("This field is required.")]
        return errors


CONTACT_WRITE = ("account_id", "name", "title", "mobile", "phone", "email", "wechat", "is_primary",
                 "birthday", "external_id")


class ContactApi(MergeMixin, CrmModelApi):
    resource_name = "contact"
    model = Contact
    duplicate_entity = "contact"
    write_columns = CONTACT_WRITE
    read_columns = STAMPS + ("owner_id",) + CONTACT_WRITE[:-1]

    def rules(self, item, data):
        errors = check_contacts(item, phones=("mobile", "phone"), emails=("email",))
        if not (item.name or "").strip():
            errors["name"] = [_l("This field is required.")]
        return errors


OPPORTUNITY_WRITE = ("account_id", "contact_id", "name", "amount", "currency", "stage_id",
                     "expected_close_date", "lost_reason_id", "external_id")


class OpportunityApi(CrmModelApi):
    resource_name = "opportunity"
    model = Opportunity
    write_columns = OPPORTUNITY_WRITE
    read_columns = STAMPS + ("owner_id",) + OPPORTUNITY_WRITE[:-1] + ("closed_at", "source_lead_id")
    coded = {"currency": Currency}

    def rules(self, item, data):
        errors = {}
        if not (item.name or "").strip():
            errors["name"] = [_l("This field is required.")]
        if item.amount is not None and item.amount < 0:
            errors["amount"] = [_l("The amount cannot be negative.")]
        stage = db.session.get(Stage, item.stage_id) if item.stage_id is not None else None
        if stage is not None:
            if stage.is_lost and item.lost_reason_id is None:
                errors["lost_reason_id"] = [_l("Choose a lost reason for a lost opportunity.")]
            if not errors:
                item.stage = stage
                stamp_closing(item)
        return errors


ACTIVITY_WRITE = ("type", "subject", "due_at", "remind_at", "done_at", "outcome", "lead_id",
                  "account_id", "contact_id", "opportunity_id", "external_id")


class ActivityApi(CrmModelApi):
    resource_name = "activity"
    model = Activity
    write_columns = ACTIVITY_WRITE
    read_columns = STAMPS + ("owner_id",) + ACTIVITY_WRITE[:-1]
    coded = {"type": ActivityType}

    def rules(self, item, data):
        errors = one_parent(item)
        if not (item.subject or "").strip():
            errors["subject"] = [_l("This field is required.")]
        return errors


NOTE_WRITE = ("text", "lead_id", "account_id", "contact_id", "opportunity_id", "external_id")


class NoteApi(CrmModelApi):
    resource_name = "note"
    model = Note
    write_columns = NOTE_WRITE
    read_columns = STAMPS + NOTE_WRITE[:-1]

    def rules(self, item, data):
        errors = one_parent(item)
        if not (item.text or "").strip():
            errors["text"] = [_l("This field is required.")]
        return errors


RECORD_APIS = (LeadApi, AccountApi, ContactApi, OpportunityApi, ActivityApi, NoteApi)

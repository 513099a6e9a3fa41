"""Lead conversion 线索转化: a lead becomes an account + contact (+ opportunity), one transaction each.

The account and the contact are linked when the caller names existing ones, otherwise created from
the lead (an existing duplicate account can be reused: `reuse_account`). The lead's notes and
activities move to the new opportunity, or to the account when no opportunity is made. The lead is
marked converted with links to what it became and stays readable; converting it again is refused
and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Account,
    Activity,
    Contact,
    Currency,
    HistoryAction,
    Lead,
    LeadStatus,
    Note,
    Opportunity,
    Stage,
    utcnow,
)
from app.security.scope import visibility_clause

from .duplicates import find_duplicates
from .errors import CrmError, NotFound, ValidationFailed
from .history import label_change
from .opportunities import stamp_closing

MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)
BULK_LIMIT = 10_000


class AlreadyConverted(CrmError):
    status_code = 409


@dataclass
class ConversionResult:
    lead_id: int
    account_id: int
    contact_id: int | None
    opportunity_id: int | None
    account_created: bool
    contact_created: bool
    moved: dict[str, int] = field(default_factory=dict)  # "activity"/"note" -> how many moved


@dataclass
class ConversionOutcome:
    """One lead of a bulk conversion: its result, or why it was not converted."""

    lead_id: int
    result: ConversionResult | None = None
    error: object = None  # translated message

    @property
    def ok(self) -> bool:
        return self.result is not None


def convert_lead(lead_id: int, user, *, account_id: int | None = None, contact_id: int | None = None,
                 create_opportunity: bool = False, opportunity: dict | None = None,
                 create_contact: bool = True, reuse_account: bool = False) -> ConversionResult:
    """Convert one visible lead. Raises NotFound, AlreadyConverted or ValidationFailed; all or nothing."""
    try:
        result = _convert(int(lead_id), user, account_id, contact_id, create_opportunity,
                          opportunity or {}, create_contact, reuse_account)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


def convert_leads(ids, user, **options) -> list[ConversionOutcome]:
    """Convert many leads, each in its own transaction; reports per lead what happened."""
    options.setdefault("reuse_account", True)
    options.pop("contact_id", None)  # one person cannot be the contact of many leads' conversions
    unique = list(dict.fromkeys(int(x) for x in ids))
    if len(unique) > BULK_LIMIT:
        raise ValidationFailed(_l("At most %(count)s leads can be converted at once.", count=BULK_LIMIT))
    outcomes = []
    for pk in unique:
        try:
            outcomes.append(ConversionOutcome(pk, result=convert_lead(pk, user, **options)))
        except CrmError as error:
            outcomes.append(ConversionOutcome(pk, error=error.message))
    return outcomes


def _convert(lead_id, user, account_id, contact_id, create_opportunity, opportunity,
             create_contact, reuse_account) -> ConversionResult:
    lead = _visible(Lead, lead_id, user, _l("No such lead."))
    if lead.converted_at is not None or lead.status == LeadStatus.CONVERTED:
        raise AlreadyConverted(_l("Lead %(lead)s has already been converted; nothing was changed.",
                                  lead=str(lead)))
    owner_id = lead.owner_id if lead.owner_id is not None else user.id
    note = str(_l("Converted from lead #%(id)s %(lead)s", id=lead.id, lead=str(lead)))[:500]

    account, account_created = _account(lead, user, account_id, reuse_account, owner_id, note)
    contact, contact_created = _contact(lead, user, contact_id, create_contact, account, owner_id, note)
    deal = _opportunity(lead, account, contact, owner_id, opportunity, note) if create_opportunity else None
    db.session.flush()  # ids for the links below

    target_column, target_id = ("opportunity_id", deal.id) if deal is not None else ("account_id", account.id)
    moved = {}
    for model, name in ((Activity, "activity"), (Note, "note")):
        children = db.session.scalars(select(model).where(model.lead_id == lead.id)
                                      .execution_options(include_deleted=True)).all()
        for child in children:
            child.lead_id = None
            setattr(child, target_column, target_id)
        moved[name] = len(children)

    lead.status = LeadStatus.CONVERTED
    lead.converted_account_id = account.id
    lead.converted_contact_id = contact.id if contact is not None else None
    lead.converted_opportunity_id = deal.id if deal is not None else None
    lead.converted_at, lead.converted_by_id = utcnow(), user.id
    summary = " · ".join(str(x) for x in (account, contact, deal) if x is not None)
    label_change(lead, HistoryAction.CONVERT, summary[:500])
    db.session.flush()
    return ConversionResult(lead.id, account.id, contact.id if contact is not None else None,
                            deal.id if deal is not None else None, account_created, contact_created, moved)


def _visible(model, pk, user, message):
    record = db.session.scalars(select(model).where(model.id == pk, visibility_clause(model, user))).first()
    if record is None:
        raise NotFound(message)
    return record


def existing_accounts(lead: Lead, user, limit: int = 5) -> list:
    """Visible accounts that look like the lead's company (name or phone): offered before creating."""
    data = {"company_name": lead.company_name, "mobile": lead.mobile, "phone": lead.phone}
    return find_duplicates("lead", data, user, limit=limit, kinds=("account",))


def _account(lead, user, account_id, reuse_account, owner_id, note) -> tuple[Account, bool]:
    if account_id:
        return _visible(Account, int(account_id), user, _l("The chosen account was not found.")), False
    if reuse_account:
        for candidate in existing_accounts(lead, user):
            if "name" in candidate.matched:
                return db.session.get(Account, candidate.id), False
    name = (lead.company_name or lead.person_name or "").strip()
    if not name:
        raise ValidationFailed(_l("The lead has neither a company nor a name to call the account."))
    account = Account(name=name[:200], industry=lead.industry, source_id=lead.source_id,
                      phone=lead.phone or (lead.mobile if not lead.company_name else None),
                      province=lead.province, city=lead.city, address=lead.address, owner_id=owner_id)
    account.tags = list(lead.tags)
    db.session.add(account)
    label_change(account, HistoryAction.CONVERT, note)
    return account, True


def _contact(lead, user, contact_id, create_contact, account, owner_id, note) -> tuple[Contact | None, bool]:
    if contact_id:
        contact = _visible(Contact, int(contact_id), user, _l("The chosen contact was not found."))
        if contact.account_id is None:
            contact.account = account
            label_change(contact, HistoryAction.CONVERT, note)
        elif account.id is None or contact.account_id != account.id:
            raise ValidationFailed(_l("The chosen contact belongs to another account."))
        return contact, False
    if not create_contact or not (lead.person_name or "").strip():
        return None, False
    first = account.id is None or not db.session.scalar(
        select(func.count(Contact.id)).where(Contact.account_id == account.id))
    contact = Contact(account=account, name=lead.person_name.strip()[:100], title=lead.title,
                      mobile=lead.mobile, phone=lead.phone, email=lead.email, wechat=lead.wechat,
                      is_primary=bool(first), owner_id=owner_id)
    db.session.add(contact)
    label_change(contact, HistoryAction.CONVERT, note)
    return contact, True


def _opportunity(lead, account, contact, owner_id, values: dict, note) -> Opportunity:
    name = str(values.get("name") or "").strip() or account.name
    stage = _stage(values.get("stage_id"))
    currency = values.get("currency") or Currency.CNY
    if currency not in {c.value for c in Currency}:
        raise ValidationFailed(_l("Not a valid currency."))
    deal = Opportunity(account=account, contact=contact, name=name[:200], amount=_amount(values.get("amount")),
                       currency=currency, stage=stage, expected_close_date=_date(values.get("expected_close_date")),
                       source_lead_id=lead.id, owner_id=owner_id)
    stamp_closing(deal)
    db.session.add(deal)
    label_change(deal, HistoryAction.CONVERT, note)
    return deal


def _stage(raw) -> Stage:
    if raw in (None, ""):
        stage = db.session.scalars(select(Stage).where(Stage.active, ~Stage.is_won, ~Stage.is_lost)
                                   .order_by(Stage.sort_order, Stage.id)).first()
    else:
        try:
            stage = db.session.get(Stage, int(raw))
        except (TypeError, ValueError):
            stage = None
    if stage is None or not stage.active:
        raise ValidationFailed(_l("Choose a stage for the opportunity."))
    if stage.is_lost:
        raise ValidationFailed(_l("A new opportunity cannot start as lost."))
    return stage


def _amount(raw) -> Decimal:
    if raw in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationFailed(_l("Enter the amount as a number, such as 50000.")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationFailed(_l("The amount must be between 0 and 999,999,999,999.99."))
    return amount.quantize(Decimal("0.01"))


def _date(raw) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationFailed(_l("Enter the expected close date as YYYY-MM-DD.")) from None

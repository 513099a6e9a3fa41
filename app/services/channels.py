"""Channel and source taxonomy 渠道 / 线索来源: online / offline / referral, editable sources under each.

One rule for every door (lead form, quick add, API, import): a source belongs to the lead's
channel, and only a referral names the contact or account that referred it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Account, Channel, Contact, LeadSource
from app.security.scope import visibility_clause

from .errors import ValidationFailed


def sources(active_only: bool = True) -> list[LeadSource]:
    stmt = select(LeadSource).order_by(LeadSource.channel, LeadSource.sort_order, LeadSource.id)
    if active_only:
        stmt = stmt.where(LeadSource.active)
    return list(db.session.scalars(stmt))


def source_map() -> list[dict]:
    """[{id, channel, label}] for forms that show only the chosen channel's sources."""
    return [{"id": s.id, "channel": s.channel, "label": s.label} for s in sources()]


def origin_errors(channel, source, referrer_contact=None, referrer_account=None) -> dict[str, object]:
    """What is wrong with a lead's origin, field -> translated message (empty when it is right).

    `source` may be a LeadSource or its id; referrers are objects or ids (already scope-checked
    by the form fields that hold them)."""
    errors: dict[str, object] = {}
    if channel not in {c.value for c in Channel}:
        errors["channel"] = _l("Choose a channel: online, offline or referral.")
        return errors
    if source is not None and source != "":
        record = source if isinstance(source, LeadSource) else (
            db.session.get(LeadSource, int(source)) if str(source).isdigit() else None)
        if record is None:
            errors["source"] = _l("Choose a source from the list.")
        elif record.channel != channel:
            errors["source"] = _l("This source belongs to the channel %(channel)s.",
                                  channel=Channel.label_of(record.channel))
    if channel != Channel.REFERRAL and (referrer_contact or referrer_account):
        errors["referrer_contact"] = _l("Only a referral names who referred it.")
    return errors


def referrer(model, raw, user):
    """A referring contact or account given by id, if the user may see it; else ValidationFailed."""
    if raw in (None, ""):
        return None
    if model not in (Contact, Account) or not str(raw).isdigit():
        raise ValidationFailed(_l("Choose who referred it from the list."))
    record = db.session.scalars(select(model).where(model.id == int(raw), visibility_clause(model, user))).first()
    if record is None:
        raise ValidationFailed(_l("Choose who referred it from the list."))
    return record

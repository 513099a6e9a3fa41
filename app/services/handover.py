"""Handover 离职交接: everything a departing user owns moves on in one transaction.

Leads, accounts, contacts, open opportunities, open activities and open tickets go to the receiver (a user,
or the pool when the receiver is None); the departing user is then deactivated, which ends their
sessions and API tokens at once (FAB loads only active users). Running it twice does no harm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Account, Activity, Contact, CrmUser, HistoryAction, Lead, Opportunity, Stage, Ticket
from app.models.ticket import OPEN_STATUSES

from .errors import CrmError
from .history import label_change
from .transactions import retry_on_conflict


@dataclass
class HandoverReport:
    moved: dict[str, int] = field(default_factory=dict)
    deactivated: bool = False


def _owned(departing_id: int):
    open_stages = select(Stage.id).where(~Stage.is_won, ~Stage.is_lost)
    return {
        "lead": select(Lead).where(Lead.owner_id == departing_id),
        "account": select(Account).where(Account.owner_id == departing_id),
        "contact": select(Contact).where(Contact.owner_id == departing_id),
        "opportunity": select(Opportunity).where(Opportunity.owner_id == departing_id,
                                                 Opportunity.stage_id.in_(open_stages)),
        "activity": select(Activity).where(Activity.owner_id == departing_id, Activity.done_at.is_(None)),
        # a service user's open tickets 工单 go to the successor (or back to the unassigned queue)
        "ticket": select(Ticket).where(Ticket.owner_id == departing_id, Ticket.status.in_(OPEN_STATUSES)),
    }


def preview(departing_id: int) -> dict[str, int]:
    from sqlalchemy import func

    return {name: db.session.scalar(select(func.count()).select_from(stmt.subquery()))
            for name, stmt in _owned(departing_id).items()}


@retry_on_conflict
def handover(departing_id: int, receiver_id: int | None) -> HandoverReport:
    departing = db.session.get(CrmUser, departing_id)
    if departing is None:
        raise CrmError(_l("No such user."))
    receiver = db.session.get(CrmUser, receiver_id) if receiver_id is not None else None
    if receiver_id is not None and (receiver is None or not receiver.active):
        raise CrmError(_l("The receiver must be an active user."))
    if receiver is not None and receiver.id == departing.id:
        raise CrmError(_l("Choose someone other than the departing user."))
    to_name = receiver.display_name if receiver is not None else str(_l("Public pool"))
    note = f"{departing.display_name} → {to_name}"
    report = HandoverReport()
    for name, stmt in _owned(departing.id).items():
        records = db.session.scalars(stmt).all()
        for record in records:
            record.owner_id = receiver.id if receiver is not None else None
            label_change(record, HistoryAction.HANDOVER, note)
        report.moved[name] = len(records)
    if departing.active:
        departing.active = False
        report.deactivated = True
    db.session.commit()
    return report

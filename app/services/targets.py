"""Sales targets 业绩目标 and progress against them.

A target is set for a user or a department, for a month ("2026-11") or a quarter ("2026-Q4"):
a won amount in one currency and, optionally, a number of new accounts.

Progress (`progress(subject, period)`, for analytics and widgets too):
- won amount = sum of `Opportunity.amount` of opportunities in a won stage (`Stage.is_won`) whose
  `closed_at` falls in the period (company time zone), owned by the user — or, for a department,
  by any user of that department or its sub-departments — in the target's currency only
  (amounts in other currencies are not converted);
- new accounts = accounts created in the period and owned by the user / the department's users.
Ownership is read as it is now: a handed-over deal counts for its new owner.

Who may see and set targets: everyone sees their own targets and those of their department and
the departments above it; beyond that the opportunity data scope decides (a manager sees the
users and sub-departments they manage). Setting a target needs the Targets edit permission and
the subject within the editor's scope.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, CrmUser, DataScope, Department, Opportunity, SalesTarget, Stage, utcnow
from app.security.scope import owner_ids, scope_for

from .errors import ValidationFailed
from .periods import Period

TARGET_KINDS = ("month", "quarter")
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass
class Progress:
    period: Period
    won_amount: Decimal
    new_accounts: int
    currency: str
    target: SalesTarget | None = None

    @property
    def target_amount(self) -> Decimal | None:
        return self.target.won_amount if self.target is not None else None

    @property
    def target_new_accounts(self) -> int | None:
        return self.target.new_accounts if self.target is not None else None

    @property
    def percent(self) -> int | None:
        """Won amount against the target, in whole percent (None without a target)."""
        if not self.target_amount:
            return None
        return int(self.won_amount * 100 / self.target_amount)


def _owner_filter(subject):
    if isinstance(subject, Department):
        return CrmUser.department_id.in_(
            select(Department.id).where(Department.path.like(f"{subject.path}%")))
    return None


def _owners(subject):
    """SQL for the owner ids whose results count for the subject."""
    if isinstance(subject, Department):
        return select(CrmUser.id).where(_owner_filter(subject))
    return [subject.id]


def find_target(subject, period: Period) -> SalesTarget | None:
    column = SalesTarget.department_id if isinstance(subject, Department) else SalesTarget.user_id
    return db.session.scalar(select(SalesTarget).where(column == subject.id,
                                                       SalesTarget.period == str(period)))


def progress(subject, period: Period | str, currency: str | None = None) -> Progress:
    """Won amount and new accounts of a user (CrmUser) or department (Department) in a period.

    `period` is a Period or its text ("2026-11", "2026-Q4", "2026-W48"). The currency is the
    target's, else `currency`, else CNY.
    """
    period = Period.parse(period) if isinstance(period, str) else period
    target = find_target(subject, period)
    currency = target.currency if target is not None else (currency or "CNY")
    start, end = period.utc_bounds()
    owners = _owners(subject)
    won = db.session.scalar(
        select(func.coalesce(func.sum(Opportunity.amount), 0)).where(
            Opportunity.stage_id.in_(select(Stage.id).where(Stage.is_won.is_(True))),
            Opportunity.closed_at >= start, Opportunity.closed_at < end,
            Opportunity.currency == currency, Opportunity.owner_id.in_(owners)))
    new_accounts = db.session.scalar(
        select(func.count(Account.id)).where(Account.created_at >= start, Account.created_at < end,
                                             Account.owner_id.in_(owners)))
    return Progress(period, Decimal(str(won or 0)).quantize(Decimal("0.01")), int(new_accounts or 0),
                    currency, target)


# -- who sees and sets whose targets ----------------------------------------------------------
def _department_tree(department_id: int) -> list[int]:
    root = db.session.get(Department, department_id)
    if root is None:
        return []
    return list(db.session.scalars(select(Department.id).where(Department.path.like(f"{root.path}%"))))


def _ancestors(department_id: int | None) -> list[int]:
    dept = db.session.get(Department, department_id) if department_id else None
    return [int(p) for p in dept.path.strip("/").split("/") if p] if dept is not None else []


def visible_user_ids(viewer) -> list[int] | None:
    """Users whose targets the viewer sees; None = everybody."""
    return owner_ids(viewer, scope_for(viewer, "opportunity"))


def visible_department_ids(viewer) -> list[int] | None:
    scope = scope_for(viewer, "opportunity")
    if scope is DataScope.ALL:
        return None
    ids = set(_ancestors(viewer.department_id))
    if scope is DataScope.DEPARTMENT_TREE and viewer.department_id:
        ids |= set(_department_tree(viewer.department_id))
    return sorted(ids)


def editable(viewer, subject) -> bool:
    """May `viewer` (who holds the edit permission) set this subject's targets?"""
    scope = scope_for(viewer, "opportunity")
    if scope is DataScope.ALL:
        return True
    if isinstance(subject, Department):
        return scope is DataScope.DEPARTMENT_TREE and bool(viewer.department_id) and \
            subject.id in _department_tree(viewer.department_id)
    return subject.id != viewer.id and subject.id in (owner_ids(viewer, scope) or [])


def choices(viewer) -> tuple[list[CrmUser], list[Department]]:
    users = select(CrmUser).where(CrmUser.active.is_(True)).order_by(CrmUser.username)
    depts = select(Department).order_by(Department.path)
    reach_users, reach_depts = visible_user_ids(viewer), visible_department_ids(viewer)
    if reach_users is not None:
        users = users.where(CrmUser.id.in_(reach_users))
    if reach_depts is not None:
        depts = depts.where(Department.id.in_(reach_depts))
    return list(db.session.scalars(users)), list(db.session.scalars(depts))


def targets_for(viewer, period: Period) -> list[Progress]:
    """Every visible target of the period with its progress: departments first, then users."""
    query = select(SalesTarget).where(SalesTarget.period == str(period))
    reach_users, reach_depts = visible_user_ids(viewer), visible_department_ids(viewer)

    def seen(target) -> bool:
        if target.user_id is not None:
            return reach_users is None or target.user_id in reach_users
        return reach_depts is None or target.department_id in reach_depts

    rows = [target for target in db.session.scalars(query) if seen(target)]
    rows.sort(key=lambda t: (t.user_id is not None, str(t.subject)))
    return [progress(t.subject, period) for t in rows]


# -- setting targets --------------------------------------------------------------------------
def _period(text) -> Period:
    try:
        period = Period.parse(str(text or ""))
    except ValueError:
        period = None
    if period is None or period.kind not in TARGET_KINDS:
        raise ValidationFailed(_l("The period must be a month like 2026-11 or a quarter like 2026-Q4."))
    return period


def _amount(text) -> Decimal:
    try:
        amount = Decimal(str(text).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_l("The target amount must be a number.")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationFailed(_l("The target amount must be between 0 and 999,999,999,999."))
    return amount.quantize(Decimal("0.01"))


def _count(text) -> int | None:
    if text in (None, ""):
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValidationFailed(_l("New accounts must be a whole number.")) from None
    if value < 0 or value > 1_000_000:
        raise ValidationFailed(_l("New accounts must be between 0 and 1,000,000."))
    return value


def _currency(text) -> str:
    code = (text or "CNY").strip().upper()
    if code not in CURRENCIES:
        raise ValidationFailed(_l("Unknown currency: %(code)s", code=code))
    return code


def _apply(editor, subject, period, amount, count, currency) -> SalesTarget:
    if not editable(editor, subject):
        raise ValidationFailed(_l("You may not set targets for %(name)s.", name=str(subject)))
    target = find_target(subject, period)
    if target is None:
        target = SalesTarget(period=str(period))
        if isinstance(subject, Department):
            target.department_id = subject.id
        else:
            target.user_id = subject.id
        db.session.add(target)
    target.won_amount, target.new_accounts, target.currency = amount, count, currency
    target.updated_by_id, target.updated_at = editor.id, utcnow()
    return target


def set_target(editor, subject, period, won_amount, new_accounts=None, currency="CNY") -> SalesTarget:
    """Create or replace the subject's target for the period (one transaction)."""
    try:
        target = _apply(editor, subject, _period(period), _amount(won_amount), _count(new_accounts),
                        _currency(currency))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return target


def delete_target(editor, target_id: int) -> None:
    target = db.session.get(SalesTarget, target_id)
    if target is None or not editable(editor, target.subject):
        raise ValidationFailed(_l("Not found."))
    db.session.delete(target)
    db.session.commit()


CSV_HEADER = ("period", "user", "department", "won_amount", "new_accounts", "currency")


def import_csv(editor, data: bytes | str) -> int:
    """Upsert targets from CSV (columns CSV_HEADER; `user` is a user name, `department` a
    department name — one of the two). All rows or none: errors name their line."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"period", "won_amount"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationFailed(_l("The file needs the columns: %(columns)s", columns=", ".join(CSV_HEADER)))
    users = {u.username: u for u in db.session.scalars(select(CrmUser))}
    depts = {d.name: d for d in db.session.scalars(select(Department))}
    errors, done = [], 0
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            username, dept_name = row.get("user", ""), row.get("department", "")
            if bool(username) == bool(dept_name):
                raise ValidationFailed(_l("Give either a user or a department."))
            subject = users.get(username) if username else depts.get(dept_name)
            if subject is None:
                raise ValidationFailed(_l("Unknown user or department: %(name)s", name=username or dept_name))
            _apply(editor, subject, _period(row.get("period")), _amount(row.get("won_amount")),
                   _count(row.get("new_accounts")), _currency(row.get("currency")))
            db.session.flush()
            done += 1
        except ValidationFailed as error:
            errors.append(str(_l("Line %(line)s: %(error)s", line=line, error=str(error.message))))
        if len(errors) >= 20:
            break
    if errors:
        db.session.rollback()
        raise ValidationFailed("; ".join(errors))
    if not done:
        db.session.rollback()
        raise ValidationFailed(_l("The file has no rows."))
    db.session.commit()
    return done

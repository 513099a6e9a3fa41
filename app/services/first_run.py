"""The first day 首次设置: company settings, departments, first users and demo data, for the admin.

Each step is one transaction: it validates everything first and writes all or nothing. Steps can be
repeated (departments and users that already exist are refused or skipped, never doubled) and the
whole page can be finished or skipped; until then `is_pending()` sends the admin there after login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import CrmUser, Currency, Department, ImportBatch, Lead, utcnow
from app.models.setting import CompanySettings
from app.security.roles import ROLE_BY_NAME
from app.services.errors import ValidationFailed
from app.services.setup import strong_password

SETTINGS_ID = 1
MAX_DEPARTMENTS = 50
MAX_INVITES = 30
# roles an admin hands out on the first day (Integration accounts are made under API keys)
INVITE_ROLES = ("Sales Rep", "Sales Manager", "Sales Director", "Customer Service", "Executive", "Admin")
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEMO_LEADS, DEMO_ACCOUNTS = 300, 60


# -- the settings row -------------------------------------------------------------------------
def settings() -> CompanySettings | None:
    return db.session.get(CompanySettings, SETTINGS_ID)


def _row() -> CompanySettings:
    row = settings()
    if row is None:
        row = CompanySettings(id=SETTINGS_ID, default_language=current_app.config.get("BABEL_DEFAULT_LOCALE", "zh"),
                              default_currency=current_app.config.get("CRM_DEFAULT_CURRENCY", "CNY"))
        db.session.add(row)
    return row


def open_first_run() -> bool:
    """Called by `crm init` when it created the first admin: the first-run page is now due.
    Returns True when the page is (still) pending. Never reopens a finished or skipped page."""
    row = settings()
    if row is None:
        row = _row()
        db.session.commit()
    return row.first_run_done_at is None


def is_pending() -> bool:
    row = settings()
    return row is not None and row.first_run_done_at is None


def company_name() -> str | None:
    row = settings()
    return row.company_name if row is not None else None


def default_language() -> str | None:
    row = settings()
    return row.default_language if row is not None else None


def default_currency() -> str:
    row = settings()
    return row.default_currency if row is not None else current_app.config.get("CRM_DEFAULT_CURRENCY", "CNY")


# -- step 1: company --------------------------------------------------------------------------
def save_company(name: str, language: str, currency: str) -> CompanySettings:
    name = (name or "").strip()
    if len(name) > 200:
        raise ValidationFailed(_l("The company name may have at most 200 characters."))
    if language not in current_app.config.get("LANGUAGES", {}):
        raise ValidationFailed(_l("Choose one of the offered languages."))
    if currency not in {c.value for c in Currency}:
        raise ValidationFailed(_l("Choose one of the offered currencies."))
    row = _row()
    row.company_name = name or None
    row.default_language = language
    row.default_currency = currency
    row.updated_at = utcnow()
    db.session.commit()
    return row


# -- step 2: departments ----------------------------------------------------------------------
def create_departments(text: str) -> list[Department]:
    """One department per line; "Parent / Child" puts Child under Parent (created if missing).
    Departments that already exist are left alone, so sending the same list twice adds nothing."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise ValidationFailed(_l("Enter at least one department, one per line."))
    if len(lines) > MAX_DEPARTMENTS:
        raise ValidationFailed(_l("Enter at most %(n)s departments at a time.", n=MAX_DEPARTMENTS))
    paths = []
    for line in lines:
        parts = [p.strip() for p in re.split(r"\s*[/／]\s*", line) if p.strip()]
        if len(parts) > 2 or any(len(p) > 100 for p in parts):
            raise ValidationFailed(_l("“%(line)s”: use “Department” or “Parent / Department”, "
                                      "at most 100 characters each.", line=line[:60]))
        paths.append(parts)
    created: list[Department] = []
    try:
        for parts in paths:
            parent = None
            for name in parts:
                found = _department(name, parent)
                if found is None:
                    found = Department(name=name, parent=parent)
                    db.session.add(found)
                    db.session.flush()
                    created.append(found)
                parent = found
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return created


def _department(name: str, parent: Department | None) -> Department | None:
    query = select(Department).where(Department.name == name)
    query = query.where(Department.parent_id.is_(None) if parent is None else Department.parent_id == parent.id)
    return db.session.scalars(query.limit(1)).first()


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.path)))


# -- step 3: users ----------------------------------------------------------------------------
@dataclass
class Invite:
    username: str
    name: str
    email: str
    role: str
    department_id: int | None = None


@dataclass
class Invited:
    username: str
    name: str
    role: str
    password: str  # shown once, never stored in clear


def invite_users(invites: list[Invite]) -> list[Invited]:
    """Create the users with generated first passwords: all of them, or (on any problem) none."""
    invites = [i for i in invites if (i.username or "").strip() or (i.name or "").strip() or (i.email or "").strip()]
    if not invites:
        raise ValidationFailed(_l("Fill in at least one user."))
    if len(invites) > MAX_INVITES:
        raise ValidationFailed(_l("Invite at most %(n)s users at a time.", n=MAX_INVITES))
    sm = current_app.appbuilder.sm
    seen_names: set[str] = set()
    seen_mails: set[str] = set()
    rows = []
    for n, invite in enumerate(invites, start=1):
        username, name, email = invite.username.strip(), invite.name.strip(), invite.email.strip().lower()
        if not USERNAME.match(username):
            raise ValidationFailed(_l("Row %(n)s: a user name has 2–64 letters, digits, “.”, “_” or “-”.", n=n))
        if not name or len(name) > 64:
            raise ValidationFailed(_l("Row %(n)s: enter the person's name (at most 64 characters).", n=n))
        if not EMAIL.match(email) or len(email) > 320:
            raise ValidationFailed(_l("Row %(n)s: enter a valid e-mail address.", n=n))
        if invite.role not in INVITE_ROLES or sm.find_role(invite.role) is None:
            raise ValidationFailed(_l("Row %(n)s: choose a role.", n=n))
        if username.lower() in seen_names or _taken(func.lower(CrmUser.username), username.lower()):
            raise ValidationFailed(_l("Row %(n)s: the user name %(name)s is already taken.", n=n, name=username))
        if email in seen_mails or _taken(func.lower(CrmUser.email), email):
            raise ValidationFailed(_l("Row %(n)s: the e-mail address %(email)s is already used.", n=n, email=email))
        department = db.session.get(Department, invite.department_id) if invite.department_id else None
        if invite.department_id and department is None:
            raise ValidationFailed(_l("Row %(n)s: choose a department from the list.", n=n))
        seen_names.add(username.lower())
        seen_mails.add(email)
        rows.append((username, name, email, invite.role, department))
    out: list[Invited] = []
    try:
        for username, name, email, role, department in rows:
            first, last = _split_name(name)
            password = strong_password()
            user = sm.add_user(username, first, last, email, sm.find_role(role), password, commit=False)
            if not user:  # FAB rolled back the whole session already
                raise ValidationFailed(_l("The user %(name)s could not be created.", name=username))
            user = db.session.get(CrmUser, user.id)
            user.department_id = department.id if department is not None else None
            out.append(Invited(username, name, role, password))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return out


def _taken(column, value: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(CrmUser).where(column == value)) > 0


def _split_name(name: str) -> tuple[str, str]:
    """'张伟' -> ('伟', '张') as CrmUser.display_name shows family name first; 'Ann Lee' -> ('Ann', 'Lee')."""
    if " " in name:
        first, last = name.rsplit(" ", 1)
        return first, last
    if not name.isascii() and len(name) >= 2:
        return name[1:], name[0]
    return name, ""


# -- step 5: demo data; and the whole page -----------------------------------------------------
def load_demo(password: str | None = None) -> tuple[dict[str, int], str]:
    """A small demo organisation and records (the `crm demo` generator); returns counts and the
    demo users' password, shown once."""
    from app.security.passwords import password_problem

    from .demo import DemoSize, generate

    if password and password_problem(password):
        raise ValidationFailed(password_problem(password))
    password = password or strong_password()
    return generate(DemoSize(leads=DEMO_LEADS, accounts=DEMO_ACCOUNTS), password=password), password


def finish() -> None:
    """Finish or skip the page: the admin is no longer sent there (it stays under Settings)."""
    row = _row()
    if row.first_run_done_at is None:
        row.first_run_done_at = utcnow()
    db.session.commit()


def progress() -> dict[str, object]:
    """What each step already has, so a revisit shows where things stand."""
    row = settings()
    return {
        "company": bool(row and row.company_name),
        "departments": db.session.scalar(select(func.count()).select_from(Department)),
        "users": db.session.scalar(select(func.count()).select_from(CrmUser)),
        "imports": db.session.scalar(select(func.count()).select_from(ImportBatch)),
        "has_leads": db.session.scalar(select(Lead.id).limit(1)) is not None,
        "done": bool(row and row.first_run_done_at),
    }


def role_choices() -> list[tuple[str, object]]:
    return [(name, ROLE_BY_NAME[name].label) for name in INVITE_ROLES if name in ROLE_BY_NAME]

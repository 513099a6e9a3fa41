"""`flask crm demo`: a realistic Chinese/English demo data set, big enough to benchmark.

The organisation (departments, one user per built-in role, more sales reps) is made with the ORM
and reused by name on a second run. The business records are planned in memory first — ids,
owners, dates and the links between them — and then written column-wise in chunks through
`BulkLoader` (demo_load.py), never as ORM objects, so a million leads take seconds, not hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import CrmUser, Department, Lead, Opportunity, Tag, account_tag, lead_tag

from . import demo_names as names
from . import demo_rows as rows
from .demo_load import BulkLoader
from .demo_plan import TABLES, Plan, make_plan, tag_links
from .errors import ValidationFailed

# (department, parent department, members) — the first member manages the department.
# A member is (username, role, family or first name, given or last name).
ORG = (
    ("总经理办公室", None, (("executive", "Executive", "王", "建国"),)),
    ("销售事业部", None, (("director", "Sales Director", "李", "志强"),)),
    ("华东销售部", "销售事业部", (
        ("manager_east", "Sales Manager", "陈", "晓东"), ("rep_east1", "Sales Rep", "张", "伟"),
        ("rep_east2", "Sales Rep", "刘", "芳"), ("rep_east3", "Sales Rep", "杨", "洋"),
        ("rep_east4", "Sales Rep", "周", "婷"))),
    ("华北销售部", "销售事业部", (
        ("manager_north", "Sales Manager", "赵", "海涛"), ("rep_north1", "Sales Rep", "孙", "磊"),
        ("rep_north2", "Sales Rep", "马", "丽"), ("rep_north3", "Sales Rep", "高", "鹏"),
        ("rep_north4", "Sales Rep", "郭", "静"))),
    ("国际销售部", "销售事业部", (
        ("manager_intl", "Sales Manager", "Emily", "Carter"), ("rep_intl1", "Sales Rep", "James", "Wilson"),
        ("rep_intl2", "Sales Rep", "Sophie", "Turner"), ("rep_intl3", "Sales Rep", "Daniel", "Brown"))),
    ("客服部", None, (
        ("service1", "Customer Service", "林", "晓燕"), ("service2", "Customer Service", "何", "文静"))),
    # the ERP's sign-in for the REST API (an admin gives it an API key)
    ("信息技术部", None, (("erp_sync", "Integration", "ERP", "同步"),)),
)
# how often each kind of seller owns a record, relative to the others
OWNER_WEIGHT = {"Sales Rep": 6, "Sales Manager": 2, "Sales Director": 1}


@dataclass
class DemoSize:
    leads: int = 2000
    accounts: int = 300
    contacts: int | None = None  # default: 1.5 per account
    opportunities: int | None = None  # default: 1.5 per account
    activities: int | None = None  # default: as many as leads
    notes: int | None = None  # default: one per five leads

    def __post_init__(self) -> None:
        self.contacts = self.accounts * 3 // 2 if self.contacts is None else self.contacts
        self.opportunities = self.accounts * 3 // 2 if self.opportunities is None else self.opportunities
        self.activities = self.leads if self.activities is None else self.activities
        self.notes = self.leads // 5 if self.notes is None else self.notes
        if not self.accounts:  # contacts and opportunities hang off accounts
            self.opportunities = 0


@dataclass
class Org:
    departments: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # username -> role

    def ids(self, *roles: str) -> list[int]:
        return [self.users[u] for u, r in self.roles.items() if r in roles]


# -- the organisation ------------------------------------------------------------------------
DEMO_EMAIL_DOMAIN = "@demo.example.com"  # marks the users `crm demo` made (and may reset)


def _taken(username: str) -> ValidationFailed:
    return ValidationFailed(_l("A user named %(name)s already exists and is not a demo user: the demo data "
                               "would take over their account. Rename that user, or do without the demo data.",
                               name=username))


def ensure_org(password: str) -> Org:
    """Departments and users of the demo company; existing ones (same name) are reused."""
    sm = current_app.appbuilder.sm
    # Hash once for everybody: the password hash is deliberately slow (~0.1 s each).
    hashed = generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
    _refuse_taken_names()
    org, depts = Org(), {}
    for number, (dept_name, parent_name, members) in enumerate(ORG):
        parent = depts.get(parent_name)
        dept = _ensure_department(dept_name, parent)
        depts[dept_name] = dept
        for k, member in enumerate(members):
            user = _ensure_user(sm, member, hashed, phone=names.mobile(number * 10 + k, 7))
            user.department_id = dept.id
            if dept.manager_id is None and k == 0:
                dept.manager_id = user.id  # keep a manager someone already chose
            org.users[user.username], org.roles[user.username] = user.id, member[1]
        org.departments[dept_name] = dept.id
    _link_managers(org, depts)
    db.session.commit()
    return org


def _refuse_taken_names() -> None:
    """Before writing anything (FAB's add_user commits): a real colleague who happens to have a demo
    user's name must never have their account taken over (password, department, manager)."""
    usernames = [member[0] for _dept, _parent, members in ORG for member in members]
    taken = db.session.scalar(
        select(CrmUser.username).where(CrmUser.username.in_(usernames),
                                       or_(CrmUser.email.is_(None), ~CrmUser.email.endswith(DEMO_EMAIL_DOMAIN)))
        .order_by(CrmUser.username).limit(1))
    if taken is not None:
        raise _taken(taken)


def _ensure_department(name: str, parent: Department | None) -> Department:
    dept = db.session.scalar(select(Department).where(Department.name == name).order_by(Department.id))
    if dept is None:
        dept = Department(name=name, parent=parent)
        db.session.add(dept)
        db.session.flush()  # the path (/1/4/) is computed from the id after insert
    return dept


def _ensure_user(sm, member: tuple[str, str, str, str], hashed: str, phone: str) -> CrmUser:
    username, role_name, first, second = member
    chinese = not first.isascii()
    # CrmUser shows Chinese names as last_name + first_name: family name goes in last_name
    first_name, last_name = (second, first) if chinese else (first, second)
    user = db.session.scalar(select(CrmUser).where(CrmUser.username == username))
    if user is None:
        role = sm.find_role(role_name)
        created = sm.add_user(username, first_name, last_name, f"{username}{DEMO_EMAIL_DOMAIN}",
                              role, hashed_password=hashed)
        if not created:
            raise RuntimeError(f"could not create the demo user {username!r}")
        user = db.session.get(CrmUser, created.id)
    else:
        user.password = hashed  # the password printed by `crm demo` must work for every demo user
    user.phone = phone
    return user


def _link_managers(org: Org, depts: dict[str, Department]) -> None:
    """Each member reports to the department's manager; a manager to the parent's manager."""
    top = org.users["executive"]
    for dept_name, parent_name, members in ORG:
        dept = depts[dept_name]
        for member in members:
            user = db.session.get(CrmUser, org.users[member[0]])
            if user.id != dept.manager_id:
                user.manager_id = dept.manager_id
            elif parent_name is not None:
                user.manager_id = depts[parent_name].manager_id
            else:
                user.manager_id = None if user.id == top else top


def ensure_tags() -> list[int]:
    existing = {t.name: t.id for t in db.session.scalars(select(Tag))}
    for name, colour in names.TAGS:
        if name not in existing:
            tag = Tag(name=name, color=colour)
            db.session.add(tag)
            db.session.flush()
            existing[name] = tag.id
    db.session.commit()
    return [existing[name] for name, _ in names.TAGS]


# -- generate ----------------------------------------------------------------------------------

CHUNK = 20_000  # rows per INSERT batch: big enough to be fast, small enough for memory
# (table, name in the report, row builder, tag link table, share of records tagged), in
# foreign-key order
LOAD_ORDER = (
    ("account", "accounts", rows.account_columns, account_tag, 0.25),
    ("contact", "contacts", rows.contact_columns, None, 0),
    ("lead", "leads", rows.lead_columns, lead_tag, 0.15),
    ("opportunity", "opportunities", rows.opportunity_columns, None, 0),
    ("activity", "activities", rows.activity_columns, None, 0),
    ("note", "notes", rows.note_columns, None, 0),
)


def generate(size: DemoSize, password: str, seed: int = 42) -> dict[str, int]:
    """Fill the database with demo data; returns how many rows of each kind were written."""
    rng = random.Random(seed)
    org = ensure_org(password)
    tags = ensure_tags()
    sellers = [(org.users[u], OWNER_WEIGHT[r]) for u, r in org.roles.items() if r in OWNER_WEIGHT]
    counts = {"account": size.accounts, "contact": size.contacts, "lead": size.leads,
              "opportunity": size.opportunities, "activity": size.activities, "note": size.notes}
    report = {"departments": len(org.departments), "users": len(org.users), "tags": len(tags)}
    db.session.commit()  # the loader writes through its own connection
    with BulkLoader(db.engine) as loader:
        plan = make_plan(loader, rng, counts, sellers, org.ids("Customer Service"), tags)
        for name, label, build, tag_table, share in LOAD_ORDER:
            report[label], tagged = _load_table(loader, plan, name, build, tag_table, share)
            if tag_table is not None:
                report[f"{tag_table.name}s"] = tagged
            if name == "opportunity" and not plan.forward_references:
                _link_conversions(loader, plan)
    db.session.expire_all()
    if loader.summaries_stale:
        from app.services.analytics import rollup

        rollup.rebuild()
    if loader.last_won_stale:
        from app.services import last_won

        last_won.rebuild()
    return report


def _load_table(loader: BulkLoader, plan: Plan, name: str, build, tag_table,
                share: float) -> tuple[int, int]:
    """Write one table in chunks, and its tag links; returns (rows, tag links)."""
    table, n, tagged = TABLES[name].__table__, plan.counts[name], 0
    with loader.indexes_deferred(table, n):
        for lo in range(0, n, CHUNK):
            hi = min(n, lo + CHUNK)
            loader.insert(table, build(plan, lo, hi))
            if tag_table is not None:
                links = tag_links(plan, f"{name}_id", plan.first_id[name] + lo, hi - lo, share)
                tagged += loader.insert(tag_table, links)
    return n, tagged


def _link_conversions(loader: BulkLoader, plan: Plan) -> None:
    """Leads and opportunities point at each other, so one side is filled in afterwards."""
    lead, opportunity = Lead.__table__, Opportunity.__table__
    loader.execute(
        update(lead)
        # naming updated_at/by keeps their `onupdate` defaults (now, nobody) from firing
        .values(converted_opportunity_id=opportunity.c.id, updated_at=lead.c.updated_at,
                updated_by_id=lead.c.updated_by_id)
        .where(opportunity.c.source_lead_id == lead.c.id,
               opportunity.c.id >= plan.first_id["opportunity"])
    )

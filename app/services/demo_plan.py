"""The demo data set's plan: every id, owner, date and link, decided before a row is written.

Ids are reserved from max(id); owners, creation times and conversions (a lead → account +
contact + opportunity) are fixed here, so that each table can then be generated in chunks on
its own (demo_rows.py). Also the small column helpers the row builders share. Per-row work is
kept to cheap operations (bulk `choices`, `random()`, list lookups): at a million rows each
microsecond is a second.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Account,
    Activity,
    Contact,
    Lead,
    LeadSource,
    LostReason,
    Note,
    Opportunity,
    Stage,
    utcnow,
)

from . import demo_names as names
from .demo_load import BulkLoader, Moments

EN_SHARE = 0.2  # share of English names and companies
POOL_SHARE = 0.15  # share of leads and accounts without an owner (the public pool 公海)
SPAN = dt.timedelta(days=548)  # records are spread over the last 18 months
DAY = 86_400.0
TABLES = {"account": Account, "contact": Contact, "lead": Lead, "opportunity": Opportunity,
          "activity": Activity, "note": Note}
LEAD_STATUS_WEIGHTS = {"new": 35, "contacted": 30, "qualified": 15, "unqualified": 20}
UNQUALIFIED = ("no_need", "no_budget", "unreachable", "competitor", "invalid", "other")
PARENT_WEIGHTS = {"lead": 45, "account": 25, "contact": 10, "opportunity": 20}
INDUSTRIES, INDUSTRY_WEIGHTS = list(names.INDUSTRY_WEIGHTS), list(names.INDUSTRY_WEIGHTS.values())
PLACE_IDS = range(len(names.PLACES))
ZH_PEOPLE = [names.person(k, False) for k in range(len(names.SURNAMES) * len(names.GIVEN_NAMES))]
EN_PEOPLE = [names.person(k, True) for k in range(len(names.EN_FIRST) * len(names.EN_LAST))]


@dataclass
class Plan:
    rng: random.Random
    counts: dict[str, int]  # table -> rows to write
    now: dt.datetime
    first_id: dict[str, int]
    sources: list[tuple[int, str]]  # (id, channel)
    stages: list[tuple[int, bool, bool]]  # (id, won, lost) in pipeline order
    lost_reasons: list[int]
    tags: list[int]
    sellers: list[int]
    seller_weights: list[int]
    helpers: list[int]  # customer service: they own some follow-up calls
    forward_references: bool  # may a row point at one written later (leads → opportunities)?
    span: float = SPAN.total_seconds()
    times: dict[str, list[float]] = field(default_factory=dict)  # seconds after `start`
    owners: dict[str, list[int | None]] = field(default_factory=dict)
    account_name: list[str] = field(default_factory=list)
    converted: dict[int, int] = field(default_factory=dict)  # lead index -> opportunity index
    conversion_lead: list[int] = field(default_factory=list)  # opportunity index -> lead index
    conversion_account: list[int] = field(default_factory=list)
    conversion_time: list[float] = field(default_factory=list)
    companies: list[tuple[str, str, str, int]] = field(default_factory=list)

    @property
    def start(self) -> dt.datetime:
        return self.now - SPAN

    def moments(self, seconds) -> Moments:
        return Moments(self.start, seconds)

    def seller(self) -> int:
        return self.rng.choices(self.sellers, self.seller_weights)[0]

    def pick_owners(self, n: int) -> list[int | None]:
        random_ = self.rng.random
        picked = self.rng.choices(self.sellers, self.seller_weights, k=n)
        return [None if random_() < POOL_SHARE else o for o in picked]

    def spread(self, n: int) -> list[float]:
        """n moments in the last 18 months, oldest first, more of them recently (growth)."""
        random_, span = self.rng.random, self.span
        return sorted(span * random_() ** 0.7 for _ in range(n))

    def primary_contact(self, account: int) -> int | None:
        # the first `accounts` contacts are the accounts' primary contacts, in account order
        return self.first_id["contact"] + account if account < self.counts["contact"] else None


def make_plan(loader: BulkLoader, rng: random.Random, counts: dict[str, int],
              sellers: list[tuple[int, int]], helpers: list[int], tags: list[int]) -> Plan:
    plan = Plan(
        rng=rng, counts=counts, now=utcnow().replace(microsecond=0),
        first_id={name: loader.next_id(model.__table__) for name, model in TABLES.items()},
        sources=[(s.id, s.channel) for s in db.session.scalars(select(LeadSource).order_by(LeadSource.id))],
        stages=[(s.id, s.is_won, s.is_lost)
                for s in db.session.scalars(select(Stage).order_by(Stage.sort_order, Stage.id))],
        lost_reasons=list(db.session.scalars(select(LostReason.id).order_by(LostReason.id))),
        tags=tags, sellers=[s for s, _ in sellers], seller_weights=[w for _, w in sellers],
        helpers=helpers, forward_references=loader.forward_references,
    )
    for table in ("account", "lead"):
        plan.times[table] = plan.spread(counts[table])
        plan.owners[table] = plan.pick_owners(counts[table])
    for table in ("contact", "opportunity"):
        plan.owners[table] = []  # filled in as their rows are built
    _plan_conversions(plan)
    plan.companies = _company_pool(rng, min(50_000, max(1_000, counts["lead"] // 10)))
    return plan


def _plan_conversions(plan: Plan) -> None:
    """Which leads were converted, when, and into which account; each made one opportunity."""
    rng, leads = plan.rng, plan.counts["lead"]
    count = min(leads * 15 // 100, plan.counts["opportunity"])
    plan.conversion_lead = sorted(rng.sample(range(leads), count))
    lead_time, lead_owner, account_time = plan.times["lead"], plan.owners["lead"], plan.times["account"]
    for j, lead in enumerate(plan.conversion_lead):
        plan.converted[lead] = j
        when = min(lead_time[lead] + rng.uniform(0.5, 30) * DAY, plan.span)
        # an account that already existed at conversion time, usually a recent one
        newest = max(0, bisect.bisect(account_time, when) - 1)
        plan.conversion_account.append(max(0, newest - int(rng.random() * 50)))
        plan.conversion_time.append(when)
        if lead_owner[lead] is None:  # somebody converted it, so somebody owns it
            lead_owner[lead] = plan.seller()


def _company_pool(rng: random.Random, n: int) -> list[tuple[str, str, str, int]]:
    """(name, web domain, industry, place) of companies leads work for; repeats are realistic."""
    industries = rng.choices(INDUSTRIES, INDUSTRY_WEIGHTS, k=n)
    places = rng.choices(PLACE_IDS, names.PLACE_WEIGHTS, k=n)
    return [(*names.company(rng.randrange(1_000_000), industry, place, rng.random() < EN_SHARE),
             industry, place) for industry, place in zip(industries, places, strict=True)]


# -- small column helpers ----------------------------------------------------------------------

def maybe(rng: random.Random, share: float, values: list) -> list:
    """Keep each value with probability `share`, else None (optional fields are often empty)."""
    random_ = rng.random
    return [v if random_() < share else None for v in values]


def persons(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(name, e-mail local part): 80% Chinese, 20% English."""
    random_ = rng.random
    zh, en = rng.choices(ZH_PEOPLE, k=n), rng.choices(EN_PEOPLE, k=n)
    return [e if random_() < EN_SHARE else z for z, e in zip(zh, en, strict=True)]


def titles(rng: random.Random, people: list[tuple[str, str]], share: float) -> list[str | None]:
    zh, en = rng.choices(names.TITLES_ZH, k=len(people)), rng.choices(names.TITLES_EN, k=len(people))
    return maybe(rng, share, [e if p[0].isascii() else z for p, z, e in zip(people, zh, en, strict=True)])


def emails(rng: random.Random, people: list[tuple[str, str]], first: int, share: float) -> list:
    domains = rng.choices(names.MAIL_DOMAINS, k=len(people))
    return maybe(rng, share, [f"{p[1]}{first + i}@{d}" for i, (p, d) in enumerate(zip(people, domains, strict=True))])


def wechat_ids(rng: random.Random, people: list[tuple[str, str]], first: int, share: float) -> list:
    return maybe(rng, share, [f"wxid_{p[1].replace('.', '')}{(first + i) % 9973}"
                               for i, p in enumerate(people)])


def landlines(rng: random.Random, places: list[int], share: float) -> list[str | None]:
    random_, area = rng.random, [p[3] for p in names.PLACES]
    return [f"{area[p]}-{20_000_000 + int(random_() * 69_999_999)}" if random_() < share else None
            for p in places]


def addresses(rng: random.Random, places: list[int], share: float) -> list[str | None]:
    random_, roads = rng.random, rng.choices(names.ROADS, k=len(places))
    return [f"{names.PLACES[p][1]}市{road}{1 + int(random_() * 998)}号" if random_() < share else None
            for p, road in zip(places, roads, strict=True)]


def audit(owners: list, created: Moments, updated: Moments | None = None) -> dict:
    """created/updated at and by, and the version counter every record starts with."""
    return {"created_at": created, "updated_at": updated if updated is not None else created,
            "created_by_id": owners, "updated_by_id": owners, "version": [1] * len(owners)}


def tag_links(plan: Plan, key: str, first: int, n: int, share: float) -> dict[str, list]:
    """One or two distinct tags on a share of the records first .. first+n-1."""
    rng, ids, tags = plan.rng, [], []
    for i in range(n):
        if rng.random() < share:
            for tag in rng.sample(plan.tags, 1 + (rng.random() < 0.3)):
                ids.append(first + i)
                tags.append(tag)
    return {key: ids, "tag_id": tags}

"""Rows of the demo data set, built column-wise in chunks from the plan (demo_plan.py).

Every builder returns {"column": [values…]} holding every NOT NULL column: bulk inserts bypass
the ORM's defaults and events. Times are seconds after the plan's start (`Moments`).
"""

from __future__ import annotations

import datetime as dt
import functools

from app.models import Account, Contact, Lead

from . import demo_names as names
from . import normalise
from .demo_plan import (
    DAY,
    EN_SHARE,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    LEAD_STATUS_WEIGHTS,
    PARENT_WEIGHTS,
    PLACE_IDS,
    UNQUALIFIED,
    Plan,
    addresses,
    audit,
    emails,
    landlines,
    maybe,
    persons,
    titles,
    wechat_ids,
)

# -- match keys: what the ORM computes on insert, computed here column-wise ---------------------

_company_key = functools.lru_cache(maxsize=300_000)(normalise.company)  # company names repeat a lot


def _mobile_keys(values: list) -> list:
    # most demo numbers are already 11 plain digits, which normalise to themselves
    return [v if v is None or (len(v) == 11 and v.isascii() and v.isdigit() and not v.startswith("0086"))
            else normalise.mobile(v) for v in values]


def _email_keys(values: list) -> list:
    return [normalise.email(v) if v is not None else None for v in values]


def _company_keys(values: list) -> list:
    return [_company_key(v) if v is not None else None for v in values]


_KEYERS = {"mobile": _mobile_keys, "email": _email_keys, "company": _company_keys}


def with_match_keys(model, columns: dict[str, list]) -> dict[str, list]:
    """Add the model's normalised match keys (see MatchKeysMixin) to rows given column-wise."""
    n = len(columns["id"])
    for key, (source, fn) in model.MATCH_KEYS.items():
        columns[key] = _KEYERS[fn](columns.get(source) or [None] * n)
    return columns


# -- accounts and contacts ---------------------------------------------------------------------

def account_columns(plan: Plan, lo: int, hi: int) -> dict[str, list]:
    rng, n, first = plan.rng, hi - lo, plan.first_id["account"] + lo
    random_ = rng.random
    industries = rng.choices(INDUSTRIES, INDUSTRY_WEIGHTS, k=n)
    places = rng.choices(PLACE_IDS, names.PLACE_WEIGHTS, k=n)
    # a permutation of the id spreads names over the pools: ~93% distinct at 200,000 accounts,
    # the rest repeat as real data does (and as the duplicate finder expects)
    made = [names.company((first + i) * 7919 % 1_000_003, industries[i], places[i], random_() < EN_SHARE)
            for i in range(n)]
    plan.account_name.extend(m[0] for m in made)
    owners, seconds = plan.owners["account"][lo:hi], plan.times["account"][lo:hi]
    phones = landlines(rng, places, 0.6)
    return with_match_keys(Account, {
        "id": list(range(first, first + n)), "name": [m[0] for m in made], "industry": industries,
        "level": rng.choices("ABCD", (10, 25, 40, 25), k=n),
        "source_id": maybe(rng, 0.8, [s for s, _ in rng.choices(plan.sources, k=n)]),
        "phone": [t or names.mobile(first + i, 31) for i, t in enumerate(phones)],
        "website": maybe(rng, 0.5, [f"www.{m[1]}" for m in made]),
        "province": [names.PLACES[p][0] for p in places], "city": [names.PLACES[p][1] for p in places],
        "address": addresses(rng, places, 0.6),
        "last_followup_at": plan.moments(maybe(rng, 0.7, [min(s + random_() * 120 * DAY, plan.span)
                                                           for s in seconds])),
        "next_followup_at": plan.moments(maybe(rng, 0.4, [plan.span + (random_() * 35 - 5) * DAY
                                                           for _ in range(n)])),
        "description": maybe(rng, 0.15, rng.choices(names.ACCOUNT_DESCRIPTIONS, k=n)),
        "owner_id": owners,
        **audit(owners, plan.moments(seconds)),
    })


def contact_columns(plan: Plan, lo: int, hi: int) -> dict[str, list]:
    rng, n, first = plan.rng, hi - lo, plan.first_id["contact"] + lo
    random_, accounts_n, span = rng.random, plan.counts["account"], plan.span
    # contact k < accounts is account k's primary contact; the others join a random account
    accounts = [k if k < accounts_n else (int(random_() * accounts_n)
                                          if accounts_n and random_() < 0.95 else None)
                for k in range(lo, hi)]
    account_owner, account_time = plan.owners["account"], plan.times["account"]
    owners = [account_owner[a] if a is not None else plan.seller() for a in accounts]
    plan.owners["contact"].extend(owners)
    seconds = [min(account_time[a] + random_() * 20 * DAY, span) if a is not None else random_() * span
               for a in accounts]
    people = persons(rng, n)
    return with_match_keys(Contact, {
        "id": list(range(first, first + n)),
        "account_id": [plan.first_id["account"] + a if a is not None else None for a in accounts],
        "name": [p[0] for p in people], "title": titles(rng, people, 0.8),
        "mobile": maybe(rng, 0.9, [names.mobile(first + i, 11) for i in range(n)]),
        "phone": landlines(rng, rng.choices(PLACE_IDS, k=n), 0.3),
        "email": emails(rng, people, first, 0.7), "wechat": wechat_ids(rng, people, first, 0.4),
        "is_primary": [k < accounts_n for k in range(lo, hi)],
        "birthday": [dt.date(1965 + int(random_() * 35), 1, 1) + dt.timedelta(days=int(random_() * 365))
                     if random_() < 0.2 else None for _ in range(n)],
        "owner_id": owners,
        **audit(owners, plan.moments(seconds)),
    })


# -- leads -------------------------------------------------------------------------------------

def _lead_status_and_source(plan: Plan, lo: int, n: int) -> tuple[list[str], list[tuple[int, str]]]:
    rng = plan.rng
    statuses = rng.choices(list(LEAD_STATUS_WEIGHTS), list(LEAD_STATUS_WEIGHTS.values()), k=n)
    sources = rng.choices(plan.sources, k=n)
    if lo == 0:  # even a tiny data set shows every status, source and channel
        statuses[: len(LEAD_STATUS_WEIGHTS)] = list(LEAD_STATUS_WEIGHTS)[:n]
        sources[: len(plan.sources)] = plan.sources[:n]
    converted = plan.converted
    return [("converted" if lo + i in converted else s) for i, s in enumerate(statuses)], sources


def _conversion_columns(plan: Plan, lo: int, hi: int, owners: list) -> dict[str, list]:
    n, first_opportunity = hi - lo, plan.first_id["opportunity"]
    accounts, contacts, opportunities = [None] * n, [None] * n, [None] * n
    at, by = [None] * n, [None] * n
    for i in range(lo, hi):
        j = plan.converted.get(i)
        if j is not None:
            account = plan.conversion_account[j]
            accounts[i - lo] = plan.first_id["account"] + account
            contacts[i - lo] = plan.primary_contact(account)
            opportunities[i - lo] = first_opportunity + j
            at[i - lo], by[i - lo] = plan.conversion_time[j], owners[i - lo]
    columns = {"converted_account_id": accounts, "converted_contact_id": contacts,
               "converted_at": plan.moments(at), "converted_by_id": by}
    if plan.forward_references:  # otherwise filled in once the opportunities exist
        columns["converted_opportunity_id"] = opportunities
    return columns


def _referrers(plan: Plan, channels: list[str]) -> dict[str, list]:
    random_, accounts_n = plan.rng.random, plan.counts["account"]
    refs = [int(random_() * accounts_n) if c == "referral" and accounts_n and random_() < 0.6 else None
            for c in channels]
    return {"referrer_account_id": [plan.first_id["account"] + a if a is not None else None for a in refs],
            "referrer_contact_id": [plan.primary_contact(a) if a is not None else None for a in refs]}


def lead_columns(plan: Plan, lo: int, hi: int) -> dict[str, list]:
    rng, n, first = plan.rng, hi - lo, plan.first_id["lead"] + lo
    owners, seconds = plan.owners["lead"][lo:hi], plan.times["lead"][lo:hi]
    people, companies = persons(rng, n), rng.choices(plan.companies, k=n)
    statuses, sources = _lead_status_and_source(plan, lo, n)
    channels, places = [c for _, c in sources], [c[3] for c in companies]
    conversion = _conversion_columns(plan, lo, hi, owners)
    # a converted lead carries its account's name; it was last touched when it was converted
    company_names = [plan.account_name[a - plan.first_id["account"]] if a is not None else c[0]
                     for a, c in zip(conversion["converted_account_id"], companies, strict=True)]
    random_ = rng.random
    updated = [c if c is not None else min(s + random_() * 10 * DAY, plan.span)
               for s, c in zip(seconds, conversion["converted_at"], strict=True)]
    return with_match_keys(Lead, {
        "id": list(range(first, first + n)),
        "person_name": [p[0] for p in people], "company_name": company_names,
        "title": titles(rng, people, 0.4),
        "mobile": maybe(rng, 0.9, [names.mobile(first + i, 3) for i in range(n)]),
        "phone": landlines(rng, places, 0.1),
        "email": emails(rng, people, first, 0.5), "wechat": wechat_ids(rng, people, first, 0.2),
        "channel": channels, "source_id": maybe(rng, 0.95, [s for s, _ in sources]),
        **_referrers(plan, channels),
        "status": statuses,
        "unqualified_reason": [rng.choice(UNQUALIFIED) if s == "unqualified" else None for s in statuses],
        "rating": rng.choices(("hot", "warm", "cold", None), (20, 40, 30, 10), k=n),
        "industry": maybe(rng, 0.8, [c[2] for c in companies]),
        "province": [names.PLACES[p][0] for p in places], "city": [names.PLACES[p][1] for p in places],
        "address": addresses(rng, places, 0.3),
        "description": maybe(rng, 0.15, rng.choices(names.LEAD_DESCRIPTIONS, k=n)),
        **conversion, "owner_id": owners,
        **audit(owners, plan.moments(seconds), plan.moments(updated)),
    })


# -- opportunities -----------------------------------------------------------------------------

def _stage(plan: Plan, j: int, age_days: float) -> tuple[int, bool, bool]:
    rng, stages = plan.rng, plan.stages
    if j < len(stages):  # even a tiny data set shows every stage
        return stages[j]
    if rng.random() < min(0.85, age_days / 240):  # older deals are more often decided
        won = rng.random() < 0.55
        closing = [s for s in stages if (s[1] if won else s[2])]
        if closing:
            return closing[0]
    open_stages = [s for s in stages if not (s[1] or s[2])] or stages
    # early stages hold more deals than late ones
    return rng.choices(open_stages, range(len(open_stages), 0, -1))[0]


def _deals(plan: Plan, lo: int, hi: int) -> list[tuple[int, float, int | None, int | None]]:
    """(account, created, owner, source lead) per opportunity; the first ones come from leads."""
    random_, span, deals = plan.rng.random, plan.span, []
    account_time, account_owner = plan.times["account"], plan.owners["account"]
    for j in range(lo, hi):
        if j < len(plan.conversion_lead):
            lead = plan.conversion_lead[j]
            deals.append((plan.conversion_account[j], plan.conversion_time[j],
                          plan.owners["lead"][lead], plan.first_id["lead"] + lead))
        else:
            a = int(random_() * plan.counts["account"])
            when = account_time[a] + random_() * (span - account_time[a])
            deals.append((a, when, account_owner[a] or plan.seller(), None))
    return deals


def opportunity_columns(plan: Plan, lo: int, hi: int) -> dict[str, list]:
    rng, n, first, span = plan.rng, hi - lo, plan.first_id["opportunity"] + lo, plan.span
    random_, deals = rng.random, _deals(plan, lo, hi)
    stages = [_stage(plan, j, (span - d[1]) / DAY) for j, d in zip(range(lo, hi), deals, strict=True)]
    closed = [min(d[1] + (5 + random_() * 85) * DAY, span) if s[1] or s[2] else None
              for d, s in zip(deals, stages, strict=True)]
    start, today = plan.start, plan.now.date()
    expected = [(start + dt.timedelta(seconds=c)).date() if c is not None
                else today + dt.timedelta(days=int(random_() * 140) - 20) for c in closed]
    owners = [d[2] for d in deals]
    plan.owners["opportunity"].extend(owners)
    account_names = [plan.account_name[d[0]] for d in deals]
    zh, en = rng.choices(names.PRODUCTS_ZH, k=n), rng.choices(names.PRODUCTS_EN, k=n)
    return {
        "id": list(range(first, first + n)),
        "account_id": [plan.first_id["account"] + d[0] for d in deals],
        "contact_id": [plan.primary_contact(d[0]) if random_() < 0.8 else None for d in deals],
        "name": [f"{a} · {e if a.isascii() else z}"[:200] for a, z, e in zip(account_names, zh, en, strict=True)],
        "amount": [int(10 ** (4 + random_() * 2.7)) // 1000 * 1000 for _ in range(n)],
        "currency": rng.choices(("CNY", "USD", "EUR", "HKD", "JPY"), (88, 7, 2, 2, 1), k=n),
        "stage_id": [s[0] for s in stages], "expected_close_date": expected,
        "closed_at": plan.moments(closed),
        "lost_reason_id": [rng.choice(plan.lost_reasons) if s[2] and plan.lost_reasons else None
                           for s in stages],
        "source_lead_id": [d[3] for d in deals],
        "owner_id": owners,
        **audit(owners, plan.moments([d[1] for d in deals])),
    }


# -- activities and notes ----------------------------------------------------------------------

def _parents(plan: Plan, n: int) -> tuple[dict[str, list], list[int | None]]:
    """A parent record for each of n activities or notes, and the parents' owners."""
    kinds = {k: w for k, w in PARENT_WEIGHTS.items() if plan.counts[k]}
    if not kinds:
        raise ValueError("activities and notes need at least one lead or account to belong to")
    columns = {f"{k}_id": [None] * n for k in PARENT_WEIGHTS}
    owners: list[int | None] = [None] * n
    random_ = plan.rng.random
    for i, kind in enumerate(plan.rng.choices(list(kinds), list(kinds.values()), k=n)):
        index = int(random_() * plan.counts[kind])
        columns[f"{kind}_id"][i] = plan.first_id[kind] + index
        owners[i] = plan.owners[kind][index]
    return columns, owners


def _schedule(plan: Plan, n: int) -> tuple[list[float], list[float | None]]:
    """Due and done times: most past activities done, some overdue, some due today, some ahead."""
    random_, span = plan.rng.random, plan.span
    today = (plan.now.replace(hour=0, minute=0, second=0) - plan.start).total_seconds()
    due = [today + (9 + random_() * 9) * 3600 if random_() < 0.03 else random_() * (span + 30 * DAY)
           for _ in range(n)]
    done = [min(d + (random_() * 2.1 - 0.1) * DAY, span) if d < span - DAY and random_() < 0.85 else None
            for d in due]
    return due, done


def activity_columns(plan: Plan, lo: int, hi: int) -> dict[str, list]:
    rng, n, first, span = plan.rng, hi - lo, plan.first_id["activity"] + lo, plan.span
    random_ = rng.random
    parents, owners = _parents(plan, n)
    owners = [o if o is not None else plan.seller() for o in owners]
    if plan.helpers:  # customer service makes some of the follow-up calls to accounts
        owners = [rng.choice(plan.helpers) if a is not None and random_() < 0.1 else o
                  for a, o in zip(parents["account_id"], owners, strict=True)]
    due, done = _schedule(plan, n)
    types = rng.choices(list(names.ACTIVITY_TYPE_WEIGHTS), list(names.ACTIVITY_TYPE_WEIGHTS.values()), k=n)
    return {
        "id": list(range(first, first + n)), **parents, "type": types,
        "subject": [rng.choice(names.SUBJECTS[t][random_() < EN_SHARE]) for t in types],
        "due_at": plan.moments(due),
        "remind_at": plan.moments([max(0.0, d - 1800) if x is None and random_() < 0.4 else None
                                   for d, x in zip(due, done, strict=True)]),
        "done_at": plan.moments(done),
        "outcome": [rng.choice(names.OUTCOMES) if x is not None and random_() < 0.6 else None for x in done],
        "owner_id": owners,
        **audit(owners, plan.moments([min(max(0.0, d - random_() * 14 * DAY), span) for d in due])),
    }


def note_columns(plan: Plan, lo: int, hi: int) -> dict[str, list]:
    rng, n, first = plan.rng, hi - lo, plan.first_id["note"] + lo
    parents, authors = _parents(plan, n)
    authors = [a if a is not None else plan.seller() for a in authors]
    return {
        "id": list(range(first, first + n)), **parents, "text": rng.choices(names.NOTES, k=n),
        **audit(authors, plan.moments(plan.spread(n))),
    }

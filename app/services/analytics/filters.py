"""Dashboard filters (period, department, owner, channel, currency) and time windows.

Periods are calendar periods in the CRM's time zone; their bounds are turned into the naive UTC
stored in every DateTime column, so "this month" means the same month a user sees on screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app.models import Channel, Currency
from app.services.errors import ValidationFailed

PERIODS = {"month": _l("This month"), "quarter": _l("This quarter"), "year": _l("This year"),
           "last12": _l("Last 12 months"), "custom": _l("Custom")}
MAX_DAYS = 3 * 366


def zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else "UTC"
    return ZoneInfo(name or "UTC")


def today() -> dt.date:
    return dt.datetime.now(zone()).date()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def to_utc(day: dt.date) -> dt.datetime:
    """Local midnight of `day` as naive UTC."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Filters:
    period: str = "year"
    start: dt.date | None = None  # inclusive, local dates
    end: dt.date | None = None  # exclusive
    department_id: int | None = None
    owner: str | None = None  # a user id, or "pool"
    channel: str | None = None
    currency: str = "CNY"

    @property
    def owner_id(self) -> int | None:
        return int(self.owner) if self.owner and self.owner != "pool" else None

    def bounds(self) -> tuple[dt.date, dt.date]:
        """[start, end) of the chosen period in local dates."""
        if self.period == "custom":
            return self.start, self.end
        now = today()
        if self.period == "month":
            start = month_start(now)
            return start, add_months(start, 1)
        if self.period == "quarter":
            start = dt.date(now.year, (now.month - 1) // 3 * 3 + 1, 1)
            return start, add_months(start, 3)
        if self.period == "last12":
            end = add_months(month_start(now), 1)
            return add_months(end, -12), end
        return dt.date(now.year, 1, 1), dt.date(now.year + 1, 1, 1)

    def as_args(self) -> dict:
        """Query-string form, for links that keep the filters."""
        args = {"period": self.period, "currency": self.currency}
        if self.period == "custom":
            args.update(start=self.start.isoformat(), end=(self.end - dt.timedelta(days=1)).isoformat())
        if self.department_id:
            args["department"] = self.department_id
        if self.owner:
            args["owner"] = self.owner
        if self.channel:
            args["channel"] = self.channel
        return args

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)


def _date(text: str, message) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValidationFailed(message) from None


def parse_filters(args) -> Filters:
    """Read filters from a request's arguments; anything invalid is a translated 422."""
    period = (args.get("period") or "year").strip()
    if period not in PERIODS:
        raise ValidationFailed(_l("Unknown period."))
    start = end = None
    if period == "custom":
        start = _date(args.get("start") or "", _l("Enter the first day of the period (YYYY-MM-DD)."))
        last = _date(args.get("end") or "", _l("Enter the last day of the period (YYYY-MM-DD)."))
        if last < start:
            raise ValidationFailed(_l("The period ends before it starts."))
        if (last - start).days > MAX_DAYS:
            raise ValidationFailed(_l("Choose a period of at most three years."))
        end = last + dt.timedelta(days=1)
    department = args.get("department") or None
    try:
        department_id = int(department) if department else None
    except ValueError:
        raise ValidationFailed(_l("Unknown department.")) from None
    owner = (args.get("owner") or "").strip() or None
    if owner and owner != "pool" and not owner.isdigit():
        raise ValidationFailed(_l("Unknown owner."))
    channel = (args.get("channel") or "").strip() or None
    if channel and channel not in {c.value for c in Channel}:
        raise ValidationFailed(_l("Unknown channel."))
    currency = (args.get("currency") or "CNY").strip().upper()
    if currency not in {c.value for c in Currency}:
        raise ValidationFailed(_l("Unknown currency."))
    return Filters(period, start, end, department_id, owner, channel, currency)


# -- buckets --------------------------------------------------------------------------------------

def bucket_starts(start: dt.date, end: dt.date, bucket: str) -> list[dt.date]:
    """Start dates of every week/month/quarter that overlaps [start, end)."""
    if bucket == "week":
        first = start - dt.timedelta(days=start.weekday())
        step = dt.timedelta(days=7)
        days = []
        while first < end:
            days.append(first)
            first += step
        return days
    months = 3 if bucket == "quarter" else 1
    first = month_start(start)
    if bucket == "quarter":
        first = dt.date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
    starts = []
    while first < end:
        starts.append(first)
        first = add_months(first, months)
    return starts


def bucket_label(day: dt.date, bucket: str) -> str:
    if bucket == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if bucket == "week":
        return day.isoformat()
    return f"{day.year}-{day.month:02d}"

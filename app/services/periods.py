"""Calendar periods — week, month, quarter — in the company's time zone (CRM_TIMEZONE).

Written as "2026-W48", "2026-11" and "2026-Q4". Times are stored as naive UTC, so a period
turns into a UTC [start, end) pair for queries: a deal won at 23:30 on 30 November in Shanghai
counts for November even though it is 15:30 UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

KINDS = ("week", "month", "quarter")
_PATTERNS = {
    "week": re.compile(r"^(\d{4})-W(\d{1,2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
}


def zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() \
        else "Asia/Shanghai"
    return ZoneInfo(name)


@dataclass(frozen=True)
class Period:
    kind: str  # week / month / quarter
    year: int
    number: int  # ISO week, month 1-12 or quarter 1-4

    @classmethod
    def parse(cls, text: str) -> Period:
        """"2026-11", "2026-Q4" or "2026-W48"; ValueError for anything else."""
        text = (text or "").strip().upper()
        for kind, pattern in _PATTERNS.items():
            match = pattern.match(text)
            if match:
                year, number = int(match.group(1)), int(match.group(2))
                period = cls(kind, year, number)
                period.first_day()  # validates the number
                if not 2000 <= year <= 2100:
                    raise ValueError(text)
                return period
        raise ValueError(text)

    @classmethod
    def containing(cls, kind: str, when: dt.datetime | None = None) -> Period:
        """The period of `kind` that contains `when` (naive UTC; default now), in local time."""
        when = when or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        local = when.replace(tzinfo=dt.UTC).astimezone(zone()).date()
        if kind == "week":
            year, week, _ = local.isocalendar()
            return cls("week", year, week)
        if kind == "quarter":
            return cls("quarter", local.year, (local.month - 1) // 3 + 1)
        return cls("month", local.year, local.month)

    def first_day(self) -> dt.date:
        if self.kind == "week":
            return dt.date.fromisocalendar(self.year, self.number, 1)
        if self.kind == "quarter":
            if not 1 <= self.number <= 4:
                raise ValueError(self.number)
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, self.number, 1)

    def next(self) -> Period:
        if self.kind == "week":
            return Period.containing_date("week", self.first_day() + dt.timedelta(days=7))
        if self.kind == "quarter":
            return Period("quarter", self.year + self.number // 4, self.number % 4 + 1)
        return Period("month", self.year + self.number // 12, self.number % 12 + 1)

    def previous(self) -> Period:
        if self.kind == "week":
            return Period.containing_date("week", self.first_day() - dt.timedelta(days=7))
        if self.kind == "quarter":
            return Period("quarter", self.year - (self.number == 1), (self.number - 2) % 4 + 1)
        return Period("month", self.year - (self.number == 1), (self.number - 2) % 12 + 1)

    @classmethod
    def containing_date(cls, kind: str, day: dt.date) -> Period:
        if kind == "week":
            year, week, _ = day.isocalendar()
            return cls("week", year, week)
        if kind == "quarter":
            return cls("quarter", day.year, (day.month - 1) // 3 + 1)
        return cls("month", day.year, day.month)

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as naive UTC datetimes."""
        tz = zone()

        def utc(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)

        return utc(self.first_day()), utc(self.next().first_day())

    def contains(self, other: Period) -> bool:
        """A quarter contains its months (used to add monthly won amounts up to a quarter)."""
        start, end = self.utc_bounds()
        o_start, o_end = other.utc_bounds()
        return start <= o_start and o_end <= end

    def __str__(self) -> str:
        if self.kind == "week":
            return f"{self.year}-W{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

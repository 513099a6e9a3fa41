"""What a home widget 组件 is: a key, a title, options, a template and a scoped `load` function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.services.errors import ValidationFailed

SIZES = ("small", "wide")


@dataclass(frozen=True)
class Option:
    """A setting the user picks per widget: a choice among values, or a whole number."""

    name: str
    label: object
    default: object
    choices: Callable[[], list[tuple[str, object]]] | None = None  # None: a whole number
    minimum: int = 1
    maximum: int = 365
    text: bool = False  # free text (at most 300 characters) instead of a number

    def clean(self, raw) -> object:
        if raw is None or raw == "":
            return self.default
        if self.text:
            return str(raw).strip()[:300]
        if self.choices is None:
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise ValidationFailed(_l("%(option)s must be a whole number.", option=self.label)) from None
            if not self.minimum <= value <= self.maximum:
                raise ValidationFailed(_l("%(option)s must be between %(min)s and %(max)s.",
                                          option=self.label, min=self.minimum, max=self.maximum))
            return value
        value = str(raw)
        if value not in {key for key, _label in self.choices()}:
            raise ValidationFailed(_l("Choose a value for %(option)s.", option=self.label))
        return value


@dataclass
class Context:
    """What a widget may know about the request, handed over by the door (no flask.request here).

    `can(view_name)` tells whether the user may open that list; `lists` maps an entity to its
    list view (panel, columns) for the "any list" widget; times are naive UTC, `zone` is local.
    """

    user: object
    now: dt.datetime
    zone: object
    can: Callable[[str], bool]
    lists: dict = field(default_factory=dict)

    def local_start(self, unit: str) -> dt.datetime:
        """Naive UTC start of the local day / week (Monday) / month containing now."""
        local = self.now.replace(tzinfo=dt.UTC).astimezone(self.zone).date()
        if unit == "week":
            local -= dt.timedelta(days=local.weekday())
        elif unit == "month":
            local = local.replace(day=1)
        start = dt.datetime.combine(local, dt.time.min, tzinfo=self.zone)
        return start.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Widget:
    key: str
    title: object
    description: object
    load: Callable[[Context, dict], dict]  # (context, cleaned options) -> what the template shows
    template: str = ""  # defaults to crm/widgets/<key>.html
    size: str = "small"
    options: tuple[Option, ...] = ()
    needs: tuple[str, ...] = ()  # list views the user must be allowed to open, e.g. ("LeadView",)

    @property
    def template_name(self) -> str:
        return self.template or f"crm/widgets/{self.key}.html"

    def clean_options(self, raw: dict | None) -> dict:
        raw = raw or {}
        return {option.name: option.clean(raw.get(option.name)) for option in self.options}

    def allowed(self, can: Callable[[str], bool]) -> bool:
        return all(can(view) for view in self.needs)


SCOPE = Option("scope", _l("Whose records"), "mine",
               lambda: [("mine", _l("Mine")), ("team", _l("Everything I can see"))])


def capped_count(session, query, cap: int = 1000) -> int:
    """COUNT that stops at `cap` (+1): "1000+" costs the same on a million rows as on ten."""
    from sqlalchemy import func, select

    return session.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery())) or 0

"""A chart as a small declarative definition (in the spirit of FAB's GroupByChartView).

    ChartSpec("pipeline_stage", _l("Open pipeline by stage"), "opportunity", group_by="stage",
              measures=("count", "sum:amount", "weighted:amount"), filters=("open",))

A measure is written `kind[:field][:condition]`: `count`, `count::won`, `sum:amount:won`,
`avg:amount`, `weighted:amount` (amount × configured stage probability), `learned:amount`
(amount × probability learned from won/lost history). Ratios divide two measures of the same query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.services.errors import ValidationFailed

from .fields import ENTITIES, Entity

KINDS = {"count": _l("Count"), "sum": _l("Sum"), "avg": _l("Average"),
         "weighted": _l("Weighted by stage probability"),
         "learned": _l("Weighted by learned probability")}
BUCKETS = {"week": _l("Week"), "month": _l("Month"), "quarter": _l("Quarter")}
CHART_TYPES = {"bar": _l("Bar"), "hbar": _l("Horizontal bar"), "line": _l("Line"), "pie": _l("Pie"),
               "funnel": _l("Funnel"), "table": _l("Table")}
WINDOWS = ("period", "none", "next3", "compare_year")
PLAIN_NUMBERS: set[str] = set()  # number fields that are not money (e.g. ticket minutes)


@dataclass(frozen=True)
class Measure:
    kind: str
    field: str | None = None
    condition: str | None = None
    label: object = None

    @classmethod
    def parse(cls, text: str, entity: Entity, label=None) -> Measure:
        parts = (str(text).split(":") + ["", ""])[:3]
        kind, fld, cond = parts[0], parts[1] or None, parts[2] or None
        if kind not in KINDS:
            raise ValidationFailed(_l("Unknown measure: %(name)s", name=kind))
        if kind == "count" and fld:
            raise ValidationFailed(_l("A count takes no field."))
        if kind != "count" and fld not in entity.numbers:
            raise ValidationFailed(_l("Choose a number field for this measure."))
        if kind in ("weighted", "learned") and entity.key != "opportunity":
            raise ValidationFailed(_l("Probability-weighted sums exist for opportunities only."))
        if cond is not None and cond not in entity.conditions:
            raise ValidationFailed(_l("Unknown condition: %(name)s", name=cond))
        return cls(kind, fld, cond, label)

    @property
    def key(self) -> str:
        return ":".join(p for p in (self.kind, self.field or "", self.condition or "")).rstrip(":")

    @property
    def is_money(self) -> bool:
        return self.kind != "count" and self.field not in PLAIN_NUMBERS

    def title(self, entity: Entity) -> object:
        if self.label is not None:
            return self.label
        if self.kind == "count":
            base = entity.conditions[self.condition].label if self.condition else entity.label
            return base
        name = entity.numbers.get(self.field, self.field)
        text = f"{KINDS[self.kind]}: {name}" if self.kind in ("sum", "avg") else str(KINDS[self.kind])
        if self.condition:
            text = f"{text} ({entity.conditions[self.condition].label})"
        return text


@dataclass(frozen=True)
class Ratio:
    key: str
    label: object
    numerator: str  # measure keys
    denominator: str


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: object
    entity: str
    group_by: str | None = None  # a dimension key, or a date field with `bucket`
    bucket: str | None = None
    measures: tuple = ("count",)
    labels: tuple = ()  # optional display labels, one per measure
    ratios: tuple[Ratio, ...] = ()
    filters: tuple[str, ...] = ()  # named conditions every row must meet
    date_field: str | None = "created_at"  # the period filter applies to it
    window: str = "period"  # period | none | next3 | compare_year
    chart: str = "bar"
    limit: int | None = None
    note: object = None
    custom: str | None = None  # a hand-written chart in app.services.analytics.custom
    width: int = 6  # grid columns (of 12)
    extra: dict = field(default_factory=dict)
    #: the entity as one viewer sees it (with the custom fields they may group by); see `for_user`
    fields: Entity | None = field(default=None, compare=False, repr=False)
    error: object = None  # a saved chart this viewer cannot run: the translated reason, shown instead

    @property
    def entity_def(self) -> Entity:
        return self.fields if self.fields is not None else ENTITIES[self.entity]

    def parsed_measures(self) -> list[Measure]:
        labels = list(self.labels) + [None] * len(self.measures)
        return [Measure.parse(m, self.entity_def, labels[i]) for i, m in enumerate(self.measures)]

    @property
    def uses_custom_fields(self) -> bool:
        return any(name and name.startswith("cf_") for name in (self.group_by, self.date_field))

    @property
    def is_date_group(self) -> bool:
        return self.group_by is not None and self.group_by in self.entity_def.dates

    def validate(self) -> ChartSpec:
        if self.custom:
            return self
        if self.entity not in ENTITIES:
            raise ValidationFailed(_l("Choose what to count."))
        entity = self.entity_def
        if not self.measures:
            raise ValidationFailed(_l("Choose at least one measure."))
        if len(self.measures) > 6:
            raise ValidationFailed(_l("A chart shows at most six measures."))
        self.parsed_measures()
        for name in (self.group_by, self.date_field):
            if name is not None and name.startswith("cf_") and name not in entity.dimensions \
                    and name not in entity.dates:
                raise ValidationFailed(_l("This chart uses a custom field that was retired or that you may "
                                          "not see."))
        if self.group_by is not None:
            if self.group_by in entity.dates:
                if self.bucket not in BUCKETS:
                    raise ValidationFailed(_l("Choose week, month or quarter for a date."))
            elif self.group_by not in entity.dimensions:
                raise ValidationFailed(_l("Unknown grouping: %(name)s", name=self.group_by))
        for cond in self.filters:
            if cond not in entity.conditions:
                raise ValidationFailed(_l("Unknown condition: %(name)s", name=cond))
        if self.date_field is not None and self.date_field not in entity.dates:
            raise ValidationFailed(_l("Unknown date field: %(name)s", name=self.date_field))
        if self.window not in WINDOWS:
            raise ValidationFailed(_l("Unknown time window."))
        if self.chart not in CHART_TYPES:
            raise ValidationFailed(_l("Unknown chart type."))
        if self.chart == "funnel" and self.group_by is not None:
            raise ValidationFailed(_l("A funnel shows measures without a grouping."))
        if self.limit is not None and not 1 <= self.limit <= 100:
            raise ValidationFailed(_l("Show between 1 and 100 groups."))
        return self

    # -- saved as JSON by the chart builder -------------------------------------------------------
    def to_dict(self) -> dict:
        return {"entity": self.entity, "group_by": self.group_by, "bucket": self.bucket,
                "measures": list(self.measures), "filters": list(self.filters),
                "date_field": self.date_field, "chart": self.chart, "limit": self.limit}

    @classmethod
    def from_dict(cls, key: str, title, data: dict, user=None) -> ChartSpec:
        """Checked for `user` (None: the system, which sees every live custom field)."""
        if not isinstance(data, dict):
            raise ValidationFailed(_l("The chart definition is not valid."))

        def text(name):
            value = data.get(name)
            return str(value) if value not in (None, "") else None

        measures = data.get("measures") or []
        if isinstance(measures, str):
            measures = [measures]
        filters = data.get("filters") or []
        if isinstance(filters, str):
            filters = [filters]
        limit = data.get("limit")
        try:
            limit = int(limit) if limit not in (None, "") else None
        except (TypeError, ValueError):
            raise ValidationFailed(_l("Show between 1 and 100 groups.")) from None
        group_by = text("group_by")
        date_field = text("date_field")
        entity = text("entity") or ""
        spec = cls(key=key, title=title, entity=entity, group_by=group_by,
                   bucket=text("bucket"), measures=tuple(str(m) for m in measures if m),
                   filters=tuple(str(f) for f in filters if f), date_field=date_field,
                   window="period" if date_field else "none", chart=text("chart") or "bar", limit=limit)
        return spec.for_user(user).validate() if entity in ENTITIES else spec.validate()

    def for_user(self, user) -> ChartSpec:
        """This chart with the entity as `user` sees it: their custom fields become groupings."""
        if self.custom or self.entity not in ENTITIES:
            return self
        from dataclasses import replace

        from .custom_groups import entity_for

        return replace(self, fields=entity_for(ENTITIES[self.entity], user))

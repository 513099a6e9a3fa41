"""Turning text cells into field values, column by column (pandas, not a Python loop per row).

Enum labels in either language become codes, dates in Chinese or ISO forms become dates, amounts
lose their ¥ and separators, names of sources, stages, accounts and owners become ids. Each cell
that cannot be understood yields an error (line, column, reason); a row with any error is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Account,
    AccountLevel,
    Channel,
    CrmUser,
    Currency,
    Industry,
    LeadSource,
    LeadStatus,
    LostReason,
    Rating,
    Stage,
)
from app.security.scope import owner_ids, scope_for, visibility_clause
from app.services import normalise
from app.services.custom_fields import importing as custom_import

from .fields import DESCRIPTION, IGNORE, KEEP, fields_of

ENUMS = {"Channel": Channel, "LeadStatus": LeadStatus, "Rating": Rating, "Industry": Industry,
         "AccountLevel": AccountLevel, "Currency": Currency}
# what people write for sources the seed data names differently
SOURCE_SYNONYMS = {"百度推广": "搜索推广", "百度": "搜索推广", "搜索引擎": "搜索推广", "sem": "search ads",
                   "客户转介绍": "客户介绍", "转介绍": "客户介绍", "老客户介绍": "客户介绍", "官方网站": "官网",
                   "网站": "官网", "地推": "陌生拜访", "上门拜访": "陌生拜访", "field visit": "cold call",
                   "referral": "customer referral", "exhibition": "trade show", "电销": "电话营销"}
TRUE_WORDS = {"是", "对", "y", "yes", "true", "1", "√", "✓", "主要"}
FALSE_WORDS = {"否", "不是", "n", "no", "false", "0", "×", ""}
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"
# as app.services.validation, plus a country code in brackets: （+86）138 0013 8000
PHONE_RE = r"^((?:\(?\+\d{1,4}\)?)?[\d\s\-().]+?)(?:\s*(?:ext\.?|x|转|分机)\s*\d{1,6})?$"
FOREIGN_PREFIX_RE = r"^\s*\(?(?:\+|00)(?!86)"
IN_BATCH = 2_000


def lookup_key(value: object) -> str:
    return re.sub(r"\s+", "", str(value or "")).lower()


@dataclass
class Context:
    """Everything conversion needs to know once per import: vocabularies, lookups, who imports."""

    entity: str
    actor: CrmUser | None
    may_assign: bool
    default_owner_id: int | None
    enum_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: dict[str, tuple[int, str]] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    lost_stage_ids: set[int] = field(default_factory=set)
    default_stage_id: int | None = None
    lost_reasons: dict[str, int] = field(default_factory=dict)
    owner_reach: list[int] | None = None
    _owner_cache: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)

    @classmethod
    def build(cls, entity: str, actor, may_assign: bool, default_owner_id: int | None) -> Context:
        ctx = cls(entity, actor, may_assign, default_owner_id)
        for name, enum in ENUMS.items():
            mapping: dict[str, str] = {}
            for lang in ("en", "zh"):
                with force_locale(lang):
                    for member in enum:
                        label = unicodedata.normalize("NFKC", str(member.label))
                        mapping.setdefault(lookup_key(label), member.value)
                        mapping.setdefault(lookup_key(label.split("(")[0]), member.value)  # 人民币（¥）
            for member in enum:
                mapping[lookup_key(member.value)] = member.value
            ctx.enum_maps[name] = mapping
        for source in db.session.scalars(select(LeadSource).where(LeadSource.active)):
            for text in (source.name_zh, source.name_en):
                ctx.sources.setdefault(lookup_key(text), (source.id, source.channel))
        for word, target in SOURCE_SYNONYMS.items():
            if lookup_key(target) in ctx.sources:
                ctx.sources.setdefault(lookup_key(word), ctx.sources[lookup_key(target)])
        stages = list(db.session.scalars(select(Stage).where(Stage.active).order_by(Stage.sort_order, Stage.id)))
        for stage in stages:
            for text in (stage.name_zh, stage.name_en):
                ctx.stages.setdefault(lookup_key(text), stage.id)
        ctx.lost_stage_ids = {s.id for s in stages if s.is_lost}
        ctx.default_stage_id = next((s.id for s in stages if not s.is_closed), None)
        for reason in db.session.scalars(select(LostReason).where(LostReason.active)):
            for text in (reason.name_zh, reason.name_en):
                ctx.lost_reasons.setdefault(lookup_key(text), reason.id)
        if actor is not None and may_assign:
            ctx.owner_reach = owner_ids(actor, scope_for(actor, entity))
        return ctx

    def owner(self, text: str) -> tuple[int | None, str | None]:
        """(user id, None) or (None, reason) for an owner cell."""
        if text not in self._owner_cache:
            self._owner_cache[text] = self._resolve_owner(text)
        return self._owner_cache[text]

    def _resolve_owner(self, text: str) -> tuple[int | None, str | None]:
        wanted = lookup_key(text)
        users = db.session.scalars(select(CrmUser).where(CrmUser.active.is_(True))).all()
        match = next((u for u in users if lookup_key(u.username) == wanted), None) or next(
            (u for u in users if lookup_key(u.display_name) == wanted
             or lookup_key(f"{u.first_name}{u.last_name}") == wanted), None)
        if match is None:
            return None, "owner"
        if self.actor is None or match.id == self.actor.id:
            return match.id, None
        if not self.may_assign or (self.owner_reach is not None and match.id not in self.owner_reach):
            return None, "owner_scope"
        return match.id, None


@dataclass
class Converted:
    values: pd.DataFrame  # model column -> value (None for empty), indexed like the chunk
    errors: list[tuple[int, str, str, str | None]]  # (line, header, reason, detail)
    failed: pd.Series  # bool per row
    mapped_columns: set[str] = field(default_factory=set)  # columns the file gave values for


def convert(chunk: pd.DataFrame, headers: list[str], mapping: dict[str, str], ctx: Context) -> Converted:
    specs = fields_of(ctx.entity)
    lines = chunk["_line"]
    out = pd.DataFrame(index=chunk.index)
    errors: list[tuple[int, str, str, str | None]] = []
    failed = pd.Series(False, index=chunk.index)
    extra_notes: list[pd.Series] = []
    column_of: dict[str, str] = {}

    def fail(mask: pd.Series, header: str, reason: str, detail=None) -> None:
        nonlocal failed
        if mask.any():
            details = detail if isinstance(detail, pd.Series) else None
            for idx in mask[mask].index:
                errors.append((int(lines[idx]), header, reason,
                               str(details[idx]) if details is not None else detail))
            failed = failed | mask

    for position, header in enumerate(headers):
        target = mapping.get(header, IGNORE)
        if target == IGNORE or target is None:
            continue
        text = _clean(chunk[position])
        if target == KEEP:
            extra_notes.append(text.where(text == "", header + ": " + text))
            continue
        spec = specs.get(target)
        if spec is None or target in column_of:
            continue
        column_of[target] = header
        _convert_field(spec, text, header, out, fail, ctx, extra_notes)

    for name, spec in specs.items():
        if spec.required:
            present = out.get(_column_name(spec))
            header = column_of.get(name, str(spec.label))
            mask = pd.Series(True, index=chunk.index) if present is None else present.isna()
            fail(mask & ~failed, header, "required", None)
    if ctx.entity == "lead":
        name_or_company = _filled(out, "person_name") | _filled(out, "company_name")
        reach = _filled(out, "mobile") | _filled(out, "phone") | _filled(out, "email") | _filled(out, "wechat")
        fail(~(name_or_company & reach) & ~failed, "", "empty", None)
    if ctx.entity == "opportunity":
        _opportunity_rules(out, ctx, column_of, fail, failed)
    mapped = {_column_name(specs[name]) for name in column_of}
    if any(specs[name].kind == "custom" for name in column_of):
        mapped.add("custom")  # custom fields 自定义字段: an update merges the file's values (pipeline)
    if extra_notes and ctx.entity in KEEPS_DESCRIPTION:
        _merge_description(out, extra_notes)
        mapped.add(DESCRIPTION)
    custom_import.collect(out)
    _fill_owner(out, ctx)
    _defaults(out, ctx.entity)
    return Converted(out, errors, failed, mapped)


KEEPS_DESCRIPTION = ("lead", "account")


def _defaults(out: pd.DataFrame, entity: str) -> None:
    """What the model would choose for cells left empty."""
    if entity == "lead":
        channel = out["channel"] if "channel" in out else pd.Series(None, index=out.index, dtype=object)
        if "_source_channel" in out:
            channel = channel.where(channel.notna(), out["_source_channel"])
        out["channel"] = channel.where(channel.notna(), Channel.ONLINE.value).astype(object)
        status = out["status"] if "status" in out else pd.Series(None, index=out.index, dtype=object)
        out["status"] = status.where(status.notna(), LeadStatus.NEW.value).astype(object)
    if entity == "opportunity":
        currency = out["currency"] if "currency" in out else pd.Series(None, index=out.index, dtype=object)
        out["currency"] = currency.where(currency.notna(), Currency.CNY.value).astype(object)
    if entity == "contact" and "is_primary" not in out:
        out["is_primary"] = False
    for name in [c for c in out.columns if c.startswith("_")]:
        del out[name]


_ESCAPED_FORMULA = re.compile(r"^'[=+\-@\t\r]")


def _clean(series: pd.Series) -> pd.Series:
    """Stripped text; an apostrophe our own export put before a formula-looking cell comes off."""
    values = [v.strip() if isinstance(v, str) else "" for v in series.tolist()]
    values = [v[1:] if v[:1] == "'" and _ESCAPED_FORMULA.match(v) else v for v in values]
    return pd.Series(values, index=series.index, dtype=object)


def _filled(out: pd.DataFrame, name: str) -> pd.Series:
    if name not in out:
        return pd.Series(False, index=out.index)
    return out[name].notna()


KIND_COLUMN = {"source": "source_id", "stage": "stage_id", "lost_reason": "lost_reason_id",
               "account": "account_id", "owner": "owner_id"}


def _column_name(spec) -> str:
    return KIND_COLUMN.get(spec.kind, spec.name)


def _none_if_blank(series: pd.Series) -> pd.Series:
    return series.where(series != "", None).astype(object)


def _convert_field(spec, text: pd.Series, header: str, out: pd.DataFrame, fail, ctx: Context, notes) -> None:
    blank = text == ""
    kind = spec.kind
    if kind in ("text", "mobile", "phone", "email") and spec.max_length:
        fail(text.str.len() > spec.max_length, header, "too_long", str(spec.max_length))
    if kind == "text":
        out[spec.name] = _none_if_blank(text)
    elif kind == "email":
        value = pd.Series([unicodedata.normalize("NFKC", v).strip().lower() if v else "" for v in text.tolist()],
                          index=text.index, dtype=object)
        fail(pd.Series([bool(v) and not _EMAIL.match(v) for v in value.tolist()], index=text.index),
             header, "email")
        out[spec.name] = _none_if_blank(value)
    elif kind in ("mobile", "phone"):
        checked = [_phone(v, kind == "mobile") for v in text.tolist()]
        fail(pd.Series([not ok for _v, ok in checked], index=text.index), header, "phone")
        out[spec.name] = pd.Series([v or None for v, _ok in checked], index=text.index, dtype=object)
    elif kind.startswith("enum:"):
        mapping = ctx.enum_maps[kind[5:]]
        codes = text.map(lambda v: mapping.get(lookup_key(v)) if v else None)
        allowed = " / ".join(sorted({str(m.label) for m in ENUMS[kind[5:]]}))
        fail(~blank & codes.isna(), header, "choice", allowed)
        out[spec.name] = codes.astype(object)
    elif kind == "source":
        found = text.map(lambda v: ctx.sources.get(lookup_key(v)) if v else None)
        out["source_id"] = found.map(lambda f: f[0] if f else None).astype(object)
        out["_source_channel"] = found.map(lambda f: f[1] if f else None).astype(object)
        unknown = ~blank & found.isna()  # kept, not refused: sources differ between companies
        notes.append((header + ": " + text).where(unknown, ""))
    elif kind == "stage":
        ids = text.map(lambda v: ctx.stages.get(lookup_key(v)) if v else None)
        fail(~blank & ids.isna(), header, "stage", text)
        out["stage_id"] = ids.astype(object)
    elif kind == "lost_reason":
        ids = text.map(lambda v: ctx.lost_reasons.get(lookup_key(v)) if v else None)
        fail(~blank & ids.isna(), header, "lost_reason", text)
        out["lost_reason_id"] = ids.astype(object)
    elif kind == "account":
        ids = account_ids(text, ctx)
        fail(~blank & ids.isna(), header, "account")
        out["account_id"] = ids.astype(object)
    elif kind == "owner":
        resolved = text.map(lambda v: ctx.owner(v) if v else (None, None))
        reasons = resolved.map(lambda r: r[1])
        for reason in ("owner", "owner_scope"):
            fail(reasons == reason, header, reason, text)
        out["owner_id"] = resolved.map(lambda r: r[0]).astype(object)
    elif kind == "date":
        dates = parse_dates(text)
        fail(~blank & dates.isna(), header, "date")
        out[spec.name] = dates.astype(object).where(dates.notna(), None)
    elif kind == "amount":
        amounts, negative = parse_amounts(text)
        fail(~blank & amounts.isna(), header, "amount")
        fail(negative, header, "negative")
        out[spec.name] = amounts.astype(object).where(amounts.notna(), None)
    elif kind == "custom":  # custom fields 自定义字段
        custom_import.convert(spec, text, header, out, fail)
    elif kind == "bool":
        lowered = text.str.lower()
        fail(~lowered.isin(TRUE_WORDS | FALSE_WORDS), header, "bool")
        out[spec.name] = lowered.isin(TRUE_WORDS)


def mobile_keys(values: pd.Series) -> pd.Series:
    """app.services.normalise.mobile over a column."""
    return pd.Series([normalise.mobile(v) if isinstance(v, str) else None for v in values.tolist()],
                     index=values.index, dtype=object)


def email_keys(values: pd.Series) -> pd.Series:
    """app.services.normalise.email over a column."""
    return pd.Series([normalise.email(v) if isinstance(v, str) else None for v in values.tolist()],
                     index=values.index, dtype=object)


_EMAIL = re.compile(EMAIL_RE)
_PHONE = re.compile(PHONE_RE, re.I)
_FOREIGN = re.compile(FOREIGN_PREFIX_RE)
_EXTENSION = re.compile(r"(?:ext\.?|x|转|分机)\s*\d{1,6}\s*$", re.I)
_NON_DIGITS = re.compile(r"\D+")


def _phone(text: str, mobile: bool) -> tuple[str, bool]:
    """(the number as stored, valid?): 7–20 digits; a domestic mobile (1…) has exactly 11."""
    if not text:
        return "", True
    value = unicodedata.normalize("NFKC", text).strip()
    digits = _NON_DIGITS.sub("", _EXTENSION.sub("", value))
    ok = bool(_PHONE.match(value)) and 7 <= len(digits) <= 20
    if ok and mobile:
        key = normalise.mobile(value) or ""
        if key.startswith("1") and not _FOREIGN.match(value):
            ok = len(key) == 11
    return value, ok


def company_keys(values: pd.Series) -> pd.Series:
    """app.services.normalise.company, once per distinct name."""
    keys = {v: normalise.company(v) for v in values.dropna().unique()}
    return values.map(keys).astype(object).where(values.notna(), None)


_DATE_PATTERNS = (
    (r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$", (1, 2, 3)),
    (r"^(\d{4})(\d{2})(\d{2})$", (1, 2, 3)),
    (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", (3, 2, 1)),  # 01/03/2024: day first, as in China and Europe
)


def parse_dates(text: pd.Series) -> pd.Series:
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    value = text.str.normalize("NFKC")
    for pattern, (y, m, d) in _DATE_PATTERNS:
        parts = value.str.extract(pattern)
        hit = parts[0].notna() & result.isna()
        if hit.any():
            frame = pd.DataFrame({"year": parts.loc[hit, y - 1].astype(int), "month": parts.loc[hit, m - 1].astype(int),
                                  "day": parts.loc[hit, d - 1].astype(int)})
            result.loc[hit] = pd.to_datetime(frame, errors="coerce")
    return result.dt.date.where(result.notna(), None)


def parse_amounts(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    value = text.str.normalize("NFKC").str.replace(r"[¥￥$€,，\s]|RMB|CNY|元|人民币", "", regex=True, flags=re.I)
    wan = value.str.endswith("万")
    number = pd.to_numeric(value.str.rstrip("万"), errors="coerce")
    number = number.where(~wan, number * 10_000)
    number = number.where(number.abs() < 1e12)
    negative = number < 0
    number = number.where(~negative)
    rounded = number.map(lambda n: None if pd.isna(n) else round(float(n), 2))
    return rounded.astype(object).where(number.notna(), np.nan), negative


def account_ids(names: pd.Series, ctx: Context) -> pd.Series:
    """Account ids by name (normalised as for duplicates), among the accounts the importer sees."""
    keys = company_keys(_none_if_blank(names))
    wanted = [k for k in keys.dropna().unique()]
    found: dict[str, int] = {}
    clause = visibility_clause(Account, ctx.actor) if ctx.actor is not None else None
    for start in range(0, len(wanted), IN_BATCH):
        query = select(Account.name_key, Account.id).where(Account.name_key.in_(wanted[start:start + IN_BATCH]))
        if clause is not None:
            query = query.where(clause)
        for key, pk in db.session.execute(query.order_by(Account.id)):
            found.setdefault(key, pk)
    return keys.map(found).astype(object).where(keys.notna(), None)


def _opportunity_rules(out: pd.DataFrame, ctx: Context, column_of: dict, fail, failed) -> None:
    if "stage_id" not in out:
        out["stage_id"] = ctx.default_stage_id
    out["stage_id"] = out["stage_id"].where(out["stage_id"].notna(), ctx.default_stage_id)
    lost = out["stage_id"].isin(ctx.lost_stage_ids)
    reason = out["lost_reason_id"] if "lost_reason_id" in out else pd.Series(None, index=out.index)
    fail(lost & reason.isna() & ~failed, column_of.get("lost_reason", ""), "lost_needs_reason")
    if "amount" not in out:
        out["amount"] = 0
    out["amount"] = out["amount"].where(out["amount"].notna(), 0)


def _merge_description(out: pd.DataFrame, notes: list[pd.Series]) -> None:
    parts = [out[DESCRIPTION].fillna("")] if DESCRIPTION in out else []
    parts += [n.fillna("") for n in notes]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.where(part == "", joined.where(joined == "", joined + "\n") + part)
    out[DESCRIPTION] = joined.where(joined != "", None).astype(object)


def _fill_owner(out: pd.DataFrame, ctx: Context) -> None:
    if "owner_id" not in out:
        out["owner_id"] = ctx.default_owner_id
    out["owner_id"] = out["owner_id"].where(out["owner_id"].notna(), ctx.default_owner_id).astype(object)

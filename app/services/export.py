"""Export 导出: every record list as CSV or XLSX — all rows matching the filter, within the data scope.

Rows are streamed from the database in chunks and written chunk by chunk (CSV text as it is made;
XLSX as sheet XML straight into the zip, app/services/xlsx_stream.py), so memory stays flat
whatever the row count; each chunk is handled column by column. Text that a spreadsheet would run
as a formula (starting with = + - @ tab or CR) gets a leading apostrophe in CSV and is an inline
string cell in XLSX (never a formula); numbers stay numbers.
Every export is logged (who, what, which filter, how many rows).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Numeric, String, cast, func, select

from app.extensions import db
from app.models import (
    Account,
    AccountLevel,
    Activity,
    ActivityType,
    Channel,
    Contact,
    CrmUser,
    Currency,
    ExportLog,
    Industry,
    Lead,
    LeadSource,
    LeadStatus,
    LostReason,
    Note,
    Opportunity,
    Rating,
    Stage,
)
from app.security.scope import visibility_clause
from app.services import saved_views
from app.services.custom_fields import export as custom_export
from app.services.errors import NotFound, ValidationFailed
from app.services.xlsx_stream import SheetWriter
from app.views.labels import COLUMN_LABELS

FORMATS = ("csv", "xlsx")
CHUNK = 2_000  # rows per step: small enough to stay in the CPU's cache (measured: 20,000 was slower)
XLSX_MAX_ROWS = 1_048_575
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)
_DANGER = re.compile("\x00[=+\\-@\t\r]")  # a cell of a NUL-joined column that starts like a formula
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
EXTRA_LABELS = {"external_id": _l("External ID")}

# entity -> (model, [(column name, kind)]); kinds: text, enum:<Enum>, user, source, stage, lost_reason,
# account, datetime, date, number, bool
COLUMNS: dict[str, tuple[type, list[tuple[str, str]]]] = {
    "lead": (Lead, [("id", "number"), ("person_name", "text"), ("company_name", "text"), ("title", "text"),
                    ("mobile", "text"), ("phone", "text"), ("email", "text"), ("wechat", "text"),
                    ("channel", "enum:Channel"), ("source", "source"), ("status", "enum:LeadStatus"),
                    ("rating", "enum:Rating"), ("industry", "enum:Industry"), ("province", "text"),
                    ("city", "text"), ("address", "text"), ("description", "text"), ("owner", "user"),
                    ("external_id", "text"), ("created_at", "datetime"), ("updated_at", "datetime")]),
    "account": (Account, [("id", "number"), ("name", "text"), ("industry", "enum:Industry"),
                          ("level", "enum:AccountLevel"), ("source", "source"), ("phone", "text"),
                          ("website", "text"), ("province", "text"), ("city", "text"), ("address", "text"),
                          ("description", "text"), ("owner", "user"), ("last_followup_at", "datetime"),
                          ("next_followup_at", "datetime"), ("external_id", "text"), ("created_at", "datetime")]),
    "contact": (Contact, [("id", "number"), ("name", "text"), ("account", "account"), ("title", "text"),
                          ("mobile", "text"), ("phone", "text"), ("email", "text"), ("wechat", "text"),
                          ("is_primary", "bool"), ("birthday", "date"), ("owner", "user"),
                          ("external_id", "text"), ("created_at", "datetime")]),
    "opportunity": (Opportunity, [("id", "number"), ("name", "text"), ("account", "account"),
                                  ("amount", "number"), ("currency", "enum:Currency"), ("stage", "stage"),
                                  ("expected_close_date", "date"), ("closed_at", "datetime"),
                                  ("lost_reason", "lost_reason"), ("owner", "user"), ("external_id", "text"),
                                  ("created_at", "datetime")]),
    "activity": (Activity, [("id", "number"), ("type", "enum:ActivityType"), ("subject", "text"),
                            ("due_at", "datetime"), ("done_at", "datetime"), ("outcome", "text"),
                            ("owner", "user"), ("created_at", "datetime")]),
    "note": (Note, [("id", "number"), ("text", "text"), ("created_by", "user"), ("created_at", "datetime")]),
}
ENUMS = {"Channel": Channel, "LeadStatus": LeadStatus, "Rating": Rating, "Industry": Industry,
         "AccountLevel": AccountLevel, "Currency": Currency, "ActivityType": ActivityType}
FK = {"user": "_id", "source": "_id", "stage": "_id", "lost_reason": "_id", "account": "_id"}


@dataclass
class ExportRequest:
    entity: str
    user: object  # the exporter; None only for the CLI's system actor (everything)
    format: str = "csv"
    clauses: tuple = ()  # extra WHERE clauses: the list's filter and search
    order_by: tuple = ()
    filters: dict | None = None  # what to log
    door: str = "ui"
    language: str = "zh"
    chosen: tuple[str, ...] = ()  # the list's chosen columns (`cols`, a saved view's too); () = all

    def columns(self) -> list[tuple[str, str]]:
        """The built-in columns exported: with chosen columns, those in the list's order after the id
        (what a re-import updates by); otherwise every one."""
        everything = COLUMNS[self.entity][1]
        if not self.chosen:
            return everything
        kinds = dict(everything)
        picked = [(name, kinds[name]) for name in dict.fromkeys(self.chosen) if name in kinds and name != "id"]
        return [("id", "number"), *picked]


def neutralise(value) -> str:
    """Text a spreadsheet must show as text: formula-looking strings get a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _neutralise_column(values) -> list | tuple:
    """`neutralise` over a column of text cells, blanks kept as None. One C-speed probe over the whole
    column first (most columns hold no formula-looking cell); only a column that does is walked cell by cell."""
    try:  # blanks dropped: only where cells start matters
        probe = "\x00".join(filter(None, values))
    except TypeError:  # a cell that is not text yet
        probe = "\x00".join(map(str, filter(None, values)))
    if not _DANGER.search("\x00" + probe):
        return values
    out = list(values)
    for i, value in enumerate(out):
        if value is not None and value != "":
            text = value if value.__class__ is str else str(value)
            if text[0] in _FORMULA_FIRST and not _NUMBER.match(text):
                out[i] = "'" + text
    return out


class _LocalClock:
    """UTC timestamps as the database gives them (text 'YYYY-MM-DD HH:MM:SS…') turned into local
    'YYYY-MM-DD HH:MM'. Zones move by whole hours at whole hours (checked per hour, else each value is
    converted exactly), so each distinct UTC hour is converted once and the minutes are copied."""

    def __init__(self, zone_name: str):
        self.zone = ZoneInfo(zone_name)
        self.hours: dict[str, str] = {}

    def column(self, values) -> list:
        hours, keys = self.hours, {v[:13] for v in values if v}
        for key in keys - hours.keys():
            hours[key] = self._hour(key)
        if all(hours[k] for k in keys) and min(map(len, filter(None, values)), default=16) > 15:  # the usual case
            return [hours[v[:13]] + v[13:16] if v else None for v in values]
        return [h + v[13:16] if v and (h := hours[v[:13]]) and len(v) > 15 else self._exact(v) for v in values]

    def _hour(self, key: str) -> str:
        try:
            start = dt.datetime.fromisoformat(key + ":00").replace(tzinfo=dt.UTC)
        except ValueError:
            return ""
        first, last = start.astimezone(self.zone), (start + dt.timedelta(seconds=3599)).astimezone(self.zone)
        if first.utcoffset() != last.utcoffset() or first.utcoffset() % dt.timedelta(hours=1):
            return ""
        return first.strftime("%Y-%m-%d %H")

    def _exact(self, value) -> str | None:
        if not value:
            return None
        try:
            stamp = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def check(entity: str, fmt: str) -> None:
    if entity not in COLUMNS:
        raise ValidationFailed(_l("Records of this type cannot be exported."))
    if fmt not in FORMATS:
        raise ValidationFailed(_l("Choose CSV or XLSX."))


def headers(req: ExportRequest) -> list[str]:
    with force_locale(req.language):
        return [str(COLUMN_LABELS.get(name) or EXTRA_LABELS[name]) for name, _kind in req.columns()]


def statement(req: ExportRequest):
    """SELECT of the raw columns, scoped, filtered and sorted as the list was."""
    model, columns = COLUMNS[req.entity][0], req.columns()
    table = model.__table__
    selected = []
    for name, kind in columns:
        column_name = f"{name}_id" if kind in FK else name
        column = table.c[column_name]
        if kind in ("datetime", "date"):
            column = cast(column, String)  # the same text on SQLite and PostgreSQL, formatted in bulk below
        selected.append(column.label(name))
    selected += custom_export.select_columns(req, table)  # custom fields 自定义字段
    query = select(*selected).where(table.c.deleted_at.is_(None), *req.clauses)
    if req.user is not None:
        query = query.where(visibility_clause(model, req.user))
    return query.order_by(*(req.order_by or (table.c.id.desc(),)))


def count(req: ExportRequest) -> int:
    return db.session.scalar(select(func.count()).select_from(statement(req).order_by(None).subquery()))


class _Lookups:
    """Small tables read once; accounts are looked up per chunk."""

    def __init__(self, entity: str, language: str):
        kinds = {kind for _n, kind in COLUMNS[entity][1]}
        zh = language == "zh"
        self.maps: dict[str, dict] = {}
        with force_locale(language):
            for kind in kinds:
                if kind.startswith("enum:"):
                    self.maps[kind] = {m.value: str(m.label) for m in ENUMS[kind[5:]]}
            if "bool" in kinds:  # SQLite gives 1 / 0, which find True / False here
                self.maps["bool"] = {True: str(_l("Yes")), False: str(_l("No"))}
        if "user" in kinds:
            self.maps["user"] = {u.id: u.display_name for u in db.session.scalars(select(CrmUser))}
        for kind, model in (("source", LeadSource), ("stage", Stage), ("lost_reason", LostReason)):
            if kind in kinds:
                self.maps[kind] = {r.id: (r.name_zh if zh else r.name_en) for r in db.session.scalars(select(model))}

    def accounts(self, ids) -> dict:
        wanted = list({int(i) for i in ids if i is not None})
        if not wanted:
            return {}
        return dict(db.session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted))).all())


def _row_chunks(req: ExportRequest) -> Iterator[list]:
    """The statement's rows, CHUNK at a time, as plain tuples. On SQLite straight from the driver's
    cursor (no result processing is needed: dates come as text, see `_decimals` for money); elsewhere
    through a server-side cursor. Options are set on this statement only: set on the connection
    (SQLAlchemy 2 changes it in place) they would make PostgreSQL run the export log's INSERT through
    a server-side cursor too."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        result = connection.execute(statement(req))
        try:
            while rows := result.cursor.fetchmany(CHUNK):
                yield rows
        finally:
            result.close()
        return
    result = connection.execute(statement(req), execution_options={"stream_results": True, "yield_per": CHUNK})
    yield from result.partitions(CHUNK)


def _decimals(model, columns, sqlite: bool) -> dict[int, str]:
    """Column index -> format of the fixed-point number columns the SQLite driver hands over as floats."""
    if not sqlite:
        return {}
    out = {}
    for i, (name, kind) in enumerate(columns):
        column_type = model.__table__.c[name].type if kind == "number" else None
        if isinstance(column_type, Numeric) and not isinstance(column_type, Integer) and column_type.asdecimal:
            out[i] = f"{{:.{column_type.scale or 0}f}}"
    return out


def _chunks(req: ExportRequest) -> Iterator[list]:
    """Each chunk of the export as columns (lists or tuples of plain values, one per header): labels
    instead of codes, names instead of ids, local times; each step is one pass over one column."""
    model, columns = COLUMNS[req.entity][0], req.columns()
    lookups = _Lookups(req.entity, req.language)
    clock = _LocalClock(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    decimals = _decimals(model, columns, db.session.connection().dialect.name == "sqlite")
    custom = bool(custom_export.select_columns(req, model.__table__))
    for rows in _row_chunks(req):
        values: list = list(zip(*rows, strict=True))
        for i, (_name, kind) in enumerate(columns):
            column = values[i]
            if kind in lookups.maps:
                values[i] = list(map(lookups.maps[kind].get, column))
            elif kind == "account":
                values[i] = list(map(lookups.accounts(column).get, column))
            elif kind == "datetime":
                values[i] = clock.column(column)
            elif kind == "date":
                values[i] = [v[:10] if v else None for v in column]
            elif i in decimals:
                text = decimals[i].format
                values[i] = [None if v is None else Decimal(text(v)) for v in column]
        if custom:
            values[len(columns):] = _custom_columns(values.pop(), req)
        yield values


def _custom_columns(raw, req: ExportRequest) -> list:
    """The custom fields' readable columns from the raw JSON column (app/services/custom_fields/export.py)."""
    import pandas as pd

    frame = custom_export.expand(pd.DataFrame({custom_export.RAW: raw}, dtype=object), req)
    return [[None if v is None or v != v else v for v in frame[name].tolist()] for name in custom_export.names(req)]


def _names_and_texts(req: ExportRequest) -> tuple[list[str], set[str]]:
    """Every exported column's name, and those holding text (a formula-looking cell is neutralised)."""
    custom = custom_export.names(req)
    columns = req.columns()
    return [n for n, _k in columns] + custom, {n for n, k in columns if k not in ("number", "datetime", "date")} | set(custom)


def stream_csv(req: ExportRequest) -> Iterator[str]:
    """CSV text in chunks (UTF-8 BOM first, so Excel reads Chinese correctly); logs at the end."""
    check(req.entity, "csv")
    names, texts = _names_and_texts(req)
    text_at = [i for i, name in enumerate(names) if name in texts]
    head = io.StringIO()
    csv.writer(head).writerow(headers(req) + custom_export.headers(req))
    yield "\ufeff" + head.getvalue()
    total = 0
    for values in _chunks(req):
        for i in text_at:
            values[i] = _neutralise_column(values[i])
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(zip(*values, strict=True))
        total += len(values[0])
        yield out.getvalue()
    log(req, total)


def write_xlsx(req: ExportRequest, target=None) -> tuple[str, int]:
    """Write an XLSX file (a temporary file unless `target` is given); returns (path, rows)."""
    check(req.entity, "xlsx")
    if target is None:
        handle, target = tempfile.mkstemp(prefix="crm-export-", suffix=".xlsx")
        os.close(handle)
    path = target
    names, texts = _names_and_texts(req)
    total = 0
    with SheetWriter(path, _sheet_title(req)) as sheet:
        sheet.append_row(headers(req) + custom_export.headers(req))
        for values in _chunks(req):
            room = XLSX_MAX_ROWS - total  # a sheet holds 1,048,576 rows
            part = [list(column[:room]) for column in values]
            sheet.append_columns(part, [n in texts for n in names])
            total += len(part[0])
            if total >= XLSX_MAX_ROWS:
                break
    log(req, total)
    return path, total


def _sheet_title(req: ExportRequest) -> str:
    return {"lead": "Leads", "account": "Accounts", "contact": "Contacts", "opportunity": "Opportunities",
            "activity": "Activities", "note": "Notes"}[req.entity]


def log(req: ExportRequest, rows: int) -> None:
    db.session.add(ExportLog(entity=req.entity, format=req.format, filters=req.filters or {}, row_count=rows,
                             door=req.door, user_id=getattr(req.user, "id", None)))
    db.session.commit()


def iter_rows_for_test(req: ExportRequest) -> Iterable[list]:
    """All exported rows as lists (small exports in tests)."""
    for values in _chunks(req):
        yield from (list(row) for row in zip(*values, strict=True))


# -- what a list or a saved view 场景 means, for the doors (list button, API, command line) ---------------

def list_view(entity: str):
    """The list screen of an entity: its panel, advanced search and sort define what "the list" is."""
    name = saved_views.LIST_OF_ENTITY.get(entity)
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == name:
            return view
    return None


def request_for_list(entity: str, user, args, *, view_id=None, fmt: str = "csv", door: str = "ui",
                     language: str = "zh", logged: dict | None = None, extra_clauses: tuple = (),
                     order_by: tuple = ()) -> ExportRequest:
    """An export of what the list shows for these request arguments — or, with `view_id`, of that
    saved view's filters, search and sort (a view the user may open, of this entity's list; NotFound
    otherwise). The rows are always the exporter's own scope (`statement`). `extra_clauses` / `order_by`
    narrow and re-sort it (the API's `q`); `logged` is what the export log keeps besides the view."""
    check(entity, fmt)
    screen = list_view(entity)
    if screen is None:
        raise NotFound(_l("Records of this type cannot be exported."))
    filters = dict(logged if logged is not None else args)
    if view_id is not None:
        view = saved_views.view_for(user, view_id, type(screen).__name__)
        args = view.args
        filters.update({"view": view.id, "view_name": view.name, "view_args": dict(view.args)})
    clauses, order = saved_views.list_query(screen, user, args)
    chosen = tuple(c for c in (args.get("cols") or "").split(",") if c)
    return ExportRequest(entity=entity, user=user, format=fmt, clauses=tuple(clauses) + tuple(extra_clauses),
                         order_by=tuple(order_by) or order, filters=filters, door=door, language=language,
                         chosen=chosen)

"""One import, chunk by chunk: convert → find duplicates (in the file and in the database) → write.

Reading, conversion and duplicate checks work on chunks of CHUNK_ROWS rows without writing. The
writes then go in slices of `Job.commit_rows` rows; after each slice `Job.commit` is called (the
batch runner commits there, so SQLite's write lock is held for one slice, not for the whole import,
and other people can save meanwhile). Without `Job.commit` everything stays in the caller's one
transaction. If an import stops half-way, `partial.discard` takes back what its committed slices
wrote, so a failed import leaves nothing. Inserts are Core bulk statements with the match keys
filled, history is recorded set-wise (`record_bulk`, its JSON built column-wise), and every created
or updated record is remembered for undo.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import Date, DateTime, Numeric, bindparam, func, insert, select, update

from app.extensions import db
from app.models import HistoryAction, ImportFailure, ImportRecord
from app.models.actor import current_user_id
from app.models.mixins import utcnow
from app.security.scope import visibility_clause
from app.services.custom_fields import duplicates as custom_duplicates
from app.services.custom_fields import importing as custom_import
from app.services.derived import triggers_aside
from app.services.fast_insert import Prepared, insert_columns
from app.services.history import NOT_RECORDED, record_bulk

from .convert import Context, company_keys, convert, email_keys, mobile_keys
from .fields import MODELS
from .messages import reason_text
from .reading import Table

POLICIES = ("skip", "update", "create")
DEDUP_KEYS = {
    "lead": ("mobile_key", "email_key", "external_id"),
    "account": ("name_key", "phone_key", "external_id"),
    "contact": ("mobile_key", "email_key", "external_id"),
    "opportunity": ("external_id",),
}
KEY_FUNCTIONS = {"mobile": mobile_keys, "email": email_keys, "company": company_keys}
IN_BATCH = 2_000
CHUNK_ROWS = 50_000
COMMIT_ROWS = 5_000
MAX_REPORTED_ERRORS = 10_000


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[dict] = field(default_factory=list)  # {row, column, message}

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "skipped": self.skipped,
                "duplicates": self.duplicates, "failed": self.failed, "errors": self.errors,
                "errors_truncated": self.failed > 0 and len(self.errors) < self._error_count}

    _error_count: int = 0


@dataclass
class Job:
    table: Table
    mapping: dict[str, str]
    ctx: Context
    on_duplicate: str = "skip"
    dry_run: bool = False
    batch_id: int | None = None
    note: str | None = None
    progress: Callable[[int], None] | None = None
    chunk_rows: int | None = None  # default CHUNK_ROWS
    seen: dict[str, set] = field(default_factory=dict)
    conn: object | None = None  # the connection to write through; db.session's when None
    commit: Callable[[int], None] | None = None  # after each written slice, with the rows processed so far
    commit_rows: int | None = None  # default COMMIT_ROWS
    processed: int = 0

    @property
    def connection(self):
        return self.conn if self.conn is not None else db.session.connection()


def dedup_keys(entity: str) -> tuple[str, ...]:
    """The keys a row is matched on: the built-in ones and the custom fields marked for the duplicate check."""
    return DEDUP_KEYS[entity] + custom_duplicates.import_keys(entity)


def run(job: Job) -> Report:
    """Import every chunk, writing through `job.connection`; commits only through `job.commit`."""
    report = Report()
    model = MODELS[job.ctx.entity]
    keys = dedup_keys(job.ctx.entity)
    job.seen = {k: set() for k in keys}
    job.processed = 0
    # millions of short-lived dicts and lists: the cyclic collector would walk the whole heap
    # again and again (no cycles are made here; it runs once at the end)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for chunk in job.table.chunks(job.chunk_rows or CHUNK_ROWS):
            _one_chunk(job, model, keys, chunk, report)
            job.processed += len(chunk)
            if job.progress is not None:
                job.progress(job.processed)
    finally:
        if collecting:
            gc.enable()
    return report


def _one_chunk(job: Job, model, keys, chunk: pd.DataFrame, report: Report) -> None:
    converted = convert(chunk, job.table.headers, job.mapping, job.ctx)
    report.rows += len(chunk)
    report.failed += int(converted.failed.sum())
    for line, header, reason, detail in converted.errors:
        report._error_count += 1
        if len(report.errors) < MAX_REPORTED_ERRORS:
            report.errors.append({"row": line, "column": header or None,
                                  "message": reason_text(reason, detail, header), "reason": reason})
    values = converted.values[~converted.failed].copy()
    fill_match_keys(model, values)
    duplicate, existing, ext_taken = find_duplicates(model, keys, values, job.seen, job.connection)
    report.duplicates += int((duplicate | existing.notna()).sum())

    nothing = pd.Series(False, index=values.index)
    clash = nothing
    if job.on_duplicate == "create":
        clash = ext_taken  # "create anyway" still cannot give two records one external id
        create_mask, update_mask = ~clash, nothing
        _refuse(job, chunk, converted, report, clash)
    else:
        create_mask = ~duplicate & existing.isna()
        update_mask = (~duplicate & existing.notna()) if job.on_duplicate == "update" else nothing
    report.skipped += int((~create_mask & ~update_mask & ~clash).sum())
    for k in keys:  # later rows are duplicates of these ones, whatever happens to them
        job.seen[k].update(values[k].dropna().tolist())

    to_create = values[create_mask]
    to_update = values[update_mask].assign(_id=existing[update_mask])
    if job.dry_run:
        report.created += len(to_create)
        updated, unchanged = _count_updates(model, to_update, job, converted.mapped_columns)
        report.updated += updated
        report.skipped += unchanged
        return
    _store_failures(job, chunk, converted)
    step = job.commit_rows or COMMIT_ROWS
    slices = [(_insert, to_create[start:start + step]) for start in range(0, len(to_create), step)]
    slices += [(_update, to_update[start:start + step]) for start in range(0, len(to_update), step)]
    done = 0
    for write, part in slices or [(None, None)]:
        if write is _insert:
            report.created += _insert(model, part, job)
        elif write is _update:
            updated, unchanged = _update(model, part, job, converted.mapped_columns)
            report.updated += updated
            report.skipped += unchanged
        done += 0 if part is None else len(part)
        if job.commit is not None:  # progress within the chunk, in proportion to what is written
            job.commit(job.processed + len(chunk) * done // max(len(to_create) + len(to_update), 1))


def fill_match_keys(model, values: pd.DataFrame) -> None:
    """`app.models.mixins.match_keys`, vectorised over a frame."""
    for key, (source, fn) in model.MATCH_KEYS.items() if hasattr(model, "MATCH_KEYS") else ():
        column = values[source] if source in values else pd.Series(None, index=values.index, dtype=object)
        values[key] = KEY_FUNCTIONS[fn](column.astype(object).where(column.notna(), None)).astype(object)
    for key in ("external_id",):
        if key not in values:
            values[key] = None
    custom_duplicates.fill_import_keys(model.__tablename__, values)  # "cf:<key>" of checked custom fields


def find_duplicates(model, keys, values: pd.DataFrame, seen: dict[str, set], conn=None):
    """(duplicate of an earlier row of the file, id of a matching live record or NaN,
    external id already used in the file or by any record)."""
    conn = conn if conn is not None else db.session.connection()
    in_file = pd.Series(False, index=values.index)
    ext_taken = pd.Series(False, index=values.index)
    existing = pd.Series(float("nan"), index=values.index, dtype=object)
    table = model.__table__
    for k in keys:
        column = values[k]
        present = column.notna()
        repeated = present & (column.duplicated(keep="first") | column.isin(seen[k]))
        in_file |= repeated
        wanted = column[present & (existing.isna() | (k == "external_id"))].unique().tolist()
        found: dict[str, int] = {}
        taken: set[str] = set()
        for key, pk, deleted_at in _matches(conn, table, k, wanted):
            taken.add(key)
            if deleted_at is None:
                found.setdefault(key, pk)
        if k == "external_id":  # unique even among deleted records
            ext_taken = repeated | column.isin(taken)
        if found:
            hit = column.map(found)
            existing = existing.where(existing.notna(), hit)
    return in_file, existing, ext_taken


def _matches(conn, table, key: str, wanted: list):
    """(key, id, deleted_at) of the rows whose `key` column is one of `wanted`, lowest id first per key.

    One IN list per IN_BATCH values. On SQLite the statement text is written here and handed to the
    driver (compiling thousands of bound parameters through SQLAlchemy cost more than the lookup);
    elsewhere one cached statement with an expanding parameter.
    """
    if not wanted:
        return []
    if key.startswith(custom_duplicates.PREFIX):  # a custom field marked for the duplicate check
        return sorted(custom_duplicates.import_matches(conn, table, key, wanted), key=lambda row: row[1])
    out = []
    if conn.dialect.name == "sqlite":
        quote = conn.dialect.identifier_preparer.quote
        for start in range(0, len(wanted), IN_BATCH):
            part = wanted[start:start + IN_BATCH]
            sql = (f"SELECT {quote(key)}, id, deleted_at FROM {quote(table.name)} "
                   f"WHERE {quote(key)} IN ({','.join('?' * len(part))})")
            out.extend(conn.exec_driver_sql(sql, tuple(part)).all())
    else:
        query = select(table.c[key], table.c.id, table.c.deleted_at).where(
            table.c[key].in_(bindparam("wanted", expanding=True)))
        for start in range(0, len(wanted), IN_BATCH):
            out.extend(conn.execute(query, {"wanted": wanted[start:start + IN_BATCH]}).all())
    out.sort(key=lambda row: row[1])
    return out


def _refuse(job: Job, chunk: pd.DataFrame, converted, report: Report, clash: pd.Series) -> None:
    if not clash.any():
        return
    report.failed += int(clash.sum())
    for idx in clash[clash].index:
        line = int(chunk.loc[idx, "_line"])
        header = next((h for h, f in job.mapping.items() if f == "external_id"), "external_id")
        converted.errors.append((line, header, "external_id", None))
        report._error_count += 1
        if len(report.errors) < MAX_REPORTED_ERRORS:
            report.errors.append({"row": line, "column": header, "message": reason_text("external_id"),
                                  "reason": "external_id"})


def _column_values(frame: pd.DataFrame, name: str) -> list:
    values = frame[name].tolist()
    if frame[name].dtype != object or frame[name].isna().any():
        values = [None if v is None or v != v else v for v in values]  # NaN / NA → None
    if name == "amount":
        values = [None if v is None else Decimal(str(v)) for v in values]
    return values


def _records(model, frame: pd.DataFrame) -> list[dict]:
    """Plain dicts per row, built column-wise (DataFrame.to_dict boxes every cell slowly)."""
    columns = [c for c in frame.columns if c in model.__table__.c]
    lists = [_column_values(frame, c) for c in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]


def _insert(model, frame: pd.DataFrame, job: Job) -> int:
    """Core bulk insert, column-wise, with audit stamps, match keys, history and undo records."""
    if frame.empty:
        return 0
    table = model.__table__
    n = len(frame)
    data = {c: _column_values(frame, c) for c in frame.columns if c in table.c}
    now, actor = utcnow(), current_user_id()
    data.update(created_at=[now] * n, updated_at=[now] * n, created_by_id=[actor] * n,
                updated_by_id=[actor] * n, version=[1] * n)
    conn = job.connection
    with triggers_aside(conn, table) as fill:  # search pieces and summary counts per slice, not per row
        ids = _insert_rows(conn, table, data, n)
        fill(ids)
    recorded = [c for c in data if c not in NOT_RECORDED]
    shown = [[_plain(v) for v in data[c]] if isinstance(table.c[c].type, (Date, DateTime, Numeric)) else data[c]
             for c in recorded]
    if conn.dialect.name == "sqlite":
        changes = _created_json(recorded, shown)
    else:
        changes = [{c: [None, v] for c, v in zip(recorded, values, strict=True) if v is not None}
                   for values in zip(*shown, strict=True)]
    record_bulk(conn, job.ctx.entity, zip(ids, changes, strict=True), HistoryAction.IMPORT, job.note)
    if job.batch_id is not None:
        insert_columns(conn, ImportRecord.__table__, {"batch_id": [job.batch_id] * n, "record_id": ids,
                                                      "action": ["created"] * n, "before": [None] * n})
    return n


_JSON_TEXT = json.encoder.encode_basestring  # the C encoder json.dumps uses for a str, without \u escapes


def _json_fragments(name: str, values: list) -> list:
    """`"name":[null,<value>]` per row, None where the value is None."""
    prefix = _JSON_TEXT(name) + ": [null, "
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        return [None if v is None else prefix + _JSON_TEXT(v) + "]" for v in values]
    if kinds <= {int}:
        return [None if v is None else f"{prefix}{v}]" for v in values]
    return [None if v is None else prefix + json.dumps(v, ensure_ascii=False) + "]" for v in values]


def _created_json(names: list[str], columns: list[list]) -> list[Prepared]:
    """History's `changes` of created rows ({column: [null, value]} without empty ones) as JSON text,
    built column by column: the same text json.dumps writes, at a fraction of its cost per row."""
    fragments = [_json_fragments(name, values) for name, values in zip(names, columns, strict=True)]
    return [Prepared("{" + ", ".join([f for f in row if f is not None]) + "}") for row in zip(*fragments, strict=True)]


def _insert_rows(conn, table, data: dict[str, list], n: int) -> list[int]:
    """Insert and learn the new ids.

    PostgreSQL answers them (RETURNING, batched). On SQLite the rows go in as one executemany
    inside our write transaction, so they take consecutive rowids (no one else can write
    meanwhile): the last n ids.
    """
    if conn.dialect.name == "sqlite":
        insert_columns(conn, table, data)
        last = conn.execute(select(func.max(table.c.id))).scalar_one()
        return list(range(last - n + 1, last + 1))
    rows = [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
    ids: list[int] = []
    for start in range(0, n, 10_000):
        result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                              rows[start:start + 10_000])
        ids.extend(result.scalars().all())
    return ids


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _remember(conn, rows: list[dict]) -> None:
    for start in range(0, len(rows), 10_000):
        conn.execute(insert(ImportRecord.__table__), rows[start:start + 10_000])


def _matched_records(model, frame: pd.DataFrame, job: Job) -> dict[int, dict]:
    """Current values of the records the rows would update — only those the importer may see."""
    table = model.__table__
    ids = sorted({int(i) for i in frame["_id"]})
    out = {}
    clause = visibility_clause(model, job.ctx.actor) if job.ctx.actor is not None else None
    for start in range(0, len(ids), IN_BATCH):
        query = select(table).where(table.c.id.in_(ids[start:start + IN_BATCH]))
        if clause is not None:
            query = query.where(clause)
        for row in job.connection.execute(query).mappings():
            out[row["id"]] = dict(row)
    return out


def _planned_updates(model, frame: pd.DataFrame, job: Job, mapped: set[str]):
    if frame.empty:
        return [], 0
    current = _matched_records(model, frame, job)
    columns = [c for c in frame.columns if c in mapped and c in model.__table__.c and c != "id"]
    keys = list(getattr(model, "MATCH_KEYS", {}))
    plans, unchanged, done = [], 0, set()
    for row in _records(model, frame.assign(id=frame["_id"])):
        pk = int(row["id"])
        before = current.get(pk)
        if before is None or pk in done:  # outside the importer's scope, or matched twice
            unchanged += 1
            continue
        new = {c: row[c] for c in columns if row.get(c) is not None}
        if "custom" in new:  # custom fields: the file's values over the stored ones
            new["custom"] = custom_import.merged(before["custom"], new["custom"])
        changes = custom_import.history_of(
            {c: [_plain(before[c]), _plain(v)] for c, v in new.items() if before[c] != v})
        if not changes:
            unchanged += 1
            continue
        done.add(pk)
        merged = {**{c: before[c] for c in columns}, **new}
        merged.update({k: row.get(k) if any(model.MATCH_KEYS[k][0] == c for c in new) else before[k]
                       for k in keys})
        plans.append((pk, before, merged, changes))
    return plans, unchanged


def _count_updates(model, frame, job, mapped) -> tuple[int, int]:
    plans, unchanged = _planned_updates(model, frame, job, mapped)
    return len(plans), unchanged


def _update(model, frame: pd.DataFrame, job: Job, mapped: set[str]) -> tuple[int, int]:
    plans, unchanged = _planned_updates(model, frame, job, mapped)
    if not plans:
        return 0, unchanged
    table = model.__table__
    now, actor = utcnow(), current_user_id()
    columns = sorted(plans[0][2])
    statement = (update(table).where(table.c.id == bindparam("_pk"))
                 .values({**{c: bindparam(f"v_{c}") for c in columns},
                          "version": table.c.version + 1, "updated_at": now, "updated_by_id": actor}))
    conn = job.connection
    conn.execute(statement, [{"_pk": pk, **{f"v_{c}": merged[c] for c in columns}} for pk, _b, merged, _c in plans])
    record_bulk(conn, job.ctx.entity, ((pk, changes) for pk, _b, _m, changes in plans), HistoryAction.UPDATE, job.note)
    if job.batch_id is not None:
        _remember(conn, [{"batch_id": job.batch_id, "record_id": pk, "action": "updated",
                          "before": {**{c: _plain(before[c]) for c in columns},
                                     "_version_after": before["version"] + 1}}
                         for pk, before, _m, _c in plans])
    return len(plans), unchanged


def _store_failures(job: Job, chunk: pd.DataFrame, converted) -> None:
    if job.batch_id is None or not converted.errors:
        return
    cells = chunk.drop(columns="_line")
    by_line = dict(zip(chunk["_line"].tolist(), cells.values.tolist(), strict=True))
    rows, stored = [], set()
    for line, header, reason, detail in converted.errors:
        if line in stored:
            continue  # one row per failed line; its first reason is enough to fix it
        stored.add(line)
        rows.append({"batch_id": job.batch_id, "line": line, "column": header[:255] if header else None,
                     "reason": reason, "detail": (detail or "")[:255] or None, "cells": by_line.get(line, [])})
    conn = job.connection
    for start in range(0, len(rows), 10_000):
        conn.execute(insert(ImportFailure.__table__), rows[start:start + 10_000])

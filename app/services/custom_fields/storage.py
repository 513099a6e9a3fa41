"""SQL over the JSON column `custom`: one value as an expression an index can answer.

SQLite: json_extract(custom, '$.key'); PostgreSQL: (custom ->> 'key'). The path is written into
the SQL as a literal (keys are [a-z0-9_] only): a bound parameter would keep SQLite from matching
the expression index. Choice, yes/no, user and unique fields get an index `ix_cf_<table>_<key>`;
fields used by the duplicate check one on their normalised value `ix_cfd_<table>_<key>`; searchable
text fields on PostgreSQL a GIN index over their two-character pieces `ix_cfs_<table>_<key>` (on
SQLite migration 0026's FTS5 table covers every text field at once).
"""

from __future__ import annotations

import json
import re

from sqlalchemy import Integer, and_, cast, exists, func, literal, literal_column, select, text
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
INDEXED_KINDS = ("choice", "yes_no", "user", "link")


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _safe(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a field key: {key!r}")
    return key


def value_expr(model, key: str):
    """The stored value as SQL text/number (the expression the index is built on)."""
    key = _safe(key)
    if _dialect() == "postgresql":
        return model.custom.op("->>")(literal_column(f"'{key}'"))
    return func.json_extract(model.custom, literal_column(f"'$.{key}'"))


def equals(model, definition, raw: str):
    """WHERE clause: the record's value of this field is `raw` (a choice code, yes/no, user id)."""
    expr = value_expr(model, definition.key)
    kind = definition.kind
    if kind == "multi_choice":
        return contains(model, definition.key, raw)
    if kind == "yes_no":
        yes = raw in ("1", "true", "yes")
        if _dialect() == "postgresql":
            return expr == ("true" if yes else "false")
        return expr == literal(1 if yes else 0)
    if kind in ("user", "link", "number"):
        try:
            number = int(raw)
        except ValueError:
            return literal(False)
        if _dialect() == "postgresql":
            return expr == str(number)
        return expr == literal(number, Integer)
    return expr == raw


def contains(model, key: str, code: str):
    key = _safe(key)
    if _dialect() == "postgresql":
        return cast(model.custom, JSONB).op("->")(literal_column(f"'{key}'")).op("@>")(
            cast(json.dumps([code]), JSONB))
    each = func.json_each(model.custom, literal_column(f"'$.{key}'")).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == code))


def others_with(model, key: str, value, record_id: int | None):
    """SELECT of live records (other than `record_id`) holding this value — for unique fields."""
    expr = value_expr(model, key)
    if _dialect() == "postgresql" or isinstance(value, str):
        target = str(value) if _dialect() == "postgresql" else value
    else:
        target = value
    stmt = select(model.id).where(and_(expr == target, model.deleted_at.is_(None)))
    if record_id is not None:
        stmt = stmt.where(model.id != record_id)
    return stmt.limit(1)


_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"


def match_key(value) -> str | None:
    """A value as the duplicate check compares it: text without surrounding spaces and with ASCII
    letters in lower case (what `match_expr` computes in SQL); a number as its JSON text."""
    if value is None or value == "" or isinstance(value, (bool, list, dict)):
        return None
    if isinstance(value, (int, float)):
        return json.dumps(value)
    key = str(value).strip(" ").translate(str.maketrans(_UPPER, _LOWER))
    return key or None


def match_sql(dialect: str, table: str, key: str) -> str:
    key = _safe(key)
    if dialect == "postgresql":
        return f"translate(trim({table}.custom ->> '{key}'), '{_UPPER}', '{_LOWER}')"
    return f"lower(trim(json_extract({table}.custom, '$.{key}')))"


def match_expr(model, key: str):
    """The normalised value in SQL, the expression the duplicate-check index is built on."""
    value = func.trim(value_expr(model, key))
    if _dialect() == "postgresql":
        return func.translate(value, literal_column(f"'{_UPPER}'"), literal_column(f"'{_LOWER}'"))
    return func.lower(value)


def index_name(entity: str, key: str) -> str:
    return f"ix_cf_{entity}_{key}"[:63]


def match_index_name(entity: str, key: str) -> str:
    return f"ix_cfd_{entity}_{key}"[:63]


def grams_index_name(entity: str, key: str) -> str:
    from app.models.search_index import custom_grams_index

    return custom_grams_index(entity, key)


def ensure_index(definition) -> None:
    """The indexes the field's kind and options call for (and none it no longer needs)."""
    dialect, entity, key = _dialect(), definition.entity, definition.key
    if definition.kind in INDEXED_KINDS or definition.unique:
        _ddl(index_sql(dialect, entity, key))
    if getattr(definition, "duplicate_check", False):
        _ddl(f"CREATE INDEX IF NOT EXISTS {match_index_name(entity, key)} ON {entity} "
             f"(({match_sql(dialect, entity, key).replace(entity + '.', '')}))")
    else:
        _ddl(f"DROP INDEX IF EXISTS {match_index_name(entity, _safe(key))}")
    if dialect == "postgresql" and definition.kind in ("text", "long_text"):
        if getattr(definition, "searchable", False):
            _ddl(f"CREATE INDEX IF NOT EXISTS {grams_index_name(entity, key)} ON {entity} "
                 f"USING gin (crm_grams(custom ->> '{key}'))")
        else:
            _ddl(f"DROP INDEX IF EXISTS {grams_index_name(entity, key)}")


def _ddl(sql: str) -> None:
    """Schema change on the session's own connection; idle pooled connections are replaced, so
    none keeps statements prepared against the old schema (SQLite then failed an INSERT once)."""
    db.session.execute(text(sql))
    db.session.commit()
    if _dialect() == "sqlite":
        db.engine.pool.dispose()


def index_sql(dialect: str, table: str, key: str) -> str:
    key = _safe(key)
    name = index_name(table, key)
    if dialect == "postgresql":
        return f"CREATE INDEX IF NOT EXISTS {name} ON {table} ((custom ->> '{key}'))"
    return f"CREATE INDEX IF NOT EXISTS {name} ON {table} (json_extract(custom, '$.{key}'))"


def drop_index(entity: str, key: str) -> None:
    key = _safe(key)
    for name in (index_name(entity, key), match_index_name(entity, key), grams_index_name(entity, key)):
        _ddl(f"DROP INDEX IF EXISTS {name}")


def existing_indexes(entities) -> list[tuple[str, str]]:
    """(entity, key) of every ix_cf_/ix_cfd_/ix_cfs_ index (read from the catalogue: reflection skips
    expressions)."""
    if _dialect() == "postgresql":
        sql = "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
    found = []
    with db.engine.connect() as connection:
        for table, name in connection.execute(text(sql)):
            for kind in ("cf", "cfd", "cfs"):  # value, duplicate-check and search indexes
                prefix = f"ix_{kind}_{table}_"
                if table in entities and name.startswith(prefix) and (table, name[len(prefix):]) not in found:
                    found.append((table, name[len(prefix):]))
    return found

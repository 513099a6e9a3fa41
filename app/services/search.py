"""Text search that indexes can answer, shared by list panels and pickers."""

from __future__ import annotations

from sqlalchemy import Text, and_, cast, func, literal_column, or_, select, table, union
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, array

from app.extensions import db
from app.models import Account, Contact, Lead, Opportunity
from app.models.search_index import (
    CUSTOM_SEARCH_ENTITIES,
    SEARCHED_NAMES,
    custom_search_table,
    pieces,
    search_table,
)
from app.security.scope import visibility_clause


def prefix_clause(column, text: str):
    # a range instead of LIKE so that a plain B-tree index answers it on SQLite and PostgreSQL
    return and_(column >= text, column < text + "\U0010ffff")


def _fts_phrase(fragment: str) -> str:
    # a quoted FTS5 phrase of the fragment's pieces; double quotes inside a phrase are doubled
    return '"' + " ".join(pieces(fragment)).replace('"', '""') + '"'


def _contains(model, columns: tuple[str, ...], fragment: str):
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [func.lower(getattr(model, c)).like(f"%{escaped}%", escape="\\") for c in columns]


def fragment_clause(model, columns: tuple[str, ...], fragment: str):
    """Rows where any of `columns` contains `fragment` (two characters or more), answered by the
    name-fragment index of app/models/search_index.py on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "sqlite":
        search = search_table(model.__tablename__)
        match = sql_text(f"{search} MATCH :fragment_query").bindparams(
            fragment_query="{" + " ".join(columns) + "} : " + _fts_phrase(fragment))
        found = model.id.in_(select(literal_column("rowid")).select_from(table(search)).where(match))
        if fragment.isalnum():
            return found
        # the tokenizer drops spaces and punctuation, so the index only narrows; LIKE decides
        return and_(found, or_(*_contains(model, columns, fragment)))
    wanted = cast(array(sorted(set(pieces(fragment.lower())))), ARRAY(Text))
    return any_of(model, [and_(func.crm_grams(getattr(model, c)).op("@>")(wanted), like)
                          for c, like in zip(columns, _contains(model, columns, fragment), strict=True)])


def name_search_clauses(model, columns: tuple[str, ...], fragment: str) -> list:
    """Conditions for a search box over name columns: anywhere in the name where an index covers the
    column and the text has two characters or more, otherwise by prefix."""
    indexed = tuple(c for c in columns if c in SEARCHED_NAMES.get(model.__tablename__, ()))
    if len(fragment) < 2 or not indexed or not any(ch.isalnum() for ch in fragment):
        return [prefix_clause(getattr(model, c), fragment) for c in columns]
    rest = [prefix_clause(getattr(model, c), fragment) for c in columns if c not in indexed]
    return [fragment_clause(model, indexed, fragment), *rest]


def custom_text_clauses(model, user, fragment: str) -> list:
    """Conditions for a search box over the record's custom text fields 自定义字段 (those marked
    searchable that `user` may see), found by any fragment of two characters or more — indexed
    like names (migration 0026); one character, or no letter or digit, searches no custom field."""
    entity = model.__tablename__
    if entity not in CUSTOM_SEARCH_ENTITIES or len(fragment) < 2 or not any(ch.isalnum() for ch in fragment):
        return []
    from app.services.custom_fields import text_field_keys, visible_fields
    from app.services.custom_fields.storage import value_expr

    keys = [d.key for d in visible_fields(entity, user) if d.searchable and d.kind in ("text", "long_text")]
    if not keys:
        return []
    likes = [func.lower(value_expr(model, key)).like(_like_pattern(fragment), escape="\\") for key in keys]
    if db.engine.dialect.name == "sqlite":
        search = custom_search_table(entity)
        match = sql_text(f"{search} MATCH :custom_query").bindparams(
            custom_query="{txt} : " + _fts_phrase(fragment))
        found = model.id.in_(select(literal_column("rowid")).select_from(table(search)).where(match))
        # the index holds every custom text field: exact only when the viewer searches all of them
        if fragment.isalnum() and set(keys) == set(text_field_keys(entity)):
            return [found]
        return [and_(found, or_(*likes))]
    wanted = cast(array(sorted(set(pieces(fragment.lower())))), ARRAY(Text))
    return [and_(func.crm_grams(value_expr(model, key)).op("@>")(wanted), like)
            for key, like in zip(keys, likes, strict=True)]


def _like_pattern(fragment: str) -> str:
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def any_of(model, conditions: list):
    """Rows matching any condition, as `id IN (… UNION …)`: each branch uses its own index.

    A plain OR across differently indexed columns made SQLite scan a million rows (1.7 s);
    one indexed lookup per column and a primary-key IN stay in milliseconds on both databases.
    """
    if len(conditions) == 1:
        return conditions[0]
    return model.id.in_(union(*(select(model.id).where(c) for c in conditions)))


# entity -> (model, name columns searched by fragment or prefix, columns matched exactly)
PICKABLE = {
    "account": (Account, ("name",), ("phone",)),
    "contact": (Contact, ("name",), ("mobile", "email")),
    "lead": (Lead, ("person_name", "company_name"), ("mobile", "email")),
    "opportunity": (Opportunity, ("name",), ()),
}


def find_candidates(entity: str, text: str, user, limit: int) -> list[dict]:
    """Records a picker may offer: visible to `user`, matching `text`, at most `limit`."""
    model, prefix_cols, exact_cols = PICKABLE[entity]
    stmt = select(model).where(visibility_clause(model, user))
    text = text.strip()[:100]
    if text:
        ors = name_search_clauses(model, prefix_cols, text)
        ors += [getattr(model, c) == text for c in exact_cols]
        if text.isdigit():
            ors.append(model.id == int(text))
        stmt = stmt.where(any_of(model, ors))
    rows = db.session.scalars(stmt.order_by(model.id.desc()).limit(limit))
    return [{"id": r.id, "text": str(r)} for r in rows]

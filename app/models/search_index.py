"""The name-fragment search index: which columns it covers, and how text becomes its tokens.

Names are indexed as overlapping two-character pieces ("范晓燕" → "范晓 晓燕"), so any fragment of two or
more characters is found wherever it sits in the name — Chinese company names lead with a city
("宁波众河电子…") and people search for the short name "众河". SQLite keeps the pieces in an FTS5 table per
entity and answers a fragment as a phrase of its pieces; PostgreSQL keeps a GIN index on an array of
pieces and rechecks the fragment with LIKE. Migration 0022 creates both, with triggers on SQLite, so
every write — ORM, bulk, import or plain SQL — keeps the index current.

These objects cannot be described by SQLAlchemy models (virtual tables, expression indexes); the
schema comparison and autogenerate skip them by name.
"""

from __future__ import annotations

# entity table -> the name columns whose fragments are searchable
SEARCHED_NAMES: dict[str, tuple[str, ...]] = {
    "lead": ("person_name", "company_name"),
    "account": ("name",),
    "contact": ("name",),
    "opportunity": ("name",),
}

# longest name (in characters) whose every piece is indexed: the widest searched column
MAX_INDEXED_CHARS = 200

FTS_SHADOW_SUFFIXES = ("", "_data", "_idx", "_content", "_docsize", "_config")


def search_table(entity: str) -> str:
    return f"{entity}_search"


# custom text fields 自定义字段 (migration 0026): one FTS5 table per record type on SQLite, holding the
# pieces of all of a record's custom text values; a GIN index per searchable field on PostgreSQL
CUSTOM_SEARCH_ENTITIES = ("lead", "account", "contact", "opportunity")


def custom_search_table(entity: str) -> str:
    return f"{entity}_custom_search"


def custom_grams_index(entity: str, key: str) -> str:
    return f"ix_cfs_{entity}_{key}"[:63]


def grams_index(entity: str, column: str) -> str:
    return f"ix_{entity}_{column}_grams"


def pieces(text: str) -> list[str]:
    """The two-character pieces of `text`, in order (what the index stores and a query looks for)."""
    return [text[i:i + 2] for i in range(len(text) - 1)]


def pieces_sql(ref: str) -> str:
    """SQLite expression of `pieces` for a column reference, space separated for FTS5's unicode61 (plus the
    last single character, which the tokenizer keeps as one more token and no fragment query needs).

    A recursive count to the value's own length: a fixed chain of 199 substr() calls cost ~85 µs a row in
    every insert trigger, this ~12 µs (migration 0029)."""
    return (f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < min(length({ref}), "
            f"{MAX_INDEXED_CHARS - 1})) SELECT coalesce(group_concat(substr({ref}, i, 2), ' '), '') FROM n)")


def fill_sql(entity: str, where: str = "") -> str:
    """INSERT computing the FTS5 rows of the base rows matching `where` (SQLite; all rows without it)."""
    columns = SEARCHED_NAMES[entity]
    values = ", ".join(pieces_sql(c) for c in columns)
    return (f"INSERT INTO {search_table(entity)}(rowid, {', '.join(columns)}) SELECT id, {values} FROM {entity}"
            + (f" WHERE {where}" if where else ""))


def refill_sql(entity: str) -> list[str]:
    """Statements that recompute an entity's FTS5 table from the base table (SQLite; after a bulk load)."""
    return [f"DELETE FROM {search_table(entity)}", fill_sql(entity)]


def is_search_index(name: str | None) -> bool:
    """True for the schema objects above, which the models do not (cannot) declare."""
    if not name:
        return False
    if name.startswith("ix_") and name.endswith("_grams"):
        return True
    if name.startswith(("ix_cfs_", "ix_cfd_")):  # custom-field search / duplicate-check expression indexes
        return True
    return any(name in (search_table(e) + s, custom_search_table(e) + s)
               for e in (*SEARCHED_NAMES, *CUSTOM_SEARCH_ENTITIES) for s in FTS_SHADOW_SUFFIXES)

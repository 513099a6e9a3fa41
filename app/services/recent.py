"""Recently viewed 最近访问: each user's last opened records, across entities.

Recording is one upsert per show page and keeps the newest `KEEP` rows per user. Reading
re-applies the data scope and the soft-delete filter, so records the user can no longer see
(moved out of their scope, deleted) drop out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import RecentView, utcnow
from app.security.scope import PARENT_MODEL, visibility_clause

KEEP = 20
ENTITIES = tuple(PARENT_MODEL)  # lead, account, contact, opportunity
VIEWS = {"lead": "LeadView", "account": "AccountView", "contact": "ContactView",
         "opportunity": "OpportunityView"}


@dataclass
class Recent:
    entity: str
    record_id: int
    title: str
    viewed_at: dt.datetime
    view: str


def record_view(user, entity: str, record_id: int) -> None:
    """Remember that `user` opened a record (the caller has shown it, so it is in scope)."""
    if user is None or entity not in ENTITIES:
        return
    now = utcnow()
    values = {"user_id": user.id, "entity": entity, "record_id": int(record_id), "viewed_at": now}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(RecentView).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "entity", "record_id"],
                                      set_={"viewed_at": now})
    try:
        db.session.execute(stmt)
        keep = (select(RecentView.id).where(RecentView.user_id == user.id)
                .order_by(RecentView.viewed_at.desc(), RecentView.id.desc()).limit(KEEP))
        db.session.execute(delete(RecentView).where(RecentView.user_id == user.id,
                                                    RecentView.id.not_in(keep.scalar_subquery())))
        db.session.commit()
    except Exception:  # remembering is a convenience: never let it break the page
        db.session.rollback()


def recent(user, limit: int = KEEP) -> list[Recent]:
    rows = db.session.execute(
        select(RecentView.entity, RecentView.record_id, RecentView.viewed_at)
        .where(RecentView.user_id == user.id).order_by(RecentView.viewed_at.desc(), RecentView.id.desc())
        .limit(KEEP)
    ).all()
    wanted: dict[str, list[int]] = {}
    for entity, record_id, _at in rows:
        wanted.setdefault(entity, []).append(record_id)
    titles: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        model = PARENT_MODEL.get(entity)
        if model is None:
            continue
        for record in db.session.scalars(
                select(model).where(model.id.in_(ids), visibility_clause(model, user))):
            titles[(entity, record.id)] = str(record)
    out = [Recent(entity, record_id, titles[(entity, record_id)], at, VIEWS[entity])
           for entity, record_id, at in rows if (entity, record_id) in titles]
    return out[:limit]

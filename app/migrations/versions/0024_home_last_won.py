"""account.last_won_at for the neglected-accounts widget and the reclaim job (issue 8)

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-25 15:50:00

`account.last_won_at` = the latest `closed_at` of the account's won (stage.is_won), not deleted
opportunities; NULL when it has none. The reclaim rule read it through a correlated subquery per
account (manager's home page: ~260 ms of SQL at 200,000 accounts); now it reads one column, from two
covering indexes that let "about to be reclaimed" seek a few days of either clock per owner.

The column is kept by database triggers, on SQLite and on PostgreSQL alike, because they see every
door an opportunity changes through: ORM flushes, set-based UPDATEs (bulk actions, merge), Core
bulk inserts and COPY (demo loader), raw SQL, and a stage whose "won" flag an admin switches. A
session hook would miss all but the first. See app/services/last_won.py for the rule in Python
(`rebuild`, `check`) — the SQL is spelt out here so this migration keeps meaning what it meant.

Plain ADD COLUMN / CREATE INDEX (no batch table rebuild), so the triggers of 0019 and 0022 stay.
A later migration that rebuilds opportunity, account or stage on SQLite must call
`create_sqlite_triggers()` again.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# the "about to be reclaimed" count seeks a few days' range of either clock, per owner (see reclaim.py)
INDEXES = (
    ("ix_account_reclaim_followup", ["owner_id", "deleted_at", "last_followup_at", "created_at", "last_won_at"]),
    ("ix_account_reclaim_won", ["owner_id", "deleted_at", "last_won_at", "created_at", "last_followup_at"]),
)

# the latest won close of the account in `account.id` (correlated), both dialects
LATEST_WON = ("(SELECT max(o.closed_at) FROM opportunity o JOIN stage s ON s.id = o.stage_id"
              " WHERE o.account_id = account.id AND o.deleted_at IS NULL AND s.is_won)")
SQLITE_WON = "coalesce((SELECT is_won FROM stage WHERE id = {r}.stage_id), 0)"
SQLITE_REFRESH = (f"UPDATE account SET last_won_at = {LATEST_WON}"
                  f" WHERE id IN ({{ids}}) AND last_won_at IS NOT {LATEST_WON};")
SQLITE_TRIGGERS = ("opportunity_last_won_insert", "opportunity_last_won_update", "opportunity_last_won_delete",
                   "stage_last_won_update")


def create_sqlite_triggers() -> None:
    won_new, won_old = SQLITE_WON.format(r="NEW"), SQLITE_WON.format(r="OLD")
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ("stage_id", "closed_at", "account_id", "deleted_at"))
    # a new won opportunity can only move the latest close forward: no need to rescan the account
    op.execute("CREATE TRIGGER opportunity_last_won_insert AFTER INSERT ON opportunity"
               f" WHEN NEW.deleted_at IS NULL AND NEW.closed_at IS NOT NULL AND {won_new} BEGIN"
               " UPDATE account SET last_won_at = NEW.closed_at WHERE id = NEW.account_id"
               " AND (last_won_at IS NULL OR last_won_at < NEW.closed_at); END")
    op.execute("CREATE TRIGGER opportunity_last_won_update"
               " AFTER UPDATE OF stage_id, closed_at, account_id, deleted_at ON opportunity"
               f" WHEN ({changed}) AND ({won_old} OR {won_new}) BEGIN "
               + SQLITE_REFRESH.format(ids="OLD.account_id, NEW.account_id") + " END")
    op.execute(f"CREATE TRIGGER opportunity_last_won_delete AFTER DELETE ON opportunity WHEN {won_old} BEGIN "
               + SQLITE_REFRESH.format(ids="OLD.account_id") + " END")
    op.execute("CREATE TRIGGER stage_last_won_update AFTER UPDATE OF is_won ON stage"
               " WHEN OLD.is_won IS NOT NEW.is_won BEGIN "
               + SQLITE_REFRESH.format(ids="SELECT account_id FROM opportunity WHERE stage_id = NEW.id") + " END")


PG_FUNCTIONS = (
    # Lock the account first: the UPDATE after it then runs on a snapshot taken once a concurrent
    # writer of the same account has committed (READ COMMITTED), so it sees that writer's change.
    """CREATE FUNCTION crm_last_won_refresh(acc integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM account WHERE id = acc FOR UPDATE;
      UPDATE account SET last_won_at = w.t
        FROM (SELECT max(o.closed_at) AS t FROM opportunity o JOIN stage s ON s.id = o.stage_id
              WHERE o.account_id = acc AND o.deleted_at IS NULL AND s.is_won) w
        WHERE account.id = acc AND account.last_won_at IS DISTINCT FROM w.t;
    END $$""",
    """CREATE FUNCTION crm_opportunity_last_won() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      old_won boolean := false;
      new_won boolean := false;
    BEGIN
      IF TG_OP = 'UPDATE' AND (OLD.stage_id, OLD.closed_at, OLD.account_id, OLD.deleted_at)
          IS NOT DISTINCT FROM (NEW.stage_id, NEW.closed_at, NEW.account_id, NEW.deleted_at) THEN
        RETURN NULL;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        old_won := coalesce((SELECT is_won FROM stage WHERE id = OLD.stage_id), false);
      END IF;
      IF TG_OP <> 'DELETE' THEN
        new_won := coalesce((SELECT is_won FROM stage WHERE id = NEW.stage_id), false);
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF new_won AND NEW.deleted_at IS NULL AND NEW.closed_at IS NOT NULL THEN
          UPDATE account SET last_won_at = NEW.closed_at WHERE id = NEW.account_id
            AND (last_won_at IS NULL OR last_won_at < NEW.closed_at);
        END IF;
      ELSIF TG_OP = 'DELETE' THEN
        IF old_won THEN
          PERFORM crm_last_won_refresh(OLD.account_id);
        END IF;
      ELSIF old_won OR new_won THEN
        PERFORM crm_last_won_refresh(OLD.account_id);
        IF NEW.account_id IS DISTINCT FROM OLD.account_id THEN
          PERFORM crm_last_won_refresh(NEW.account_id);
        END IF;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION crm_stage_last_won() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM crm_last_won_refresh(a.account_id)
        FROM (SELECT DISTINCT account_id FROM opportunity WHERE stage_id = NEW.id ORDER BY account_id) a;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER opportunity_last_won AFTER INSERT OR DELETE OR UPDATE OF stage_id, closed_at, account_id,"
    " deleted_at ON opportunity FOR EACH ROW EXECUTE FUNCTION crm_opportunity_last_won()",
    "CREATE TRIGGER stage_last_won AFTER UPDATE OF is_won ON stage FOR EACH ROW"
    " WHEN (OLD.is_won IS DISTINCT FROM NEW.is_won) EXECUTE FUNCTION crm_stage_last_won()",
)


def upgrade():
    op.add_column("account", sa.Column("last_won_at", sa.DateTime(), nullable=True))
    op.execute(f"UPDATE account SET last_won_at = {LATEST_WON} WHERE id IN (SELECT o.account_id FROM opportunity o"
               " JOIN stage s ON s.id = o.stage_id WHERE o.deleted_at IS NULL AND s.is_won)")
    for name, columns in INDEXES:
        op.create_index(name, "account", columns)
    if op.get_bind().dialect.name == "sqlite":
        create_sqlite_triggers()
        for name, _columns in INDEXES:
            op.execute(f"ANALYZE {name}")  # without statistics SQLite may keep choosing an older index
    else:
        for statement in PG_FUNCTIONS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS stage_last_won ON stage")
        op.execute("DROP TRIGGER IF EXISTS opportunity_last_won ON opportunity")
        for name in ("crm_stage_last_won()", "crm_opportunity_last_won()", "crm_last_won_refresh(integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name="account")
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not a batch rebuild that would drop account's search triggers
    op.drop_column("account", "last_won_at")

"""Rate-limit counters every worker process on this machine shares: a small SQLite file.

Flask-Limiter's `memory://` keeps counters in one process, so with four gunicorn workers a
"10 logins per minute" limit would really allow 40. This storage keeps the counters in
`instance/ratelimits.sqlite` (config.py's default `RATELIMIT_STORAGE_URI`): every worker of one
server sees the same counts, they survive a restart, and nothing else is needed. Each increment
is a single SQL statement, so concurrent workers never lose a count. Logins, the public inquiry
form and ticket links are limited; ordinary pages never touch this file.

Several servers behind one PostgreSQL need a store they all reach: set
CRM_RATELIMIT_STORAGE_URI=redis://… (Flask-Limiter's own; install the `redis` package).

Importing this module registers the `sqlite://` scheme with `limits` (app/__init__.py does).
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

_SCHEMA = ("CREATE TABLE IF NOT EXISTS rate_limit "
           "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)")
# one statement: a new or expired window starts at `amount`, a live one adds to its count
_INCR = """
INSERT INTO rate_limit (key, count, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN rate_limit.expires <= :now THEN excluded.count
                 ELSE rate_limit.count + excluded.count END,
    expires = CASE WHEN rate_limit.expires <= :now THEN excluded.expires
                   ELSE rate_limit.expires END
RETURNING count
"""


class SQLiteFileStorage(Storage):
    """`sqlite:////absolute/path.sqlite` — fixed-window counters in a file shared by processes."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = (uri or "")[len("sqlite://"):]
        if path.startswith("/") and path[1:2] == "/":  # sqlite:////abs → //abs
            path = path[1:]
        if not path or path == "/":
            raise ValueError("rate-limit storage needs a file: sqlite:////path/to/ratelimits.sqlite")
        self.path = Path(path)
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        # one connection per thread and per process (a forked worker opens its own)
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        count = conn.execute(_INCR, {"key": key, "amount": amount, "expires": now + expiry,
                                     "now": now}).fetchone()[0]
        if random.random() < 0.01:  # noqa: S311 - now and then, forget windows long over
            conn.execute("DELETE FROM rate_limit WHERE expires < ?", (now - 3600,))
        return int(count)

    def get(self, key: str) -> int:
        row = self._conn().execute("SELECT count FROM rate_limit WHERE key = ? AND expires > ?",
                                   (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("SELECT expires FROM rate_limit WHERE key = ? AND expires > ?",
                                   (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM rate_limit").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM rate_limit WHERE key = ?", (key,))

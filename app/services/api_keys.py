"""API keys API 密钥: create (the plaintext is returned once), verify, revoke.

A key is `crm_` + 43 random URL-safe characters (256 bits). Only its SHA-256 is stored: a
secret that long cannot be guessed, so a slow password hash would only slow every request.
The lookup is by that hash and the final comparison is constant-time.

`verify` runs on every API request: a revoked or expired key, or a key whose owner was
deactivated (handover deactivates users), stops working on the very next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import CrmUser, utcnow
from app.models.api_key import ApiKey

from .errors import CrmError, NotFound

KEY_PREFIX = "crm_"
PREFIX_SHOWN = 12  # "crm_" + 8 characters of the secret
MAX_NAME = 100
# last_used_at is written at most this often per key, so busy integrations do not write on every call
TOUCH_EVERY = dt.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(user_id: int, name: str, expires_at: dt.datetime | None = None,
               created_by_id: int | None = None) -> tuple[ApiKey, str]:
    """A new key for `user_id`; returns the row and the plaintext, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise CrmError(_l("Give the key a name, e.g. the system that will use it."))
    if len(name) > MAX_NAME:
        raise CrmError(_l("The name is too long (at most %(max)s characters).", max=MAX_NAME))
    user = db.session.get(CrmUser, user_id) if user_id else None
    if user is None or not user.active:
        raise CrmError(_l("Choose an active user for the key."))
    if expires_at is not None and expires_at <= utcnow():
        raise CrmError(_l("The expiry date must be in the future."))
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=plaintext[:PREFIX_SHOWN], key_hash=_digest(plaintext),
                 user_id=user.id, expires_at=expires_at, created_by_id=created_by_id)
    try:
        db.session.add(key)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return key, plaintext


def verify(plaintext: str | None):
    """The active user a usable key belongs to, or None (unknown, revoked, expired, inactive owner)."""
    if not plaintext or not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 200:
        return None
    digest = _digest(plaintext)
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    now = utcnow()
    if not key.is_usable(now):
        return None
    user = db.session.get(CrmUser, key.user_id)
    if user is None or not user.active:
        return None
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        # a plain UPDATE in its own short transaction: no ORM flush, no history, no version bump
        db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        db.session.commit()
    return user


def revoke(key_id: int, by_user_id: int | None = None) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(_l("No such API key."))
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by_id = utcnow(), by_user_id
        db.session.commit()
    return key


def keys(limit: int = 500) -> list[ApiKey]:
    """Every key, newest first (the admin screen)."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id.desc()).limit(limit)))


def key_from_headers(headers) -> str | None:
    """`Authorization: Bearer crm_…` or `X-API-Key: crm_…`; None when neither carries a key
    (a JWT in the Authorization header is left to the JWT check)."""
    header = headers.get("X-API-Key")
    if header:
        return header.strip()
    auth = headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        token = auth[7:].strip()
        if token.startswith(KEY_PREFIX):
            return token
    return None

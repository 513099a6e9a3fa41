"""API key API 密钥: how an integration (ERP, SCM, a script) signs in to the REST API.

Only a hash of the key is stored; the plaintext is shown once, when the key is created. The
first characters (`prefix`) stay readable so admins can tell keys apart. A key acts as its
owner, with the owner's roles and data scope; revoking it, letting it expire or deactivating
the owner stops it on the very next request (see app/services/api_keys.py).
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .mixins import utcnow


class ApiKey(Model):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # "crm_" + the first characters of the secret: enough to recognise, useless to sign in
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    # sha256 of the whole key (a 256-bit random secret needs no slow hash), looked up by index
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user = relationship("CrmUser", foreign_keys=[user_id])
    created_by = relationship("CrmUser", foreign_keys=[created_by_id])

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

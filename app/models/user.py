"""FAB's user with the CRM's profile: department, manager and a phone number."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship


class CrmUser(FabUser):
    __tablename__ = "ab_user"

    department_id = Column(
        Integer,
        ForeignKey("department.id", ondelete="SET NULL", use_alter=True, name="fk_ab_user_department_id"),
        index=True,
    )
    manager_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    phone = Column(String(32))
    # set after repeated failed logins; until then even the right password is refused
    locked_until = Column(DateTime)

    department = relationship("Department", foreign_keys=[department_id])
    manager = relationship(
        "CrmUser", remote_side=lambda: [CrmUser.id], foreign_keys=lambda: [CrmUser.manager_id]
    )

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first, last = (self.first_name or "").strip(), (self.last_name or "").strip()
        if first and last and not (first + last).isascii():
            return f"{last}{first}"  # Chinese order: family name first, no space
        return " ".join(p for p in (first, last) if p) or self.username

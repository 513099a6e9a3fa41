"""`flask crm init`: bring any database — empty or old — to a working state. Idempotent."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select, text

from app.extensions import db
from app.models import RoleDataScope
from app.security.passwords import password_problem
from app.security.roles import ROLES

from .pool import ensure_settings as ensure_pool_settings
from .reference_data import seed_reference_data
from .tickets import seed_ticket_defaults

ADMIN_USERNAME = "admin"


@dataclass
class InitResult:
    admin_created: bool
    admin_password: str | None  # only when generated, to be shown once
    reference_data: dict[str, int]


def initialise(admin_password: str | None = None) -> InitResult:
    upgrade()
    if db.engine.dialect.name == "sqlite":
        # refresh the planner's statistics where migrations or imports changed a table a lot:
        # without them SQLite sorts a million rows to show one page (see bench/out/pages.md)
        db.session.execute(text("PRAGMA optimize"))
    sync_roles()
    reference = seed_reference_data()
    seed_ticket_defaults()
    ensure_pool_settings()
    created, shown = ensure_admin(admin_password)
    return InitResult(created, shown, reference)


def sync_roles() -> None:
    """Create built-in roles and add their permissions; never remove what admins granted."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    sm.add_role(sm.auth_role_admin)
    sm.add_role(sm.auth_role_public)
    appbuilder.add_permissions(update_perms=True)  # every view's permissions, all given to Admin
    for spec in ROLES:
        role = sm.add_role(spec.name)
        for view_name, perms in spec.grants.items():
            for perm in perms:
                pv = sm.add_permission_view_menu(perm, view_name)
                sm.add_permission_role(role, pv)
        for menu in spec.menus:
            sm.add_permission_role(role, sm.add_permission_view_menu("menu_access", menu))
        _ensure_scope(role.id, "*", spec.scope.value)
        for entity, scope in spec.entity_scopes.items():
            _ensure_scope(role.id, entity, scope.value)
    db.session.commit()


def _ensure_scope(role_id: int, entity: str, scope: str) -> None:
    exists = db.session.scalar(
        select(RoleDataScope.id).where(RoleDataScope.role_id == role_id, RoleDataScope.entity == entity)
    )
    if exists is None:
        db.session.add(RoleDataScope(role_id=role_id, entity=entity, scope=scope))


def ensure_admin(password: str | None) -> tuple[bool, str | None]:
    sm = current_app.appbuilder.sm
    if sm.find_user(username=ADMIN_USERNAME) is not None:
        return False, None
    generated = None
    if not password:
        password = generated = strong_password()
    elif password_problem(password):
        raise ValueError(f"CRM_ADMIN_PASSWORD is too weak: {password_problem(password)}")
    user = sm.add_user(ADMIN_USERNAME, "Admin", "User", "admin@example.com",
                       sm.find_role(sm.auth_role_admin), password)
    if not user:
        raise RuntimeError("could not create the admin user")
    return True, generated


def strong_password() -> str:
    """A random password that passes our own policy."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if password_problem(candidate) is None:
            return candidate

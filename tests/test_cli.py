"""`flask crm init` on a fresh database: first admin, built-in roles, and safe to repeat."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.extensions import db
from app.models import LeadSource, LostReason, RoleDataScope, Stage
from app.security.roles import ROLES

PASSWORD_LINE = re.compile(r"Created user 'admin' with password: (\S+)")
# every table `crm init` writes to
INIT_TABLES = (
    "ab_role",
    "ab_permission",
    "ab_view_menu",
    "ab_permission_view",
    "ab_permission_view_role",
    "ab_user",
    "ab_user_role",
    "stage",
    "lead_source",
    "lost_reason",
    "role_data_scope",
)


@pytest.fixture
def fresh_app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite'}", "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def run_init(app, monkeypatch, password: str | None):
    if password is None:
        monkeypatch.delenv("CRM_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("CRM_ADMIN_PASSWORD", password)
    result = app.test_cli_runner().invoke(args=["crm", "init"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def snapshot(app) -> dict:
    with app.app_context():
        counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in INIT_TABLES}
        grants = set(
            db.session.execute(
                text(
                    "SELECT r.name, p.name, v.name FROM ab_permission_view_role pvr"
                    " JOIN ab_role r ON r.id = pvr.role_id"
                    " JOIN ab_permission_view pv ON pv.id = pvr.permission_view_id"
                    " JOIN ab_permission p ON p.id = pv.permission_id"
                    " JOIN ab_view_menu v ON v.id = pv.view_menu_id"
                )
            ).all()
        )
        scopes = set(
            db.session.execute(select(RoleDataScope.role_id, RoleDataScope.entity, RoleDataScope.scope)).all()
        )
        admin = db.session.execute(text("SELECT id, password FROM ab_user WHERE username = 'admin'")).one()
        db.session.remove()
    return {"counts": counts, "grants": grants, "scopes": scopes, "admin": tuple(admin)}


def check_login(app, password: str) -> bool:
    with app.test_request_context():
        return app.appbuilder.sm.auth_user_db("admin", password) is not None


def test_init_generates_an_admin_password_shown_once(fresh_app, monkeypatch):
    output = run_init(fresh_app, monkeypatch, None)
    match = PASSWORD_LINE.search(output)
    assert match, output
    password = match.group(1)
    assert len(password) >= 12
    assert output.count(password) == 1
    assert "shown only once" in output
    assert check_login(fresh_app, password)
    assert not check_login(fresh_app, password + "x")


def test_two_inits_generate_different_passwords(tmp_path, monkeypatch):
    passwords = []
    for n in (1, 2):
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'{n}.sqlite'}", "TESTING": True}
        )
        passwords.append(PASSWORD_LINE.search(run_init(app, monkeypatch, None)).group(1))
        with app.app_context():
            db.engine.dispose()
    assert passwords[0] != passwords[1]


def test_init_registers_every_permission_without_fab_dropping_any(fresh_app, monkeypatch):
    # views sharing one permission name (the per-entity TransferApi classes) must declare the same
    # set, or FAB tries to delete the others' permissions while registering each one
    output = run_init(fresh_app, monkeypatch, "Chosen-Passw0rd!")  # FAB's log lines are in it too
    assert "Refused to delete" not in output and "delete permission" not in output
    with fresh_app.app_context():
        assert fresh_app.appbuilder.sm.find_permission_view_menu("can_import", "TransferApi") is not None
        db.session.remove()


def test_init_uses_crm_admin_password_when_set(fresh_app, monkeypatch):
    output = run_init(fresh_app, monkeypatch, "Chosen-Passw0rd!")
    assert PASSWORD_LINE.search(output) is None
    assert "Chosen-Passw0rd!" not in output
    assert "password from CRM_ADMIN_PASSWORD" in output
    assert check_login(fresh_app, "Chosen-Passw0rd!")


def test_second_init_changes_nothing(fresh_app, monkeypatch):
    first = run_init(fresh_app, monkeypatch, None)
    assert PASSWORD_LINE.search(first)
    before = snapshot(fresh_app)
    assert before["counts"]["ab_user"] == 1
    assert all(before["counts"][t] > 0 for t in INIT_TABLES), before["counts"]

    second = run_init(fresh_app, monkeypatch, None)
    assert "password" not in second.lower(), second
    assert "Database is up to date" in second
    assert snapshot(fresh_app) == before

    # not even a new CRM_ADMIN_PASSWORD resets the existing admin
    third = run_init(fresh_app, monkeypatch, "Another-Passw0rd!")
    assert "password" not in third.lower(), third
    assert snapshot(fresh_app) == before
    assert not check_login(fresh_app, "Another-Passw0rd!")


def test_builtin_roles_exist_with_their_data_scopes(fresh_app, monkeypatch):
    run_init(fresh_app, monkeypatch, "Chosen-Passw0rd!")
    with fresh_app.app_context():
        sm = fresh_app.appbuilder.sm
        for spec in ROLES:
            role = sm.find_role(spec.name)
            assert role is not None, spec.name
            rows = dict(
                db.session.execute(
                    select(RoleDataScope.entity, RoleDataScope.scope).where(RoleDataScope.role_id == role.id)
                ).all()
            )
            expected = {"*": spec.scope.value, **{e: s.value for e, s in spec.entity_scopes.items()}}
            assert rows == expected, spec.name
            granted = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
            for view_name, perms in spec.grants.items():
                for perm in perms:
                    assert (perm, view_name) in granted, (spec.name, perm, view_name)
            for menu in spec.menus:
                assert ("menu_access", menu) in granted, (spec.name, menu)
        # a Sales Rep may not manage users: roles are not simply "everything"
        rep = {(pv.permission.name, pv.view_menu.name) for pv in sm.find_role("Sales Rep").permissions}
        assert not any(view == "UserDBModelView" for _perm, view in rep)
        admin = sm.find_user(username="admin")
        assert [r.name for r in admin.roles] == ["Admin"]
        assert db.session.scalar(select(func.count(Stage.id))) > 0
        assert db.session.scalar(select(func.count(LeadSource.id))) > 0
        assert db.session.scalar(select(func.count(LostReason.id))) > 0
        assert db.session.scalar(select(func.count(Stage.id)).where(Stage.is_lost)) == 1
        assert db.session.scalar(select(func.count(Stage.id)).where(Stage.is_won)) == 1
        db.session.remove()


def test_weak_crm_admin_password_is_refused_without_a_traceback(fresh_app, monkeypatch):
    monkeypatch.setenv("CRM_ADMIN_PASSWORD", "short")
    result = fresh_app.test_cli_runner().invoke(args=["crm", "init"])
    assert result.exit_code == 1
    # a clean "Error: …" from click, not an exception escaping the command
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error: CRM_ADMIN_PASSWORD is too weak" in result.output
    with fresh_app.app_context():
        assert fresh_app.appbuilder.sm.find_user(username="admin") is None
        db.session.remove()
    # fixing the variable and running again finishes the job
    output = run_init(fresh_app, monkeypatch, "Chosen-Passw0rd!")
    assert "password from CRM_ADMIN_PASSWORD" in output
    assert check_login(fresh_app, "Chosen-Passw0rd!")

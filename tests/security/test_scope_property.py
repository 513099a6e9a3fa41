"""Property: for random organisations, roles, scopes and records, what each user reaches through
every door (list query, single-record check, picker, export, REST API) equals a plain reference
predicate."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.extensions import db
from app.models import ApiKey, CrmUser, DataScope, Department, Lead, Note, RoleDataScope
from app.security.scope import is_visible, visibility_clause
from app.services.api_keys import create_key
from app.services.export import ExportRequest
from app.services.export import count as export_count
from app.services.search import find_candidates

SCOPES = list(DataScope)


@st.composite
def worlds(draw):
    n_depts = draw(st.integers(1, 4))
    parents = [None] + [draw(st.sampled_from([None, *range(i)])) for i in range(1, n_depts)]
    n_roles = draw(st.integers(1, 3))
    role_scopes = [draw(st.sampled_from(SCOPES)) for _ in range(n_roles)]
    lead_override = [draw(st.one_of(st.none(), st.sampled_from(SCOPES))) for _ in range(n_roles)]
    n_users = draw(st.integers(1, 5))
    users = []
    for i in range(n_users):
        users.append({
            "dept": draw(st.one_of(st.none(), st.integers(0, n_depts - 1))),
            "manager": draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None,
            "roles": draw(st.lists(st.integers(0, n_roles - 1), min_size=1, max_size=2, unique=True)),
        })
    leads = draw(st.lists(st.one_of(st.none(), st.integers(0, n_users - 1)), min_size=1, max_size=8))
    return parents, role_scopes, lead_override, users, leads


def _build(world):
    from flask import current_app

    sm = current_app.appbuilder.sm
    parents, role_scopes, lead_override, user_specs, lead_owners = world
    depts = []
    for i, parent in enumerate(parents):
        dept = Department(name=f"prop-dept-{i}", parent=depts[parent] if parent is not None else None)
        db.session.add(dept)
        db.session.flush()
        depts.append(dept)
    roles = []
    read_api = sm.find_permission_view_menu("can_get", "LeadApi")
    for i, scope in enumerate(role_scopes):
        role = sm.add_role(f"prop-role-{i}")
        sm.add_permission_role(role, read_api)  # to walk the REST door; scope decides the rest
        roles.append(role)
        db.session.add(RoleDataScope(role_id=role.id, entity="*", scope=scope.value))
        if lead_override[i] is not None:
            db.session.add(RoleDataScope(role_id=role.id, entity="lead", scope=lead_override[i].value))
    users = []
    for i, spec in enumerate(user_specs):
        user = CrmUser(first_name="P", last_name=str(i), username=f"prop-user-{i}", email=f"p{i}@example.com",
                       active=True, department_id=depts[spec["dept"]].id if spec["dept"] is not None else None,
                       manager_id=users[spec["manager"]].id if spec["manager"] is not None else None)
        user.roles = [roles[r] for r in spec["roles"]]
        db.session.add(user)
        db.session.flush()
        users.append(user)
    leads = [Lead(person_name=f"prop-{i}", channel="online", status="new",
                  owner_id=users[o].id if o is not None else None) for i, o in enumerate(lead_owners)]
    db.session.add_all(leads)
    db.session.flush()
    notes = [Note(text=f"note-{lead.id}", lead_id=lead.id) for lead in leads]
    db.session.add_all(notes)
    db.session.commit()
    return users, leads, notes, depts, roles


def _reference(user, owner, world, users, depts):
    """The rule written out plainly, independent of app.security.scope."""
    if owner is None:
        return True
    _parents, role_scopes, lead_override, _specs, _owners = world
    scopes = []
    for role in user.roles:
        i = int(role.name.rsplit("-", 1)[1])
        scopes.append(lead_override[i] or role_scopes[i])
    scope = max(scopes, key=SCOPES.index)
    if scope is DataScope.ALL:
        return True
    if owner.id == user.id:
        return True
    if scope is DataScope.SELF:
        return False
    if scope is DataScope.SUBORDINATES:
        boss = owner.manager_id
        seen = set()
        while boss is not None and boss not in seen:
            if boss == user.id:
                return True
            seen.add(boss)
            boss = next(u.manager_id for u in users if u.id == boss)
        return False
    if user.department_id is None or owner.department_id is None:
        return False
    if scope is DataScope.DEPARTMENT:
        return owner.department_id == user.department_id
    dept = next(d for d in depts if d.id == owner.department_id)
    while dept is not None:
        if dept.id == user.department_id:
            return True
        dept = dept.parent
    return False


def _cleanup(users, leads, notes, depts, roles):
    db.session.rollback()
    db.session.execute(delete(ApiKey).where(ApiKey.user_id.in_([u.id for u in users])))
    db.session.execute(delete(Note).where(Note.id.in_([n.id for n in notes])))
    db.session.execute(delete(Lead).where(Lead.id.in_([lead.id for lead in leads])))
    for user in users:
        user.roles = []
    db.session.flush()
    db.session.execute(delete(CrmUser).where(CrmUser.id.in_([u.id for u in users])))
    db.session.execute(delete(RoleDataScope).where(RoleDataScope.role_id.in_([r.id for r in roles])))
    for role in roles:
        db.session.delete(role)
    for dept in reversed(depts):
        db.session.delete(dept)
    db.session.commit()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_every_door_equals_the_reference(app, app_ctx, world):
    users, leads, notes, depts, roles = _build(world)
    lead_ids = [lead.id for lead in leads]
    try:
        owners = {u.id: u for u in users}
        for user in users:
            expected = {lead.id for lead in leads
                        if _reference(user, owners.get(lead.owner_id), world, users, depts)}
            listed = set(db.session.scalars(
                select(Lead.id).where(Lead.id.in_([x.id for x in leads]), visibility_clause(Lead, user))))
            assert listed == expected
            assert {lead.id for lead in leads if is_visible(Lead, lead.id, user)} == expected
            picked = {row["id"] for row in find_candidates("lead", "prop-", user, 1000)}
            assert picked & {x.id for x in leads} == expected
            request = ExportRequest(entity="lead", user=user, clauses=(Lead.__table__.c.id.in_(lead_ids),))
            assert export_count(request) == len(expected)
            api = app.test_client()
            _key, plaintext = create_key(user.id, "property")
            for lead_id in lead_ids:
                with app.app_context():  # a request of its own, as in production
                    status = api.get(f"/api/v1/lead/{lead_id}", headers={"X-API-Key": plaintext}).status_code
                assert status == (200 if lead_id in expected else 404), (user.username, lead_id, status)
            note_ids = set(db.session.scalars(
                select(Note.id).where(Note.id.in_([n.id for n in notes]), visibility_clause(Note, user))))
            assert note_ids == {n.id for n in notes if n.lead_id in expected}
    finally:
        _cleanup(users, leads, notes, depts, roles)

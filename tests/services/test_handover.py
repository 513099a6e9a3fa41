"""Handover: one transaction moves what a departing user owns; sessions end; twice is harmless."""

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, CrmUser, History, Lead, Opportunity, utcnow
from app.services.handover import handover, preview
from tests.conftest import CrmClient
from tests.factories import make_account, make_activity, make_lead, make_opportunity, make_user, stage


def test_everything_open_moves_and_the_user_is_deactivated(app_ctx, users):
    leaving = make_user("leaving_rep", "Sales Rep")
    receiver = users["Sales Rep"]
    leads = [make_lead(owner=leaving) for _ in range(3)]
    account = make_account(owner=leaving)
    open_opp = make_opportunity(account=account, owner=leaving)
    won_opp = make_opportunity(account=account, owner=leaving, stage_id=stage(won=True).id)
    open_task = make_activity(owner=leaving, account_id=account.id)
    done_task = make_activity(owner=leaving, account_id=account.id, done_at=utcnow())
    assert preview(leaving.id) == {"lead": 3, "account": 1, "contact": 0, "opportunity": 1, "activity": 1, "ticket": 0}

    report = handover(leaving.id, receiver.id)
    assert report.moved == {"lead": 3, "account": 1, "contact": 0, "opportunity": 1, "activity": 1, "ticket": 0}
    assert report.deactivated
    db.session.expire_all()
    assert all(db.session.get(Lead, lead.id).owner_id == receiver.id for lead in leads)
    assert db.session.get(Opportunity, open_opp.id).owner_id == receiver.id
    assert db.session.get(Opportunity, won_opp.id).owner_id == leaving.id  # closed deals keep their owner
    assert db.session.get(Activity, open_task.id).owner_id == receiver.id
    assert db.session.get(Activity, done_task.id).owner_id == leaving.id
    assert db.session.get(CrmUser, leaving.id).active is False
    notes = db.session.scalars(select(History.note).where(History.action == "handover")).all()
    assert len(notes) == 6 and all("→" in n for n in notes)

    again = handover(leaving.id, receiver.id)
    assert sum(again.moved.values()) == 0 and not again.deactivated


def test_handover_to_the_pool(app_ctx):
    leaving = make_user("leaving2", "Sales Rep")
    lead = make_lead(owner=leaving)
    handover(leaving.id, None)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).owner_id is None


def test_a_deactivated_user_is_logged_out_at_once(app, app_ctx):
    leaving = make_user("leaving3", "Sales Rep", password="Test-Passw0rd!")
    client = CrmClient(app.test_client())
    assert client.login("leaving3").status_code == 302
    assert client.get("/lead/list/").status_code == 200
    handover(leaving.id, None)
    response = client.get("/lead/list/")
    assert response.status_code == 302 and "/login/" in response.location


def test_cli(app):
    with app.app_context():
        make_user("leaving4", "Sales Rep")
        make_lead(owner=db.session.scalar(select(CrmUser).where(CrmUser.username == "leaving4")))
    result = app.test_cli_runner().invoke(args=["crm", "handover", "leaving4", "sales_rep"])
    assert result.exit_code == 0, result.output
    assert "lead 1" in result.output
    result = app.test_cli_runner().invoke(args=["crm", "handover", "leaving4"])
    assert result.exit_code != 0


def test_admin_screen(app_ctx, login):
    leaving = make_user("leaving5", "Sales Rep")
    lead = make_lead(owner=leaving)
    admin = login("Admin")
    page = admin.get(f"/handover/?departing={leaving.id}").get_data(as_text=True)
    assert "leaving5" in page
    admin.post_form("/handover/", {"departing": str(leaving.id), "receiver": "pool"},
                    form_page=f"/handover/?departing={leaving.id}")
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).owner_id is None
    assert login("Sales Manager").get("/handover/").status_code == 403

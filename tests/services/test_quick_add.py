"""Quick add 快速录入: little is required, the last channel/source is remembered, duplicates warn."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import CapturePreference, History, Lead
from app.services import quick_add
from app.services.channels import origin_errors
from tests.factories import first_source, make_account, make_contact, make_lead


@pytest.fixture(autouse=True)
def _english(app_ctx):
    with force_locale("en"):
        yield


def _count():
    return db.session.scalar(select(func.count(Lead.id)))


def test_a_name_and_one_way_to_reach_them_are_enough(app_ctx, users):
    rep = users["Sales Rep"]
    lead = quick_add.quick_add({"person_name": " 王先生 ", "wechat": "wang_2026"}, rep)
    stored = db.session.get(Lead, lead.id)
    assert stored.person_name == "王先生" and stored.wechat == "wang_2026"
    assert stored.owner_id == rep.id and stored.status == "new" and stored.channel == "online"
    assert stored.company_name is None and stored.mobile is None  # blanks stored as NULL
    assert db.session.scalar(select(History.action).where(History.record_id == lead.id)) == "create"


@pytest.mark.parametrize("data, field, message", [
    ({"mobile": "13800138000"}, "person_name", "Enter a name or a company."),
    ({"company_name": "上海某某有限公司"}, "mobile", "Enter at least one way to reach them"),
    ({"person_name": "李", "mobile": "12"}, "mobile", "Enter a valid phone number"),
    ({"person_name": "李", "email": "not-an-email"}, "email", "Enter a valid e-mail address"),
    ({"person_name": "李", "wechat": "x", "channel": "carrier pigeon"}, "channel", "Choose a channel"),
    ({"person_name": "李" * 101, "wechat": "x"}, "person_name", "At most 100 characters."),
])
def test_invalid_input_is_refused_field_by_field(app_ctx, users, data, field, message):
    with pytest.raises(quick_add.Invalid) as refused:
        quick_add.quick_add(data, users["Sales Rep"])
    assert str(refused.value.errors[field]).startswith(message)
    assert _count() == 0


def test_source_must_belong_to_the_channel(app_ctx, users):
    rep = users["Sales Rep"]
    trade_show = first_source("offline")
    with pytest.raises(quick_add.Invalid) as refused:
        quick_add.quick_add({"person_name": "李", "wechat": "x", "channel": "online",
                             "source_id": str(trade_show.id)}, rep)
    assert "belongs to the channel Offline" in str(refused.value.errors["source_id"])
    assert origin_errors("offline", trade_show) == {}


def test_channel_and_source_default_to_the_last_choice(app_ctx, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    assert quick_add.defaults(rep) == quick_add.Defaults("online", None)
    trade_show = first_source("offline")
    quick_add.quick_add({"person_name": "李", "wechat": "x", "channel": "offline",
                         "source_id": str(trade_show.id)}, rep)
    assert quick_add.defaults(rep) == quick_add.Defaults("offline", trade_show.id)
    assert quick_add.defaults(manager).channel == "online"  # per user
    lead = quick_add.quick_add({"person_name": "赵", "wechat": "y"}, rep)  # no channel sent: the default
    assert db.session.get(Lead, lead.id).channel == "offline"
    assert db.session.get(CapturePreference, rep.id).source_id is None  # the newest choice wins


def test_a_referral_points_to_a_visible_contact_or_account(app_ctx, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    referral = first_source("referral")
    contact = make_contact(owner=rep)
    lead = quick_add.quick_add({"person_name": "周", "mobile": "13900001111", "channel": "referral",
                                "source_id": str(referral.id), "referrer_contact_id": str(contact.id)}, rep)
    assert db.session.get(Lead, lead.id).referrer_contact_id == contact.id
    hidden = make_account(owner=manager)
    with pytest.raises(quick_add.Invalid) as refused:
        quick_add.quick_add({"person_name": "吴", "wechat": "z", "channel": "referral",
                             "referrer_account_id": str(hidden.id)}, rep)
    assert "referrer_account_id" in refused.value.errors
    with pytest.raises(quick_add.Invalid) as refused:
        quick_add.quick_add({"person_name": "郑", "wechat": "z", "channel": "online",
                             "referrer_contact_id": str(contact.id)}, rep)
    assert str(refused.value.errors["referrer_contact_id"]) == "Only a referral names who referred it."


def test_a_likely_duplicate_stops_the_save_until_forced(app_ctx, users):
    rep = users["Sales Rep"]
    existing = make_lead(owner=rep, mobile="138-0013-8000")
    data = {"person_name": "陈", "mobile": "+86 13800138000"}
    with pytest.raises(quick_add.PossibleDuplicates) as dup:
        quick_add.quick_add(data, rep)
    assert [c.id for c in dup.value.candidates] == [existing.id]
    assert _count() == 1
    assert quick_add.quick_add(data, rep, force=True).id != existing.id
    assert _count() == 2


def test_duplicates_outside_the_scope_are_not_shown(app_ctx, users):
    make_lead(owner=users["Sales Manager"], mobile="13800138000")
    lead = quick_add.quick_add({"person_name": "陈", "mobile": "13800138000"}, users["Sales Rep"])
    assert lead.id

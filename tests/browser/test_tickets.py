"""In Chinese: an outside person asks a question as an existing customer, a service user answers,
the customer reads the answer through the private link and replies, the ticket closes, and the
account page (also the owning salesperson's) shows it."""

import re

import pytest

from .conftest import login

pytestmark = pytest.mark.browser


def _customer(db):
    """A demo contact whose mobile belongs to nobody else, with its account and the account's owner."""
    return db.execute(
        "SELECT c.mobile, c.account_id, a.owner_id FROM contact c JOIN account a ON a.id = c.account_id "
        "WHERE c.deleted_at IS NULL AND a.deleted_at IS NULL AND c.mobile_key IS NOT NULL "
        "AND (SELECT count(*) FROM contact d WHERE d.mobile_key = c.mobile_key) = 1 "
        "AND (SELECT count(*) FROM account e WHERE e.phone_key = c.mobile_key) = 0 "
        "AND a.owner_id IS NOT NULL ORDER BY c.id LIMIT 1"
    ).fetchone()


def test_customer_question_answered_through_the_private_link(
    chromium, live_server, page, live_db, results_dir
):
    mobile, account_id, owner_id = _customer(live_db)
    errors = []

    # 1. an outside person, not logged in, writes in Chinese as an existing customer
    outsider = chromium.new_context(base_url=live_server, locale="zh-CN")
    visitor = outsider.new_page()
    visitor.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    visitor.goto("/inquiry/?lang=zh")
    assert visitor.locator("h1").inner_text() == "在线咨询"
    visitor.check("input[name=kind][value=customer]")
    visitor.fill("#name", "赵客户")
    visitor.fill("#mobile", mobile)
    visitor.fill("#question", "设备开机后报警 E42，怎么处理？")
    visitor.click("form.crm-inquiry-form button[type=submit]")
    visitor.wait_for_url(re.compile(r".*/inquiry/thanks"))
    number = visitor.locator(".crm-ticket-number").inner_text()
    link = visitor.locator("a.crm-ticket-link").get_attribute("href")
    assert re.fullmatch(r"T\d{8}-\d{4}", number) and "/support/ticket/" in link
    assert "谢谢" in visitor.content()
    visitor.screenshot(path=str(results_dir / "ticket-1-inquiry-thanks.png"), full_page=True)
    ticket_id, matched = live_db.execute(
        "SELECT id, account_id FROM ticket WHERE number = ?", (number,)
    ).fetchone()
    assert matched == account_id  # matched to the customer by the mobile number

    # 2. a service user finds it in the list and answers, asking the customer for more
    login(page, "service1")
    page.goto("/ticket/list/?qf=open")
    assert number in page.content()
    page.goto(f"/ticket/show/{ticket_id}")
    page.fill("#body", "您好，请先断电重启；如仍报警请告诉我们设备序列号。")
    page.select_option("#then_status", "waiting_customer")
    page.click("button.crm-send-reply")
    page.wait_for_load_state()
    assert "回复已发送" in page.content() and "等待客户回复" in page.content()
    page.fill("#body", "老客户，注意跟进")
    page.click("button.crm-add-note")
    page.wait_for_load_state()
    page.screenshot(path=str(results_dir / "ticket-2-service-answered.png"), full_page=True)

    # 3. the customer reads the answer through the private link (never the internal note) and replies
    visitor.goto(link)
    assert "请先断电重启" in visitor.content() and "老客户，注意跟进" not in visitor.content()
    assert "等待客户回复" in visitor.content()
    visitor.fill("#body", "重启后正常了，谢谢！序列号 SN-889")
    visitor.click("form.crm-portal-reply button[type=submit]")
    visitor.wait_for_load_state()
    assert "您的留言已发送" in visitor.content() and "SN-889" in visitor.content()
    visitor.screenshot(path=str(results_dir / "ticket-3-customer-replied.png"), full_page=True)
    assert visitor.goto(link[:-3] + "xyz").status == 404  # a wrong token reveals nothing

    # 4. the service user sees the reply and closes the ticket
    page.goto(f"/ticket/show/{ticket_id}")
    assert "SN-889" in page.content() and "处理中" in page.content()
    page.click("button.crm-status-closed")
    page.wait_for_load_state()
    status = live_db.execute("SELECT status, closed_at FROM ticket WHERE id = ?", (ticket_id,)).fetchone()
    assert status[0] == "closed" and status[1] is not None

    # 5. the account page shows it, to the service user and to the salesperson who owns the account
    page.goto(f"/account/show/{account_id}")
    panel = page.locator(".crm-related-tickets")
    assert number in panel.inner_text() and "已关闭" in panel.inner_text()
    owner = live_db.execute("SELECT username FROM ab_user WHERE id = ?", (owner_id,)).fetchone()[0]
    page.goto("/logout/")
    login(page, owner)
    page.goto(f"/account/show/{account_id}")
    assert number in page.locator(".crm-related-tickets").inner_text()
    page.screenshot(path=str(results_dir / "ticket-4-account-page.png"), full_page=True)
    visitor.goto(link)
    assert "此工单已关闭" in visitor.content() and visitor.locator("form.crm-portal-reply").count() == 0
    outsider.close()
    assert not [e for e in errors if "404" not in e], errors

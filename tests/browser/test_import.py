"""In Chinese: upload customers_gbk.csv, confirm the proposed mapping, watch the progress bar, read the
report, download the failed rows, undo the import — and export the list."""

import csv
import io
import re
from pathlib import Path

import pytest

from tests.shared_data import DATA

from .conftest import login

pytestmark = pytest.mark.browser
SAMPLE = DATA / "customers_gbk.csv"


def _live_leads(db, user_id) -> int:
    return db.execute(
        "SELECT count(*) FROM lead WHERE deleted_at IS NULL AND owner_id = ?", (user_id,)
    ).fetchone()[0]


def test_import_customers_in_chinese_then_undo(page, live_db, results_dir):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    rep = live_db.execute("SELECT id FROM ab_user WHERE username = 'rep_east1'").fetchone()[0]
    before = _live_leads(live_db, rep)
    login(page, "rep_east1")
    page.goto("/lang/zh")
    page.goto("/lead/list/")
    page.click("a.crm-import-link")  # the list's 导入 button
    page.wait_for_url(re.compile(r".*/import/\?entity=lead"))
    assert page.locator("select#entity").input_value() == "lead"
    page.set_input_files("input#file", str(SAMPLE))
    page.click("form.crm-import-upload button[type=submit]")
    page.wait_for_url(re.compile(r".*/import/\d+/mapping"))
    # the proposed mapping, read from the Chinese headers of a GBK file
    assert page.locator("select[aria-label='客户名称']").input_value() == "company_name"
    assert page.locator("select[aria-label='联系人']").input_value() == "person_name"
    assert page.locator("select[aria-label='联系电话']").input_value() == "mobile"
    assert "确认列对应" in page.content()
    page.screenshot(path=str(results_dir / "import-mapping.png"), full_page=True)
    page.click("form.crm-import-mapping button[type=submit]")
    page.wait_for_url(re.compile(r".*/import/\d+/preview"))
    assert "苏州物流宏通有限公司" in page.content()
    page.click("button.crm-import-start")
    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    bar = page.locator(".crm-import-progress .progress-bar")
    assert page.locator(".crm-import-progress .progress").is_visible()  # the bar itself is 0 px wide at 0 %
    page.wait_for_selector(".crm-import-report", timeout=60_000)  # the page polls, then shows the report
    assert bar.get_attribute("aria-valuenow") == "100"
    assert page.locator(".crm-count-created").inner_text() == "200"
    assert page.locator(".crm-count-failed").inner_text() == "0"
    assert "已完成" in page.content()
    assert _live_leads(live_db, rep) == before + 200
    page.screenshot(path=str(results_dir / "import-report.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("a.crm-import-failed")
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[0] == "行" and header[-1] == "原因" and "客户名称" in header
    page.once("dialog", lambda dialog: dialog.accept())  # "undo this import?"
    page.click("button.crm-import-undo")
    page.wait_for_selector(".alert-info")
    assert "已撤销" in page.content()
    assert _live_leads(live_db, rep) == before
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_export_from_the_list_in_chinese(page):
    login(page, "rep_east1")
    page.goto("/lang/zh")
    page.goto("/lead/list/?qf=mine")
    with page.expect_download() as download_info:
        page.click("a.crm-export-csv")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1] == "姓名" or rows[0][1] != "Person name"
    assert len(rows) >= 1

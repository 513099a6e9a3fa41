"""The pipeline board 销售漏斗看板 on a desktop: a rep drags an opportunity to the next stage and finds it
there after a reload; drags another to lost and is asked for the lost reason first. Screenshots of
the board in both languages go to docs/screenshots/."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import LIVE_DB, ROOT, login

pytestmark = pytest.mark.browser
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _open_columns(page) -> list[str]:
    return page.eval_on_selector_all(".crm-pipe-col[data-kind=open]", "els => els.map(e => e.dataset.stage)")


def _card_in(page, stage: str):
    return page.locator(f'.crm-pipe-col[data-stage="{stage}"] .crm-pipe-card').first


def _stage_and_version(live_db, pk: str) -> tuple[int, int, int | None]:
    return live_db.execute(
        "SELECT stage_id, version, lost_reason_id FROM opportunity WHERE id = ?", (pk,)
    ).fetchone()


def _drag(page, card, column):
    with page.expect_response(lambda r: "/pipeline/move/" in r.url) as answer:
        card.drag_to(column.locator(".crm-pipe-col-head"))
    return answer.value


def test_rep_drags_to_the_next_stage_and_to_lost(page, live_db, results_dir):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, "rep_east1", lang="en")
    page.click("a:has-text('Pipeline board')")
    page.wait_for_url("**/pipeline/")
    columns = _open_columns(page)
    source = next(
        s for s in columns[:-1] if page.locator(f'.crm-pipe-col[data-stage="{s}"] .crm-pipe-card').count()
    )
    following = columns[columns.index(source) + 1]

    # -- drag to the next stage; after a reload it is still there, and the database agrees -------------
    card = _card_in(page, source)
    pk = card.get_attribute("data-id")
    before = _stage_and_version(live_db, pk)
    count_before = int(page.locator(f'.crm-pipe-col[data-stage="{following}"] .crm-pipe-count').inner_text())
    response = _drag(page, card, page.locator(f'.crm-pipe-col[data-stage="{following}"]'))
    assert response.status == 200, response.text()
    expect(page.locator(f'.crm-pipe-col[data-stage="{following}"] .crm-pipe-count')).to_have_text(
        f"{count_before + 1:,}"
    )
    page.reload()
    expect(
        page.locator(f'.crm-pipe-col[data-stage="{following}"] .crm-pipe-card[data-id="{pk}"]')
    ).to_be_visible()
    expect(
        page.locator(f'.crm-pipe-col[data-stage="{source}"] .crm-pipe-card[data-id="{pk}"]')
    ).to_have_count(0)
    stage_id, version, _reason = _stage_and_version(live_db, pk)
    assert stage_id == int(following) and version == before[1] + 1

    # -- drag to lost: the board asks for the reason; cancelling puts the card back -------------------
    lost = page.locator(".crm-pipe-col[data-kind=lost]")
    card = _card_in(page, following)
    other = card.get_attribute("data-id")
    card.drag_to(lost.locator(".crm-pipe-col-head"))
    modal = page.locator("#crm-pipe-modal")
    expect(modal).to_be_visible()
    expect(modal.locator("#crm-pipe-reason")).to_be_visible()
    expect(modal.locator("#crm-pipe-amount")).to_be_hidden()
    modal.locator("button[type=submit]").click()
    expect(modal.locator(".crm-pipe-modal-error")).to_contain_text("lost reason")
    modal.locator("button.btn-default[data-dismiss=modal]").click()
    expect(modal).to_be_hidden()
    expect(
        page.locator(f'.crm-pipe-col[data-stage="{following}"] .crm-pipe-card[data-id="{other}"]')
    ).to_be_visible()
    assert _stage_and_version(live_db, other)[0] == int(following)

    card = page.locator(f'.crm-pipe-card[data-id="{other}"]')
    card.drag_to(lost.locator(".crm-pipe-col-head"))
    expect(modal).to_be_visible()
    modal.locator("#crm-pipe-reason").select_option(index=1)
    with page.expect_response(lambda r: "/pipeline/move/" in r.url) as answer:
        modal.locator("button[type=submit]").click()
    assert answer.value.status == 200, answer.value.text()
    expect(lost.locator(f'.crm-pipe-card[data-id="{other}"]')).to_be_visible()
    stage_id, _version, reason = _stage_and_version(live_db, other)
    assert stage_id == int(lost.get_attribute("data-stage")) and reason is not None
    page.reload()
    expect(page.locator(f'.crm-pipe-col[data-kind=lost] .crm-pipe-card[data-id="{other}"]')).to_be_visible()

    # -- someone else saved the card meanwhile: the move is refused, the card snaps back, with a reason
    card = _card_in(page, source)
    stale = card.get_attribute("data-id")
    with sqlite3.connect(LIVE_DB["path"]) as db:
        db.execute("UPDATE opportunity SET version = version + 1 WHERE id = ?", (stale,))
    response = _drag(page, card, page.locator(f'.crm-pipe-col[data-stage="{following}"]'))
    assert response.status == 409
    expect(page.locator(".crm-pipe-alert .alert-danger")).to_contain_text("Reload the board")
    expect(
        page.locator(f'.crm-pipe-col[data-stage="{source}"] .crm-pipe-card[data-id="{stale}"]')
    ).to_be_visible()
    assert _stage_and_version(live_db, stale)[0] == int(source)
    page.reload()

    # -- the tap alternative: the card's "Move to…" menu -----------------------------------------------
    card = _card_in(page, source)
    if card.count():
        third = card.get_attribute("data-id")
        with page.expect_response(lambda r: "/pipeline/move/" in r.url):
            card.locator("select.crm-pipe-move").select_option(following)
        expect(
            page.locator(f'.crm-pipe-col[data-stage="{following}"] .crm-pipe-card[data-id="{third}"]')
        ).to_be_visible()
        assert _stage_and_version(live_db, third)[0] == int(following)

    assert not [e for e in errors if "409" not in e], errors  # the refused stale move answered 409
    assert all(url.startswith(page.url.split("/pipeline")[0]) for url in page.crm_requests), (
        "no outside requests"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/pipeline/")
    page.screenshot(path=str(SCREENSHOTS / "pipeline-en.png"))


def test_board_screenshot_in_chinese(page):
    login(page, "manager_east", lang="zh")
    page.goto("/pipeline/")
    expect(page.locator("h2")).to_contain_text("销售漏斗看板")
    expect(page.locator(".crm-pipe-col").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pipeline-zh.png"))
    assert Path(SCREENSHOTS / "pipeline-zh.png").stat().st_size > 10_000

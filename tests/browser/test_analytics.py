"""The executive opens every analytics dashboard in Chinese and in English: every chart draws
(non-empty SVG), a click on a bar opens the matching list, and no request leaves the server."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from app.services.analytics import DASHBOARDS

from .conftest import login

pytestmark = pytest.mark.browser
MARKS = "g.trace path, g.slice path"  # bars, funnel steps, lines, pie slices


def _charts(page) -> list[dict]:
    return json.loads(page.locator("#crm-analytics-data").text_content())["charts"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_executive_dashboards_draw_offline_and_drill_down(page, live_server, results_dir, lang):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "executive", lang=lang)
    drawn = 0
    for dashboard in DASHBOARDS:
        page.goto(f"/analytics/{dashboard.key}")
        charts = _charts(page)
        assert charts, dashboard.key
        for chart in charts:
            box = page.locator(f"#chart-{chart['key']}")
            if chart["chart"] == "table":
                assert box.locator("tr").count() >= 2, chart["key"]
                continue
            page.wait_for_selector(f"#chart-{chart['key']}[data-drawn='1']")
            assert box.locator("svg.main-svg").count() >= 1, chart["key"]
            has_data = any(v for s in chart["series"] for v in s["values"] if v)
            if has_data:
                assert box.locator(MARKS).count() > 0, chart["key"]
                drawn += 1
        page.screenshot(path=str(results_dir / f"analytics-{dashboard.key}-{lang}.png"), full_page=True)
    assert drawn >= 20
    assert ("销售漏斗" if lang == "zh" else "Sales funnel") in page.content()

    # a click on the first bar of the pipeline opens the list of exactly those opportunities
    page.goto("/analytics/pipeline")
    page.wait_for_selector("#chart-pipeline_stage[data-drawn='1']")
    chart = next(c for c in _charts(page) if c["key"] == "pipeline_stage")
    first_bar = page.locator("#chart-pipeline_stage path.point").first
    bounds = first_bar.bounding_box()
    with page.expect_navigation():
        page.mouse.click(bounds["x"] + bounds["width"] / 2, bounds["y"] + bounds["height"] / 2)
    assert "/opportunity/list/" in page.url and "a_e=opportunity" in page.url
    count = re.search(r"(?:Record Count|记录数目?)\s*:?\s*</strong>\s*:?\s*(\d+)", page.content())
    assert count and int(count.group(1)) == chart["series"][2]["values"][0]
    assert page.locator(".crm-drill").count() == 1

    host = urlparse(live_server).netloc
    outside = [
        u for u in page.crm_requests if not u.startswith(("data:", "blob:")) and urlparse(u).netloc != host
    ]
    assert not outside, outside
    assert any("/analytics/lib/plotly-" in u for u in page.crm_requests)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors

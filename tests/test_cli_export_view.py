"""`flask crm export --view <id> --as-user USER`: a saved view 场景, as that user sees it."""

from __future__ import annotations

import csv

from app.services import saved_views as views
from tests.factories import make_lead


def test_export_command_with_a_view(app, app_ctx, users, tmp_path):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    make_lead(owner=rep, person_name="b 代表", status="new")
    make_lead(owner=rep, person_name="a 代表", status="new")
    make_lead(owner=rep, person_name="c 代表旧", status="contacted")
    make_lead(owner=manager, person_name="d 经理", status="new")
    view = views.save_view(manager, "LeadView", "新线索", {
        "f_status": "new", "_oc_LeadView": "person_name", "_od_LeadView": "asc"}, "department", may_share=True)
    private = views.save_view(manager, "LeadView", "私有", {})
    runner, target = app.test_cli_runner(), tmp_path / "leads.csv"
    result = runner.invoke(args=["crm", "export", "--entity", "lead", "--to", str(target), "--as-user", "sales_rep",
                                 "--view", str(view.id)])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig") as handle:
        assert [r[1] for r in list(csv.reader(handle))[1:]] == ["a 代表", "b 代表"]
    refused = runner.invoke(args=["crm", "export", "--entity", "lead", "--as-user", "sales_rep",
                                  "--view", str(private.id)])
    assert refused.exit_code != 0 and "没有这个场景" in refused.output
    assert runner.invoke(args=["crm", "export", "--view", str(view.id)]).exit_code != 0  # whose scope? say who

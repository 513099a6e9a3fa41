"""Export: everything matching, within the scope, headers in the user's language, safe cells, logged."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from app.extensions import db
from app.models import ExportLog, Lead
from app.services import export
from tests.factories import make_account, make_contact, make_lead, make_opportunity


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_holds_every_visible_row_with_translated_headers(users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    mine = [make_lead(owner=rep, person_name=f"甲{i}", status="qualified") for i in range(3)]
    make_lead(owner=None, person_name="公海")
    make_lead(owner=users["Sales Director"], person_name="别人的")
    req = export.ExportRequest(entity="lead", user=rep, format="csv", language="zh", door="api",
                               filters={"q": "x"})
    rows = rows_of("".join(export.stream_csv(req)))
    header, body = rows[0], rows[1:]
    assert header == export.headers(req) and header[1] != "Person name"
    names = {r[1] for r in body}
    assert names == {"甲0", "甲1", "甲2", "公海"}
    status = [r[10] for r in body if r[1].startswith("甲")]
    assert len(set(status)) == 1 and status[0] not in ("qualified", "")  # a label, not the code
    assert int(body[0][0]) > int(body[-1][0])  # newest first, as the list
    log = db.session.scalars(select(ExportLog)).one()
    assert (log.entity, log.row_count, log.user_id, log.door, log.filters) == ("lead", 4, rep.id, "api", {"q": "x"})
    assert len(mine) == 3
    manager_rows = rows_of("".join(export.stream_csv(export.ExportRequest(entity="lead", user=manager))))
    assert len(manager_rows) - 1 == 4  # the rep's three, the pool; not the director's


def test_clauses_and_order_are_applied(users):
    rep = users["Sales Rep"]
    for name in ("b", "a", "c"):
        make_lead(owner=rep, person_name=name, city="上海" if name != "c" else "北京")
    req = export.ExportRequest(entity="lead", user=rep, clauses=(Lead.city == "上海",),
                               order_by=(Lead.person_name.asc(),), language="en")
    rows = rows_of("".join(export.stream_csv(req)))
    assert rows[0][1] == "Person name"
    assert [r[1] for r in rows[1:]] == ["a", "b"]


def test_chosen_columns_export_in_the_lists_order_after_the_id(users, tmp_path):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="=甲", mobile="13800000001", city="上海")
    req = export.ExportRequest(entity="lead", user=rep, language="en",
                               chosen=("mobile", "person_name", "no_such_column", "id", "mobile"))
    rows = rows_of("".join(export.stream_csv(req)))
    assert rows == [["ID", "Mobile", "Person name"], [str(lead.id), "13800000001", "'=甲"]]
    path, count = export.write_xlsx(export.ExportRequest(entity="lead", user=rep, format="xlsx", language="en",
                                                         chosen=("owner",)), tmp_path / "chosen.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert count == 1 and [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["ID", "Owner"], [lead.id, rep.display_name]]


def test_numbers_stay_numbers_and_formulas_are_neutralised(users, tmp_path):
    manager = users["Sales Manager"]
    account = make_account(owner=manager, name="=1+1 公司")
    make_opportunity(account=account, owner=manager, name="-cmd", amount=Decimal("1250.50"))
    rows = rows_of("".join(export.stream_csv(export.ExportRequest(entity="opportunity", user=manager))))
    assert rows[1][1] == "'-cmd" and rows[1][2] == "'=1+1 公司"
    assert float(rows[1][3]) == 1250.5
    path, count = export.write_xlsx(export.ExportRequest(entity="opportunity", user=manager, format="xlsx"),
                                    str(tmp_path / "o.xlsx"))
    sheet = openpyxl.load_workbook(path).active
    values = [c for c in sheet.iter_rows(min_row=2, values_only=False)][0]
    assert values[2].value == "=1+1 公司" and values[2].data_type == "s"
    assert values[3].value == 1250.5 and values[3].data_type == "n"
    assert count == 1


def test_contacts_without_an_account_export_with_a_blank_account(users):
    manager = users["Sales Manager"]
    make_contact(owner=manager, name="无客户")
    rows = rows_of("".join(export.stream_csv(export.ExportRequest(entity="contact", user=manager))))
    assert len(rows) == 2 and "无客户" in rows[1]
    assert "nan" not in rows[1] and "" in rows[1]


def test_neutralise():
    assert export.neutralise("=A1") == "'=A1"
    assert export.neutralise("\rx") == "'\rx"
    assert export.neutralise("-10") == "-10"
    assert export.neutralise("+86 138") == "'+86 138"
    assert export.neutralise("正常") == "正常"

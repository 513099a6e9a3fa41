"""The streaming XLSX writer: a workbook openpyxl (and so Excel) reads, text never a formula."""

from __future__ import annotations

from decimal import Decimal

import openpyxl

from app.services.xlsx_stream import SheetWriter


def test_text_numbers_blanks_and_hostile_strings(tmp_path):
    path = tmp_path / "s.xlsx"
    with SheetWriter(path, 'Leads & "more"') as sheet:
        sheet.append_row(["编号", "姓名", "金额"])
        sheet.append_columns([[1, 2, 3, None], ["=1+1", "\t=cmd|' /C calc'!A0", None, "a<b>&c\x01d"],
                              [Decimal("1250.50"), -10, 2.5, "2024-01-02 10:00"]], [False, True, False])
        sheet.append_columns([[4], ["  spaced  "], [float("nan")]], [False, True, False])
        assert sheet.rows == 6
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws.title == 'Leads & "more"'
    cells = list(ws.iter_rows())
    assert [[c.value for c in row] for row in cells] == [
        ["编号", "姓名", "金额"],
        [1, "=1+1", 1250.5],
        [2, "\t=cmd|' /C calc'!A0", -10],
        [3, None, 2.5],
        [None, "a<b>&cd", "2024-01-02 10:00"],
        [4, "  spaced  ", None],
    ]
    kinds = {c.data_type for row in cells for c in row if c.value is not None}
    assert "f" not in kinds
    assert cells[1][1].data_type == "s" and cells[1][2].data_type == "n"


def test_nothing_but_a_header(tmp_path):
    path = tmp_path / "e.xlsx"
    with SheetWriter(path, "Notes") as sheet:
        sheet.append_row(["Text"])
        sheet.append_columns([[]], [True])
    assert [[c.value for c in r] for r in openpyxl.load_workbook(path).active.iter_rows()] == [["Text"]]


def test_text_columns_with_odd_cells(tmp_path):
    """Text columns are probed as a whole: numbers, zero, False and NaN in them still come out right,
    and a column needing escapes or dropped control characters only changes those cells."""
    path = tmp_path / "o.xlsx"
    with SheetWriter(path, "Odd") as sheet:
        sheet.append_columns([["a", 0, False, float("nan"), None, "", 12], ["x", "y&z", "\x02w", "<v>", None, "", "ok"],
                              ["2024-01-02 10:00", None, "2024-01-03 11:00", None, None, None, None]],
                             [True, True, False])
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path).active.iter_rows()]
    assert rows == [["a", "x", "2024-01-02 10:00"], ["0", "y&z", None], ["False", "w", "2024-01-03 11:00"],
                    [None, "<v>", None], [None, None, None], [None, None, None], ["12", "ok", None]]

"""Reading files as people make them: encodings, title rows, Excel safety, size limits."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from app.services.errors import ValidationFailed
from app.services.importing.fields import propose_mapping
from app.services.importing.reading import Limits, detect_encoding, open_table

LIMITS = Limits(max_bytes=10 * 2**20, max_rows=1000, max_unzipped_bytes=50 * 2**20)
ROWS = "姓名,手机,邮箱\n张三,13800138000,a@b.cn\n李四,13900139000,c@d.cn\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "f.csv"
    path.write_bytes(ROWS.encode(encoding))
    table = open_table(path, "f.csv", "lead", LIMITS)
    assert table.headers == ["姓名", "手机", "邮箱"]
    frame = next(table.chunks())
    assert frame[0].tolist() == ["张三", "李四"]
    assert frame["_line"].tolist() == [2, 3]


def test_gb18030_only_characters():
    assert detect_encoding("䶮,€".encode("gb18030")) == "gb18030"


def test_title_row_above_the_header_is_skipped_and_lines_still_count_it(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("2024年客户名单（市场部）\n" + ROWS, encoding="utf-8")
    table = open_table(path, "f.csv", "lead", LIMITS)
    assert table.header_line == 2
    assert next(table.chunks())["_line"].tolist() == [3, 4]


def test_blank_rows_are_dropped_but_keep_line_numbers(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("姓名,手机\n张三,13800138000\n,\n\n李四,13900139000\n", encoding="utf-8")
    frame = next(open_table(path, "f.csv", "lead", LIMITS).chunks())
    assert frame["_line"].tolist() == [2, 5]


def test_xlsx_title_row_numbers_and_formulas_as_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Lead list 2024"])
    sheet.append(["Full name", "Mobile", "Notes"])
    sheet.append(["Ann", 13800138000, "=1+1"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    table = open_table(path, "f.xlsx", "lead", LIMITS)
    assert table.header_line == 2 and table.headers == ["Full name", "Mobile", "Notes"]
    frame = next(table.chunks())
    assert frame.iloc[0].tolist()[:3] == ["Ann", "13800138000", "=1+1"]


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 2**20))
    with pytest.raises(ValidationFailed, match="unpacks"):
        open_table(path, "bomb.xlsx", "lead", LIMITS)


def test_xml_entities_are_refused(tmp_path):
    """defusedxml: a billion-laughs workbook does not expand."""
    book = openpyxl.Workbook()
    good = tmp_path / "good.xlsx"
    book.save(good)
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>', 1)
            dst.writestr(item, data)
    with pytest.raises(ValidationFailed):
        open_table(evil, "evil.xlsx", "lead", LIMITS)


def test_size_and_row_limits_have_clear_messages(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(ROWS * 10, encoding="utf-8")
    with pytest.raises(ValidationFailed, match="largest file accepted"):
        open_table(path, "f.csv", "lead", Limits(max_bytes=100, max_rows=1000, max_unzipped_bytes=1))
    with pytest.raises(ValidationFailed, match="at most 5 rows"):
        open_table(path, "f.csv", "lead", Limits(max_bytes=2**20, max_rows=5, max_unzipped_bytes=1))


def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"hello")
    with pytest.raises(ValidationFailed, match="not an Excel workbook"):
        open_table(path, "f.xlsx", "lead", LIMITS)


def test_header_synonyms_in_both_languages(app_ctx):  # custom fields join the synonyms: needs the app
    assert propose_mapping("lead", ["姓名", "手机号码", "电子邮箱", "单位名称", "线索来源", "Unknown"]) == {
        "姓名": "person_name", "手机号码": "mobile", "电子邮箱": "email", "单位名称": "company_name",
        "线索来源": "source", "Unknown": ""}
    assert propose_mapping("lead", ["Full name", "E-mail", "Company", "Lead source", "Mobile"]) == {
        "Full name": "person_name", "E-mail": "email", "Company": "company_name", "Lead source": "source",
        "Mobile": "mobile"}
    assert propose_mapping("account", ["客户名称", "联系电话"]) == {"客户名称": "name", "联系电话": "phone"}

"""A one-sheet XLSX written as it streams: the export's million-row workbooks in seconds, in flat memory.

openpyxl's write-only mode builds a cell object per value (about 40 µs a row for a lead); here the
sheet's XML is written straight into the zip, a chunk of rows at a time, built column by column.
Text is always an inline string cell (`t="inlineStr"`), so nothing a person typed can ever become a
formula; numbers are number cells. Characters XML cannot carry (control characters other than tab,
line feed and carriage return) are dropped, as a spreadsheet could not show them anyway.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STATIC = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}
_EMPTY = "<c/>"


class SheetWriter:
    """`with SheetWriter(path, "Leads") as sheet: sheet.append_columns(columns, texts)` …"""

    def __init__(self, path, title: str):
        self.rows = 0
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        for name, xml in _STATIC.items():
            self._zip.writestr(name, _DECLARATION + xml)
        self._zip.writestr("xl/workbook.xml", _DECLARATION + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._write(_DECLARATION + f'<worksheet xmlns="{_MAIN}"><sheetData>')

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def append_row(self, values: Sequence) -> None:
        """One row of text cells (the header)."""
        self.append_columns([[v] for v in values], [True] * len(values))

    def append_columns(self, columns: Sequence[list], texts: Sequence[bool]) -> None:
        """Rows given column by column (equal lengths); `texts[i]` says column i holds text."""
        if not columns or not columns[0]:
            return
        cells = [_text_cells(values) if text else _number_cells(values)
                 for values, text in zip(columns, texts, strict=True)]
        first = self.rows + 1
        self.rows += len(columns[0])
        xml = "".join([f'<row r="{n}">{"".join(row)}</row>'
                       for n, row in zip(range(first, self.rows + 1), zip(*cells, strict=True), strict=True)])
        self._write(xml)

    def close(self) -> None:
        if self._sheet is None:
            return
        self._write("</sheetData></worksheet>")
        self._sheet.close()
        self._sheet = None
        self._zip.close()

    def _write(self, xml: str) -> None:
        self._sheet.write(xml.encode("utf-8"))  # text was cleaned cell by cell (_text_cells)


_OPEN, _CLOSE = '<c t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
_NEEDS_ESCAPE = re.compile("[&<>]")


def _text_cells(values: Sequence) -> list[str]:
    """Inline string cells. One probe over the joined column decides whether any cell needs its
    control characters dropped or its &, <, > escaped (most columns need neither), instead of
    escaping cell by cell."""
    try:
        if 0 in values:  # 0 or False would be taken for blanks below
            raise TypeError
        probe = "\n".join(filter(None, values))  # a separator that is neither illegal nor escaped
    except TypeError:  # a cell that is not text (a number in a text column): as text; NaN blank
        values = [None if v is None or v != v else str(v) for v in values]
        probe = "\n".join(filter(None, values))  # a separator that is neither illegal nor escaped
    if _ILLEGAL.search(probe):
        values = [_ILLEGAL.sub("", v) if v else v for v in values]
    if _NEEDS_ESCAPE.search(probe):
        values = [escape(v) if v else v for v in values]
    return [_OPEN + v + _CLOSE if v else _EMPTY for v in values]


def _number_cells(values: Sequence) -> list[str]:
    """Numbers as numbers; anything else in a number column (a formatted date) as text."""
    kinds = set(map(type, values))
    if kinds <= {int, type(None)}:  # ids, counts: the usual case
        return [_EMPTY if v is None else f"<c><v>{v}</v></c>" for v in values]
    if kinds <= {str, type(None)}:  # local times, dates
        return _text_cells(values)
    out = []
    for v in values:
        if v is None or v != v:
            out.append(_EMPTY)
        elif isinstance(v, (bool, str)):
            out.extend(_text_cells([str(v)]))
        elif isinstance(v, int) or (isinstance(v, (float, Decimal)) and math.isfinite(v)):
            out.append(f"<c><v>{v}</v></c>")
        else:
            out.extend(_text_cells([str(v)]))
    return out

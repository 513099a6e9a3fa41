"""Reading a spreadsheet the way people write them: any encoding Excel uses, a title above the header.

CSV in UTF-8 (with or without BOM) or GBK/GB18030 is detected, never asked. XLSX is read by
openpyxl (which parses XML through defusedxml here) after a zip-bomb check. Every cell arrives as
text; rows carry their 1-based line number in the file, counting the header (and any title) row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from flask_babel import lazy_gettext as _l

from app.services.errors import ValidationFailed

from .fields import score_header

CHUNK_ROWS = 50_000
HEADER_SEARCH_ROWS = 6  # a header may sit under up to five title / note rows
MAX_XLSX_MEMBERS = 2_000
MAX_XLSX_RATIO = 200  # uncompressed / compressed, per member: beyond that it is a bomb, not a sheet


@dataclass
class Limits:
    max_bytes: int
    max_rows: int
    max_unzipped_bytes: int


@dataclass
class Table:
    """A file opened for reading: its header, where the header is, and the rows in chunks."""

    path: Path
    kind: str  # csv | xlsx
    headers: list[str]
    header_line: int  # 1-based line of the header row
    estimated_rows: int
    encoding: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()

    def chunks(self, size: int = CHUNK_ROWS, limit: int | None = None) -> Iterator[pd.DataFrame]:
        """DataFrames of text cells (columns 0..n-1) with a `_line` column; blank rows dropped."""
        source = self._csv_chunks(size, limit) if self.kind == "csv" else self._xlsx_chunks(size, limit)
        for frame in source:
            cells = frame.drop(columns="_line")
            keep = (cells != "").any(axis=1)
            if not keep.all():
                frame = frame[keep]
            if len(frame):
                yield frame

    def _csv_chunks(self, size: int, limit: int | None) -> Iterator[pd.DataFrame]:
        width = len(self.headers)
        reader = pd.read_csv(
            self.path, encoding=self.encoding, dtype=str, keep_default_na=False, header=None,
            skiprows=self.header_line, names=list(range(width)), usecols=range(width),
            skip_blank_lines=False, chunksize=size, nrows=limit, engine="c",
            encoding_errors="replace",
        )
        line = self.header_line + 1
        try:
            with reader:
                for frame in reader:
                    frame = frame.fillna("")
                    frame["_line"] = range(line, line + len(frame))
                    line += len(frame)
                    yield frame
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise ValidationFailed(_l("The file could not be read as CSV: %(error)s", error=str(exc)[:200])) from exc

    def _xlsx_chunks(self, size: int, limit: int | None) -> Iterator[pd.DataFrame]:
        book = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
        try:
            sheet = book[self.sheet] if self.sheet else book.worksheets[0]
            width, rows, line = len(self.headers), [], self.header_line + 1
            for seen, values in enumerate(sheet.iter_rows(min_row=self.header_line + 1, values_only=True)):
                if limit is not None and seen >= limit:
                    break
                cells = [cell_text(v) for v in values[:width]]
                cells += [""] * (width - len(cells))
                rows.append(cells)
                if len(rows) >= size:
                    yield _frame(rows, line, width)
                    line += len(rows)
                    rows = []
            if rows:
                yield _frame(rows, line, width)
        finally:
            book.close()


def _frame(rows: list[list[str]], first_line: int, width: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(range(width)), dtype=object)
    frame["_line"] = range(first_line, first_line + len(rows))
    return frame


def cell_text(value) -> str:
    """An XLSX cell as the text a person sees: 13800138000 not 13800138000.0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value).strip()


def open_table(path: Path, filename: str, entity: str, limits: Limits, sheet: str | None = None) -> Table:
    """Check size and format, detect encoding / title rows, and read the header."""
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ValidationFailed(_l("The file is %(size)s MB; the largest file accepted is %(limit)s MB.",
                                  size=f"{size / 1024 / 1024:.1f}", limit=limits.max_bytes // 1024 // 1024))
    if size == 0:
        raise ValidationFailed(_l("The file is empty."))
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, entity, limits, sheet)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise ValidationFailed(_l("This is not an Excel workbook (.xlsx). Save it as .xlsx or CSV and try again."))
    return _open_csv(path, entity, limits)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (BOM or not) or GB18030, which includes GBK and GB2312."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    cut = sample.rfind(b"\n") if len(sample) >= 1 << 20 else len(sample)
    part = sample[: cut if cut > 0 else len(sample)]
    for encoding in ("utf-8", "gb18030"):
        try:
            part.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(_l("The file's text encoding was not recognised. Save it as CSV UTF-8 and try again."))


def _open_csv(path: Path, entity: str, limits: Limits) -> Table:
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    if "\x00" in text:
        raise ValidationFailed(_l("This does not look like a CSV or Excel file."))
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    try:
        dialect_rows = list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error as exc:
        raise ValidationFailed(_l("The file could not be read as CSV: %(error)s", error=str(exc)[:200])) from exc
    index = _header_index(entity, dialect_rows)
    headers = _clean_headers(dialect_rows[index] if dialect_rows else [])
    estimated = _count_lines(path) - index - 1
    _check_rows(estimated, limits)
    return Table(path, "csv", headers, index + 1, max(estimated, 0), encoding=encoding)


def _open_xlsx(path: Path, entity: str, limits: Limits, sheet: str | None) -> Table:
    _check_zip(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # corrupt zip/XML, or defusedxml refusing entities
        raise ValidationFailed(_l("The Excel file could not be read: %(error)s", error=str(exc)[:200])) from exc
    try:
        names = tuple(book.sheetnames)
        if sheet and sheet not in names:
            raise ValidationFailed(_l("The workbook has no sheet called %(name)s.", name=sheet))
        ws = book[sheet] if sheet else book.worksheets[0]
        top = [[cell_text(v) for v in row] for row in ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)]
        index = _header_index(entity, top)
        headers = _clean_headers(top[index] if top else [])
        estimated = max((ws.max_row or 0) - index - 1, 0)
    finally:
        book.close()
    _check_rows(estimated, limits)
    return Table(path, "xlsx", headers, index + 1, estimated, sheet=sheet or names[0], sheets=names)


def _check_zip(path: Path, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(_l("The Excel file is damaged.")) from exc
    total = sum(m.file_size for m in members)
    bomb = (
        len(members) > MAX_XLSX_MEMBERS
        or total > limits.max_unzipped_bytes
        or any(m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1) and m.file_size > 1 << 20 for m in members)
    )
    if bomb:
        raise ValidationFailed(_l("The Excel file unpacks to far more data than a spreadsheet holds; it was refused."))


def _header_index(entity: str, rows: list[list]) -> int:
    """The row that looks most like a header; a title row above it scores lower."""
    best, best_score = 0, -1
    for i, row in enumerate(rows):
        filled = [c for c in row if str(c or "").strip()]
        score = score_header(entity, filled) * 10 + (len(filled) if len(filled) > 1 else 0)
        if score > best_score:
            best, best_score = i, score
    return best


def _clean_headers(row: list) -> list[str]:
    """Names for every column; blank or repeated headers get a position so each is distinct."""
    while row and not str(row[-1] or "").strip():
        row = row[:-1]
    out, seen = [], set()
    for i, cell in enumerate(row, start=1):
        name = str(cell or "").strip().lstrip("\ufeff") or f"#{i}"
        while name in seen:
            name = f"{name} ({i})"
        seen.add(name)
        out.append(name)
    if not out:
        raise ValidationFailed(_l("The file has no header row."))
    return out


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (0 if last == b"\n" else 1)


def _check_rows(rows: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise ValidationFailed(_l("The file has %(rows)s rows; at most %(limit)s rows can be imported at once.",
                                  rows=f"{rows:,}", limit=f"{limits.max_rows:,}"))

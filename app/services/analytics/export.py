"""A chart's aggregated data as a table (pandas only shapes what SQL already aggregated)."""

from __future__ import annotations

import io

import pandas as pd

from .engine import ChartData


def to_frame(data: ChartData) -> pd.DataFrame:
    if data.columns:
        return pd.DataFrame([{c["label"]: row.get(c["key"]) for c in data.columns} for row in data.rows],
                            columns=[c["label"] for c in data.columns])
    frame = pd.DataFrame({"": [c["label"] for c in data.categories]})
    for series in data.series:
        frame[series["label"]] = series["values"]
    return frame


def to_csv(data: ChartData) -> bytes:
    # UTF-8 with BOM so Excel opens Chinese text correctly
    return to_frame(data).to_csv(index=False).encode("utf-8-sig")


def to_xlsx(data: ChartData) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        to_frame(data).to_excel(writer, index=False, sheet_name=(data.title or "chart")[:31]
                                .translate(str.maketrans("", "", "[]:*?/\\")) or "chart")
    return buffer.getvalue()

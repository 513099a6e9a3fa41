"""Where the sample spreadsheets of `../shared/data` are: beside the checkout (as CI lays it out), or
in the workplace's /work/shared when the checkout lives elsewhere."""

from pathlib import Path

_BESIDE = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA = _BESIDE if _BESIDE.is_dir() else Path("/work/shared/data")

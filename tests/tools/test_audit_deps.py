"""The dependency audit fails on an advisory that affects our pin and passes a fixed one."""

import importlib.util
import pathlib

import pytest

SPEC = importlib.util.spec_from_file_location(
    "audit_deps", pathlib.Path(__file__).resolve().parents[2] / "tools" / "audit_deps.py")
audit = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(audit)


def _document(version, advisories):
    return {"info": {"version": version}, "releases": {version: [{"yanked": False}]},
            "urls": [], "vulnerabilities": advisories}


@pytest.fixture
def pypi(monkeypatch):
    documents = {}
    monkeypatch.setattr(audit, "installed", dict)
    monkeypatch.setattr(audit, "pins", lambda *files: {"flask": "3.1.3"})
    monkeypatch.setattr(audit, "fetch", lambda url: documents.get(url))
    return documents


def test_an_advisory_on_our_pin_fails(pypi, capsys):
    pypi[f"{audit.INDEX}/flask/3.1.3/json"] = _document(
        "3.1.3", [{"id": "PYSEC-1", "aliases": ["CVE-1"], "fixed_in": ["3.1.4"]}])
    assert audit.main() == 1
    assert "PYSEC-1, CVE-1 (fixed in 3.1.4)" in capsys.readouterr().out


def test_an_advisory_fixed_at_or_below_our_pin_passes(pypi):
    # the per-version document is missing (as on the package proxy): the project one is read
    pypi[f"{audit.INDEX}/flask/json"] = _document("3.1.3", [{"id": "OLD", "fixed_in": ["2.0.0"]}])
    assert audit.main() == 0


def test_an_unfixed_advisory_on_the_latest_release_fails_an_older_pin(pypi):
    pypi[f"{audit.INDEX}/flask/json"] = _document("3.2.0", [{"id": "NEW", "fixed_in": []}])
    assert audit.main() == 1

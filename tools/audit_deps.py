"""Check the pinned and installed dependencies against PyPI's advisory data (the data pip-audit reads).

pip-audit asks PyPI for `/pypi/<name>/<version>/json`; the package proxy this project's machines
reach answers only the per-project document `/pypi/<name>/json`, so pip-audit reports every
package as "could not be audited" there. This script asks for the per-version document first and
falls back to the per-project one, whose `vulnerabilities` describe the latest release: a pin on
the latest release is then checked exactly, an older pin is reported as such with the newest
advisories, and any advisory that is not fixed at or below our pin fails the run.

Exit status: 0 clean, 1 advisories or yanked pins found, 2 PyPI unreachable.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
import urllib.error
import urllib.request

from packaging.version import InvalidVersion, Version

ROOT = pathlib.Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)")
INDEX = "https://pypi.org/pypi"


def pins(*files: str) -> dict[str, str]:
    found = {}
    for name in files:
        for line in (ROOT / name).read_text().splitlines():
            match = PIN.match(line.strip())
            if match:
                found[match.group(1).split("[")[0].lower()] = match.group(2)
    return found


def installed() -> dict[str, str]:
    """Every distribution in the running environment: the pins and what they pulled in."""
    from importlib.metadata import distributions

    return {dist.metadata["Name"].lower(): dist.version for dist in distributions()
            if dist.metadata["Name"] and dist.metadata["Name"].lower() not in ("pip", "setuptools")}


def fetch(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - fixed https host
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def affected(advisory: dict, pinned: Version) -> bool:
    fixed = []
    for text in advisory.get("fixed_in") or []:
        try:
            fixed.append(Version(text))
        except InvalidVersion:
            continue
    # affected unless some fix is at or below our pin
    return not any(version <= pinned for version in fixed)


def main() -> int:
    problems, notes, checked = [], [], {}
    try:
        checked = {**installed(), **pins("requirements.txt", "requirements-dev.txt")}
        for name, version in sorted(checked.items()):
            exact = fetch(f"{INDEX}/{name}/{version}/json")
            document = exact or fetch(f"{INDEX}/{name}/json")
            if document is None:
                notes.append(f"{name}: not on PyPI")
                continue
            pinned = Version(version)
            latest = document["info"]["version"]
            files = document.get("releases", {}).get(version) or document.get("urls") or []
            if any(f.get("yanked") for f in files) and (exact or latest == version):
                problems.append(f"{name}=={version}: yanked")
            advisories = [a for a in document.get("vulnerabilities") or [] if affected(a, pinned)]
            if not exact and latest != version:
                notes.append(f"{name}=={version}: newer release {latest}; advisories read from it")
            for advisory in advisories:
                ids = ", ".join([advisory.get("id", "?"), *advisory.get("aliases", [])])
                fixed = ", ".join(advisory.get("fixed_in") or []) or "no fix yet"
                problems.append(f"{name}=={version}: {ids} (fixed in {fixed})")
    except (urllib.error.URLError, TimeoutError) as exc:
        print(f"PyPI unreachable, dependencies not audited: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}")
    for problem in problems:
        print(f"ADVISORY: {problem}")
    print(f"{len(checked)} packages (pinned and installed) checked, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Fill empty Chinese entries of the catalogue from translations/pending/*.json ({msgid: msgstr}).

Features add their new strings' translations as small JSON files while they work in parallel;
`make translations-merge` extracts the strings, fills the catalogue from those files and compiles.
Entries already translated in the catalogue are kept. Prints the msgids still untranslated.
"""

from __future__ import annotations

import json
import pathlib
import sys

from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "translations/zh/LC_MESSAGES/messages.po"
PENDING = ROOT / "translations/pending"


def main() -> int:
    pending: dict[str, str] = {}
    for path in sorted(PENDING.glob("*.json")):
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.string and (not isinstance(message.string, tuple) or all(message.string)):
            continue
        value = pending.get(key)
        if value is None:
            missing.append(key)
            continue
        if isinstance(message.id, tuple):
            message.string = (value,) * max(1, len(message.string or ("",)))
        else:
            message.string = value
        message.flags.discard("fuzzy")
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=True, include_lineno=False)
    for key in missing:
        print(f"untranslated: {key!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

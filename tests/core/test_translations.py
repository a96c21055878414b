"""The Swedish catalogue is complete: every translatable string in code and templates has a Swedish translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
IGNORED_DIRS = {".venv", "node_modules", "tests", "benchmarks", ".git"}


def extracted_message_ids() -> set[tuple[str, str | None]]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        directory_filter=lambda path: Path(path).name not in IGNORED_DIRS,
    ):
        found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


def swedish_catalog():
    with (ROOT / "locale" / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale="sv")


def test_every_message_has_a_swedish_translation():
    catalog = swedish_catalog()
    missing = []
    for message_id, context in sorted(extracted_message_ids(), key=lambda pair: (pair[0], pair[1] or "")):
        message = catalog.get(message_id, context=context)
        strings = message.string if message and isinstance(message.string, tuple) else (message and message.string,)
        if message is None or message.fuzzy or not all(strings):
            missing.append(message_id)
    assert missing == [], f"{len(missing)} strings lack Swedish (run `make messages`, then translate):\n" + "\n".join(
        missing
    )


def test_translations_keep_the_placeholders_of_their_message():
    for message in swedish_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string:
                assert set(PLACEHOLDER.findall(string)) <= expected | set(PLACEHOLDER.findall(ids[0])), message.id

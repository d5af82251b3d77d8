"""The editors' JavaScript texts, from the one translation catalogue per language.

The texts live as data in static/src/texts/: one JSON file per editor part, {key: English
text}, which the JavaScript bundles as its English fallback, and one JSON list per library
(bpmn-js, form-js, dmn-js) of the library's own English texts that we translate. The
English text is the msgid, as in Python, so `flask i18n sync` extracts them (`extract`,
a Babel extraction method) and each language's translation is in its messages.po. An
editor page renders them with `strings(editor)` into its data-i18n attribute.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from typing import IO, Any

from flask_babel import gettext

TEXTS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "static",
    "src",
    "texts",
)
# Per editor: its text files (later ones win for a key) and the library it translates.
EDITORS: dict[str, tuple[tuple[str, ...], str]] = {
    "modeler": (("shell", "modeler"), "bpmn-js"),
    "formeditor": (("shell", "formeditor"), "form-js"),
    "dmneditor": (("shell", "dmneditor"), "dmn-js"),
}
# The key under which data-i18n carries the library's table (no text key is called so).
LIBRARY = "library"


@cache
def read(name: str) -> Any:
    """The parsed static/src/texts/<name>.json (a dict of texts or a list of library texts)."""
    with open(os.path.join(TEXTS_DIR, f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def english(editor: str) -> dict[str, str]:
    """The editor's own texts in English, {key: text}, as its JavaScript merges them."""
    files, _library = EDITORS[editor]
    merged: dict[str, str] = {}
    for name in files:
        merged.update(read(name))
    return merged


def strings(editor: str) -> dict[str, Any]:
    """data-i18n for an editor page: every key in the UI language, plus the library's table.

    The table holds only the library texts this language changes; the library keeps its
    own English for the rest. gettext gets no variables, so `{name}` placeholders survive.
    """
    _files, library = EDITORS[editor]
    texts: dict[str, Any] = {key: gettext(text) for key, text in english(editor).items()}
    table = {text: gettext(text) for text in read(library)}
    texts[LIBRARY] = {text: ours for text, ours in table.items() if ours != text}
    return texts


def diagram() -> dict[str, str]:
    """data-i18n for the read-only diagrams (diff badges, downloads) in the UI language."""
    return {key: gettext(text) for key, text in read("diagram").items()}


def extract(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: dict[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extraction method for static/src/texts/*.json: each text (the value) a msgid.

    The translator's comment names the key (or the library); the line is the text's own.
    """
    source = fileobj.read().decode("utf-8")
    data = json.loads(source)
    if isinstance(data, dict):
        items = [(_json(key) + ":", text, f"key: {key}") for key, text in data.items()]
    else:
        name = os.path.splitext(os.path.basename(getattr(fileobj, "name", "")))[0]
        items = [(_json(text), text, f"{name}'s own text") for text in data]
    lines = source.splitlines()
    line = 0
    for needle, text, comment in items:
        line = next((i for i in range(line, len(lines)) if needle in lines[i]), line)
        yield line + 1, None, str(text), [comment]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)

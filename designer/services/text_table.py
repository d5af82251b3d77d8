"""The Tekster view: every text of a service side by side per language, what is missing.

Rows come from the draft (card, settings, forms, diagram, decision tables) plus any id a
language file already has (script reasons `reason/<rule>`). The service's own language is
the text where it is written (the editors); the other languages are edited here and kept in
`texts.<language>.json` beside the forms, so versions and compare include them. The card
texts are the model's own (live, like the card).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from designer import languages
from designer.services import drafts
from designer.services.letters.terms import PARTS, base_letter_text
from designer.services.localised import set_card
from designer.services.service_texts import (
    MAX_TEXT,
    TEXT_FILE,
    decision_texts,
    diagram_texts,
    file_name,
    form_texts,
    read,
)
from engine.models import ProcessModel

SETTINGS = ("legal_basis", "appeal", "unit", "appeal_body")


@dataclass
class Row:
    """One text: where it is shown, the service's own wording, the other languages'."""

    text_id: str
    group: str
    where: str
    base: str
    values: dict[str, str] = field(default_factory=dict)
    multiline: bool = False

    def missing(self, lang: str) -> bool:
        return bool(self.base.strip()) and not self.values.get(lang, "").strip()


def _form_place(form: str, text_id: str) -> str:
    """Where a form text is shown, in words: "soknad.json – comment: label"."""
    component, _sep, what = text_id.split("/", 2)[2].partition("/")
    kinds = {"label": _("label"), "description": _("help text"), "text": _("text")}
    if what.startswith("option/"):
        kind = _("option %(value)s", value=what[len("option/") :])
    else:
        kind = kinds.get(what, what)
    return f"{form} – {component}: {kind}"


def _settings_rows(model: ProcessModel, base: str) -> list[Row]:
    rows = []
    labels = {
        "legal_basis": _("Legal basis"),
        "appeal": _("Right to appeal"),
        "unit": _("The unit that decides"),
        "appeal_body": _("Appeal body"),
    }
    for name in SETTINGS:
        value = (model.settings or {}).get(name)
        if not value:
            continue
        written = value if isinstance(value, dict) else {base: str(value)}
        rows.append(
            Row(
                f"service/{name}",
                "settings",
                labels[name],
                str(written.get(base) or written.get("nb") or ""),
                {k: str(v) for k, v in written.items() if k != base and isinstance(v, str)},
                multiline=True,
            )
        )
    return rows


def _letter_rows(model: ProcessModel, files: dict[str, str]) -> list[Row]:
    """The decision letter's own paragraphs (letter/<part>), listed even while empty."""
    labels = {
        "intro": _("Letter: introduction"),
        "approved": _("Letter: when approved"),
        "rejected": _("Letter: when rejected"),
        "contact": _("Letter: contact"),
    }
    settings = model.settings
    return [
        Row(
            f"letter/{part}",
            "letters",
            labels[part],
            base_letter_text(files, settings, part),
            {},
            True,
        )
        for part in PARTS
    ]


def rows_of(model: ProcessModel) -> list[Row]:
    """Every text of the draft with its translations (legacy *_en properties included)."""
    base = languages.base_of(model)
    files = model.draft_files or {}
    card = languages.card_languages(model)
    rows = [
        Row("card/name", "card", _("Name in the catalogue"), card[0][1]),
        Row("card/description", "card", _("Description in the catalogue"), card[0][2], {}, True),
    ]
    for code, name, description in card[1:]:
        rows[0].values[code], rows[1].values[code] = name, description
    rows += _settings_rows(model, base)
    for file, text in sorted(files.items()):
        if not file.startswith("forms/"):
            continue
        try:
            definition = json.loads(text)
        except ValueError:
            continue
        if not isinstance(definition, dict):
            continue
        form = file[len("forms/") :]
        for text_id, written, english in form_texts(form, definition):
            where = _form_place(form, text_id)
            row = Row(text_id, "forms", where, written, multiline=text_id.endswith("/text"))
            if english and base != "en":
                row.values["en"] = english
            rows.append(row)
    for text_id, written, where in diagram_texts(model.draft_bpmn):
        group = "tasks" if text_id.startswith("task/") else "outcomes"
        rows.append(Row(text_id, group, where, written, multiline=text_id.endswith("instructions")))
    for text_id, written, where in decision_texts(files):
        rows.append(Row(text_id, "decisions", where, written, multiline=True))
    rows += _letter_rows(model, files)
    known = {r.text_id for r in rows}
    own = {code: read(files, code) for code in languages.LANGUAGES if code != base}
    extra = sorted({i for texts in own.values() for i in texts if i not in known})
    rows += [Row(i, "reasons", i.split("/", 1)[-1], "", multiline=True) for i in extra]
    for row in rows:
        if row.group == "card":
            continue
        for code, texts in own.items():
            if texts.get(row.text_id):
                row.values[code] = texts[row.text_id]
    return rows


def missing(rows: list[Row], offered: list[str], base: str) -> dict[str, int]:
    """How many texts each offered language (not the service's own) still lacks."""
    return {code: sum(1 for r in rows if r.missing(code)) for code in offered if code != base}


def save(
    session: Session,
    model: ProcessModel,
    typed: dict[tuple[str, str], str],
    actor: str,
) -> None:
    """Store what was typed ((language, text id) -> text) for the other languages; flush.

    Ids the draft does not have are ignored; an emptied text is removed.
    """
    base = languages.base_of(model)
    rows = {r.text_id: r for r in rows_of(model)}
    files = dict(model.draft_files or {})
    card = {
        code: {"name": name, "description": description}
        for code, name, description in languages.card_languages(model)
    }
    for code in languages.LANGUAGES:
        if code == base:
            continue
        texts: dict[str, Any] = dict(read(files, code))
        for (lang, text_id), value in typed.items():
            if lang != code or text_id not in rows:
                continue
            value = value.strip()[:MAX_TEXT]
            if text_id.startswith("card/"):
                card[code][text_id.split("/", 1)[1]] = value
            elif value:
                texts[text_id] = value
            else:
                texts.pop(text_id, None)
        if texts:
            files[file_name(code)] = json.dumps(texts, ensure_ascii=False, indent=2, sort_keys=True)
        else:
            files.pop(file_name(code), None)
    if files != (model.draft_files or {}):
        drafts.write_files(session, model, files, actor)  # expires the model: the card after
    for code, values in card.items():
        if code != base:
            set_card(model, code, values)
    session.flush()


@dataclass
class FileChange:
    """A file that differs between two versions; for a language's texts, which texts."""

    name: str
    status: str  # added | removed | changed
    language: str | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)  # added/changed/removed ids


def compare_files(old: dict[str, str], new: dict[str, str]) -> list[FileChange]:
    """What changed besides the diagram: forms, decision tables, the texts per language."""
    found = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "changed"
        match = TEXT_FILE.match(name)
        if not match:
            found.append(FileChange(name, status))
            continue
        lang = match.group(1)
        a, b = read(old, lang), read(new, lang)
        found.append(
            FileChange(
                name,
                status,
                lang,
                {
                    "added": sorted(set(b) - set(a)),
                    "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
                    "removed": sorted(set(a) - set(b)),
                },
            )
        )
    return found

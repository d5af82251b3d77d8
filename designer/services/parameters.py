"""A service's parameters: named values its rules use, set by each municipality (issue 16).

The definitions live in the draft's `parameters.json` (engine/parameters.py says what the
engine reads: name, type, value). Beside them each item has a `label` and a `description`
per language, a `unit` (text or per language) and the `default` it was shipped with. The
rules refer to a parameter as `param.<name>`; publishing puts the values into the version.

Plain functions: read in a language (falling back to the service's own language, then nb),
format a value for people, find where the draft uses a parameter, and change the draft's
file (values; adding and deleting definitions). Writes go through `drafts.write_files`, so a
concurrent write is a Conflict; they flush and never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from flask_babel import gettext as _
from sqlalchemy.orm import Session

import forms
from designer import languages
from designer.services import drafts
from designer.services.errors import Forbidden, Invalid, Missing, Stale
from designer.services.sharing.following import ORIGIN  # an adopted service's origin
from designer.services.sharing.values import parse
from engine.api import local_name, parameter_definitions, parse_xml
from engine.api import parameters as engine_parameters
from engine.errors import ModelInvalid
from engine.models import ProcessModel, ProcessVersion

FILE = engine_parameters.FILE
PREFIX = engine_parameters.PREFIX  # param.<name>
KINDS = tuple(engine_parameters.TYPES)
NUMBER_KINDS = ("number", "amount", "percent", "integer", "days", "weeks")
MAX_LABEL, MAX_UNIT, MAX_DESCRIPTION = 200, 40, 2000
_KRONER = ("", "kr", "nok", "kroner")
_YES_NO = {"ja": "yes", "nei": "no", "yes": "yes", "no": "no", "true": "yes", "false": "no"}


@dataclass(frozen=True)
class Parameter:
    """One parameter in one language: what it is called and means, and its value."""

    name: str
    kind: str
    value: Any
    default: Any
    unit: str
    label: str
    label_lang: str
    description: str
    description_lang: str

    @property
    def changed(self) -> bool:
        """Whether the value is no longer the one the service was shipped or added with."""
        return self.default is not None and self.default != self.value


def _in(written: Any, lang: str, base: str) -> tuple[str, str]:
    """A text given per language (or as one string) in `lang`, else `base`, else nb."""
    if isinstance(written, str):
        return written, base
    if not isinstance(written, dict):
        return "", lang
    for code in (lang, base, languages.DEFAULT, *languages.LANGUAGES):
        text = written.get(code)
        if isinstance(text, str) and text.strip():
            return text.strip(), code
    return "", lang


def items(files: Mapping[str, str]) -> list[dict[str, Any]]:
    """The checked items of parameters.json (none without it); Invalid when it is broken."""
    try:
        return [dict(item) for item in parameter_definitions(files)]
    except ValueError as err:
        raise Invalid(str(err), code="parameters_invalid") from None


def read(files: Mapping[str, str], lang: str, base: str = languages.DEFAULT) -> list[Parameter]:
    """The parameters with their labels and descriptions in `lang` (see `_in`)."""
    found = []
    for item in items(files):
        label, label_lang = _in(item.get("label"), lang, base)
        description, description_lang = _in(item.get("description"), lang, base)
        found.append(
            Parameter(
                name=item["name"],
                kind=item["type"],
                value=item["value"],
                default=item.get("default"),
                unit=_in(item.get("unit"), lang, base)[0],
                label=label or item["name"],
                label_lang=label_lang if label else base,
                description=description,
                description_lang=description_lang,
            )
        )
    return found


def number_text(value: Any, lang: str) -> str:
    """A number as the language writes it, without a unit ('450 000'); others as written."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return forms.format_number(value, lang)


def value_text(kind: str, value: Any, unit: str, lang: str) -> str:
    """A value with its unit for people: '450 000 kr', '30 %', '14 days', '6 years'."""
    if kind == "boolean":
        return _("yes") if value else _("no")
    if kind == "date":
        try:
            return forms.format_date(date.fromisoformat(str(value)), lang)
        except ValueError:
            return str(value)
    if kind == "text" or isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "amount" and unit.casefold() in _KRONER:
        return forms.format_amount(value, lang)
    if kind == "percent":
        ratio = Decimal(str(value)) / 100
        return str(format_percent(ratio, locale=lang, decimal_quantization=False))
    shown = number_text(value, lang)
    # Two texts, not ngettext: 1 and every other number are the two forms in nb, nn and en.
    if kind == "days":
        return _("%(count)s day", count=shown) if value == 1 else _("%(count)s days", count=shown)
    if kind == "weeks":
        return _("%(count)s week", count=shown) if value == 1 else _("%(count)s weeks", count=shown)
    return f"{shown}\u00a0{unit}" if unit else shown


def shown(parameter: Parameter, lang: str) -> str:
    """The parameter's value with its unit in `lang`."""
    return value_text(parameter.kind, parameter.value, parameter.unit, lang)


def names_in(text: str) -> list[str]:
    """The parameters an expression refers to (`param.<name>`), in order, each once."""
    return list(dict.fromkeys(name for _s, _e, name in engine_parameters.references(text)))


def _place(element: Any, file: str) -> str:
    """Where a reference is, in words: the table and its rule or column, or the element
    (the nearest named one: a flow, a task, an event; else the nearest id)."""
    rule = column = first = ""
    node = element
    while node is not None:
        kind = local_name(node)
        if kind == "rule" and not rule:
            rule = str(node.get("id") or "")
        elif kind in ("input", "output") and not column:
            column = str(node.get("label") or node.get("name") or node.get("id") or "")
        elif kind == "decision":
            table = str(node.get("name") or node.get("id") or "")
            part = _("rule %(rule)s", rule=rule) if rule else column
            return f"{file}: {table}" + (f" ({part})" if part else "")
        elif kind in ("process", "subProcess", "definitions"):
            break
        elif kind not in ("property", "parameter") and node.get("id"):
            if node.get("name"):
                return f"{file}: {node.get('name')}"
            first = first or str(node.get("id"))
        node = node.getparent()
    return f"{file}: {first}" if first else file


def usages(bpmn_xml: str, files: Mapping[str, str]) -> dict[str, list[str]]:
    """Where the diagram and the decision tables use each parameter (name -> places)."""
    found: dict[str, list[str]] = {}
    sources = {"process.bpmn": bpmn_xml, **{k: v for k, v in files.items() if k.endswith(".dmn")}}
    for file, text in sorted(sources.items()):
        try:
            root = parse_xml(text, filename=file)
        except ModelInvalid:
            continue
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue  # comments
            texts = [element.text or "", *(str(v) for v in element.attrib.values())]
            for name in dict.fromkeys(n for t in texts if "param" in t for n in names_in(t)):
                place = _place(element, file)
                if place not in found.setdefault(name, []):
                    found[name].append(place)
    return found


def checksum(files: Mapping[str, str]) -> str:
    """What the page was made from: a change to parameters.json since then is Stale."""
    return hashlib.sha256(str(files.get(FILE) or "").encode()).hexdigest()[:16]


def locked(settings: Mapping[str, Any] | None) -> bool:
    """Whether the definitions are another municipality's (an adopted service)."""
    return bool((settings or {}).get(ORIGIN))


def parse_value(kind: str, raw: str) -> Any:
    """A typed value read by its type; ValueError with the message for the field."""
    if kind == "boolean":  # the add form's text field: "ja", "nei" (and "yes", "no")
        raw = _YES_NO.get(str(raw or "").strip().casefold(), raw)
    value = parse(kind, raw)
    if kind in ("amount", "days", "weeks") and value < 0:
        raise ValueError(_("Write 0 or more."))
    if kind == "percent" and not 0 <= value <= 100:
        raise ValueError(_("Write a percentage from 0 to 100."))
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 10**15:
        raise ValueError(_("The number is too large."))
    return value


def _write(session: Session, model: ProcessModel, listed: list[dict[str, Any]], actor: str) -> None:
    files = dict(model.draft_files or {})
    if listed:
        files[FILE] = json.dumps(
            {"parameters": listed}, ensure_ascii=False, indent=2, sort_keys=True
        )
    else:
        files.pop(FILE, None)
    items(files)  # what is written can be published (the checks of the engine)
    drafts.write_files(session, model, files, actor)
    session.flush()


def _current(model: ProcessModel, seen: str) -> list[dict[str, Any]]:
    files = model.draft_files or {}
    if seen != checksum(files):
        raise Stale(_("Someone changed the parameters after you opened this page."))
    return items(files)


def save_values(
    session: Session, model: ProcessModel, typed: Mapping[str, str], seen: str, actor: str
) -> list[str]:
    """Store the values typed (name -> text; a boolean is "yes" or "no"); the names changed.

    Invalid lists each wrong field by name; nothing is stored then.
    """
    listed = _current(model, seen)
    errors: dict[str, str] = {}
    changed = []
    for item in listed:
        name = item["name"]
        if name not in typed:
            continue
        try:
            value = parse_value(item["type"], typed[name])
        except ValueError as err:
            errors[name] = str(err)
            continue
        if value != item["value"] or type(value) is not type(item["value"]):
            item["value"] = value
            changed.append(name)
    if errors:
        raise Invalid(_("Some values cannot be used."), fields=errors)
    if changed:
        _write(session, model, listed, actor)
    return changed


def add(
    session: Session, model: ProcessModel, new: Mapping[str, str], seen: str, actor: str
) -> str:
    """Add a definition from the typed fields (name, type, unit_<lang>, label_<lang>,
    description_<lang>, value); return its name. Invalid names each wrong field."""
    if locked(model.settings):
        raise Forbidden(_("The parameters of an adopted service are defined by its origin."))
    listed = _current(model, seen)
    base = languages.base_of(model)
    errors: dict[str, str] = {}
    name, kind = str(new.get("name") or "").strip(), str(new.get("type") or "")
    if not engine_parameters.NAME.match(name):
        errors["name"] = _(
            "Use lower-case letters a–z, digits and _, starting with a letter, e.g. income_limit."
        )
    elif any(item["name"] == name for item in listed):
        errors["name"] = _("The service already has a parameter with this name.")
    if kind not in KINDS:
        errors["type"] = _("Choose a type.")
    texts: dict[str, dict[str, str]] = {"label": {}, "description": {}, "unit": {}}
    limits = {"label": MAX_LABEL, "description": MAX_DESCRIPTION, "unit": MAX_UNIT}
    for part, limit in limits.items():
        for code in languages.LANGUAGES:
            text = " ".join(str(new.get(f"{part}_{code}") or "").split())
            if len(text) > limit:
                errors[f"{part}_{code}"] = _("Write at most %(num)d characters.", num=limit)
            elif text:
                texts[part][code] = text
    if not texts["label"].get(base):
        errors[f"label_{base}"] = _("Give the parameter a name people understand.")
    value = None
    if kind in KINDS:
        try:
            value = parse_value(kind, str(new.get("value") or ""))
        except ValueError as err:
            errors["value"] = str(err)
    if errors:
        raise Invalid(_("The parameter cannot be added."), fields=errors)
    item: dict[str, Any] = {"name": name, "type": kind, "value": value, "default": value}
    item.update({part: given for part, given in texts.items() if given})
    _write(session, model, [*listed, item], actor)
    return name


def delete(session: Session, model: ProcessModel, name: str, seen: str, actor: str) -> None:
    """Remove a definition no rule uses; Invalid says where a used one is used."""
    if locked(model.settings):
        raise Forbidden(_("The parameters of an adopted service are defined by its origin."))
    listed = _current(model, seen)
    if not any(item["name"] == name for item in listed):
        raise Missing(_("The service has no such parameter."))
    places = usages(model.draft_bpmn or "", model.draft_files or {}).get(name)
    if places:
        raise Invalid(
            _(
                "The parameter is used in %(places)s: change those rules first.",
                places="; ".join(places),
            ),
            fields={name: "; ".join(places)},
        )
    _write(session, model, [item for item in listed if item["name"] != name], actor)


def unpublished(session: Session, model: ProcessModel) -> bool:
    """Whether the draft's parameters differ from those of the version live now."""
    live = (
        session.get(ProcessVersion, model.published_version_id)
        if model.published_version_id is not None
        else None
    )
    try:
        draft = items(model.draft_files or {})
        published = items(live.files or {}) if live is not None else []
    except Invalid:
        return True
    return draft != published

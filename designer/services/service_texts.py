"""Every text a service shows, per language: resources beside the diagram and the forms.

The diagram, the forms and the decision tables are written in the service's own language
(its *base*, `settings["language"]`, normally the municipality's målform). Other languages
are text resources in the service's files, `texts.<language>.json`, keyed by stable ids:

    service/legal_basis, service/appeal             what the decision says it rests on
    form/<file>/<key or id>/label|description|text  form labels, help texts, text blocks
    form/<file>/<key>/option/<value>                the options of a choice
    task/<element id>/name | instructions           task names and caseworker instructions
    end/<element id>/name                           outcome texts of end events
    decision/<decision id>/<rule id>                rule annotations used as reasons
    reason/<rule>                                   reasons a script gives by `rule`

The catalogue card (name, description) is the model's own (`ProcessModel.card_texts`), live
like the base name. A missing translation falls back to the municipality's målform, then
to the base text: never to an id.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from engine.api import local_name, parse_xml
from engine.errors import ModelInvalid

TEXT_FILE = re.compile(r"^texts\.([a-z]{2})\.json$")
MAX_TEXT = 10_000


def file_name(lang: str) -> str:
    """The file of a language's texts: texts.nn.json."""
    return f"texts.{lang}.json"


@lru_cache(maxsize=512)
def _parse(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str) and v.strip()}


def read(files: dict[str, str], lang: str) -> dict[str, str]:
    """A language's texts of a service (empty when there are none)."""
    text = files.get(file_name(lang))
    return dict(_parse(text)) if text else {}


def base_language(settings: dict[str, Any] | None) -> str:
    """The language the service's diagram and forms are written in."""
    value = (settings or {}).get("language")
    return value if isinstance(value, str) and value in ("nb", "nn", "en") else "nb"


@dataclass(frozen=True)
class Texts:
    """Lookup of a service's texts in one language, with the målform as fallback."""

    lang: str
    base: str
    wanted: dict[str, str] = field(default_factory=dict)
    fallback: dict[str, str] = field(default_factory=dict)
    fallback_lang: str = ""

    def __call__(self, text_id: str, base_text: str = "") -> str:
        return self.wanted.get(text_id) or self.fallback.get(text_id) or base_text

    def language_of(self, text_id: str) -> str:
        """The language the text for `text_id` comes in (for `lang` on a part of a page)."""
        if self.wanted.get(text_id):
            return self.lang
        return self.fallback_lang if self.fallback.get(text_id) else self.base

    def has(self, text_id: str) -> bool:
        return text_id in self.wanted or text_id in self.fallback

    @property
    def is_base(self) -> bool:
        """The service's own language: its texts are the diagram's and the forms'."""
        return self.lang == self.base

    @property
    def empty(self) -> bool:
        """Nothing to change: no texts in the language nor in the målform."""
        return not self.wanted and not self.fallback


def texts_for(
    files: dict[str, str], settings: dict[str, Any] | None, lang: str, malform: str
) -> Texts:
    """The texts of a service (its files and settings) for `lang`; `malform` fills gaps."""
    base = base_language(settings)
    wanted = read(files, lang)
    # A reader of the service's own language reads it as written; others fall back to the
    # målform where the service has it.
    fallback = read(files, malform) if lang != base and malform not in (lang, base) else {}
    return Texts(lang=lang, base=base, wanted=wanted, fallback=fallback, fallback_lang=malform)


# --- forms ---------------------------------------------------------------------------


def _component_id(component: dict[str, Any], index: str) -> str:
    for name in ("key", "path", "id"):
        value = component.get(name)
        if isinstance(value, str) and value:
            return value
    return f"#{index}"


def _walk(components: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(components, list):
        return
    for n, component in enumerate(components):
        if isinstance(component, dict):
            index = f"{prefix}{n}"
            yield _component_id(component, index), component
            yield from _walk(component.get("components"), f"{index}.")


_FORM_TEXTS = (("label", "label_en"), ("description", "description_en"), ("text", "text_en"))


def form_texts(name: str, definition: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(id, base text, the legacy English property) of every text in a form definition."""
    for cid, component in _walk(definition.get("components")):
        found = component.get("properties")
        props: dict[str, Any] = found if isinstance(found, dict) else {}
        for prop, english in _FORM_TEXTS:
            value = component.get(prop)
            if isinstance(value, str) and value.strip():
                yield f"form/{name}/{cid}/{prop}", value, str(props.get(english) or "")
        for option in component.get("values") or []:
            if isinstance(option, dict) and isinstance(option.get("label"), str):
                yield (
                    f"form/{name}/{cid}/option/{option.get('value')}",
                    option["label"],
                    str(option.get("label_en") or ""),
                )


def localise_form(name: str, definition: dict[str, Any], texts: Texts) -> dict[str, Any]:
    """A copy of a form definition with its texts in `texts`' language.

    Where the language has no text of its own, the definition stays as written (an English
    page still uses the form's legacy `label_en` properties).
    """
    if texts.empty:
        return definition
    result = copy.deepcopy(definition)
    for cid, component in _walk(result.get("components")):
        props = component.get("properties")
        for prop, english in _FORM_TEXTS:
            text_id = f"form/{name}/{cid}/{prop}"
            if isinstance(component.get(prop), str) and texts.has(text_id):
                component[prop] = texts(text_id)
                if isinstance(props, dict):
                    props.pop(english, None)
        for option in component.get("values") or []:
            if not isinstance(option, dict):
                continue
            text_id = f"form/{name}/{cid}/option/{option.get('value')}"
            if texts.has(text_id):
                option["label"] = texts(text_id)
                option.pop("label_en", None)
    return result


# --- the diagram and the decision tables ----------------------------------------------

_INSTRUCTIONS = "instructionsForEndUser"


def diagram_texts(bpmn_xml: str) -> Iterator[tuple[str, str, str]]:
    """(id, base text, where) of task names, instructions and end-event names."""
    try:
        root = parse_xml(bpmn_xml, filename="process.bpmn")
    except ModelInvalid:
        return
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        kind, element_id = local_name(node), node.get("id")
        if not element_id:
            continue
        name = " ".join(str(node.get("name") or "").split())
        if kind in ("userTask", "manualTask") and name:
            yield f"task/{element_id}/name", name, name
            for child in node.iter():
                if isinstance(child.tag, str) and local_name(child) == _INSTRUCTIONS:
                    text = (child.text or "").strip()
                    if text:
                        yield f"task/{element_id}/instructions", text, name
        elif kind == "endEvent" and name:
            yield f"end/{element_id}/name", name, name


def decision_texts(files: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(id, base text, where) of the rule annotations the citizen reads as reasons."""
    for file, text in sorted(files.items()):
        if not file.endswith(".dmn"):
            continue
        try:
            root = parse_xml(text, filename=file)
        except ModelInvalid:
            continue
        for decision in root.iter():
            if not isinstance(decision.tag, str) or local_name(decision) != "decision":
                continue
            title = str(decision.get("name") or decision.get("id"))
            for rule in decision.iter():
                if not isinstance(rule.tag, str) or local_name(rule) != "rule":
                    continue
                for child in rule:
                    if isinstance(child.tag, str) and local_name(child) == "description":
                        annotation = (child.text or "").strip()
                        if annotation:
                            yield (
                                f"decision/{decision.get('id')}/{rule.get('id')}",
                                annotation,
                                title,
                            )


def localise_explanation(summary: dict[str, Any], texts: Texts) -> dict[str, Any]:
    """A decision step's summary with its rules' annotations in `texts`' language."""
    if texts.empty or not summary.get("rules"):
        return summary
    decision = summary.get("decision")
    rules = []
    for rule in summary.get("rules") or []:
        text_id = f"decision/{decision}/{rule.get('id')}"
        if isinstance(rule, dict) and texts.has(text_id):
            rule = {**rule, "annotation": texts(text_id, str(rule.get("annotation") or ""))}
        rules.append(rule)
    return {**summary, "rules": rules}


# --- settings, reasons, names ---------------------------------------------------------


def setting_text(settings: dict[str, Any], name: str, texts: Texts) -> str:
    """A text setting (legal basis, appeal) in `texts`' language.

    Older services keep such settings as {"nb": ..., "en": ...}; those still count.
    """
    value = settings.get(name)
    written = value if isinstance(value, dict) else {texts.base: value or ""}
    base = str(written.get(texts.base) or written.get("nb") or "")
    own = texts.wanted.get(f"service/{name}") or str(written.get(texts.lang) or "")
    return own or texts(f"service/{name}", base)


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _fill(text: str, decision: dict[str, Any]) -> str:
    """`{name}` in a translated reason is the decision's `name` ("plass i {kindergarten}")."""

    def value(match: re.Match[str]) -> str:
        found = decision.get(match[1])
        return match[0] if found is None or isinstance(found, dict | list) else str(found)

    return _FIELD.sub(value, text)


def reason_text(decision: dict[str, Any], texts: Texts) -> str:
    """The reason a decision gives, in `texts`' language where the service has it.

    A script names its reason by `rule` (texts: reason/<rule>, where `{name}` is filled from
    the decision: a place's name, a caseworker's note); a caseworker's own words stay as
    written. Older scripts give `reason_en` beside `reason`.
    """
    rule = decision.get("rule")
    base = str(decision.get("reason") or "")
    legacy = str(decision.get(f"reason_{texts.lang}") or "") if not texts.is_base else ""
    if isinstance(rule, str) and rule:
        own = texts.wanted.get(f"reason/{rule}")
        if own:
            return _fill(own, decision)
        if not legacy and texts.has(f"reason/{rule}"):
            return _fill(texts(f"reason/{rule}"), decision)
    return legacy or base

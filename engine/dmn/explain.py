"""Plain-words reasons for a decision, from the annotations of the rules that fired.

The process owner writes the citizen-facing reason in each rule's annotation,
e.g. "Husholdningsinntekten er under 615 590 kr, så du får gratis kjernetid."
`{name}` in an annotation is replaced by that output or input value (by output
name or input label), e.g. "Prisen blir {monthly_price} kr i måneden."
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "one": "Regel {rules} i tabellen «{table}» ble brukt.",
        "many": "Reglene {rules} i tabellen «{table}» ble brukt.",
        "default": "Ingen regel i tabellen «{table}» passet, så standardverdien ble brukt.",
        "none": "Ingen regel i tabellen «{table}» passet.",
        "and": " og ",
        "true": "ja",
        "false": "nei",
    },
    "nn": {
        "one": "Regel {rules} i tabellen «{table}» vart brukt.",
        "many": "Reglane {rules} i tabellen «{table}» vart brukte.",
        "default": "Ingen regel i tabellen «{table}» passa, så standardverdien vart brukt.",
        "none": "Ingen regel i tabellen «{table}» passa.",
        "and": " og ",
        "true": "ja",
        "false": "nei",
    },
    "en": {
        "one": "Rule {rules} of the table “{table}” was applied.",
        "many": "Rules {rules} of the table “{table}” were applied.",
        "default": "No rule of the table “{table}” matched, so the default was used.",
        "none": "No rule of the table “{table}” matched.",
        "and": " and ",
        "true": "yes",
        "false": "no",
    },
}
_PLACEHOLDER = re.compile(r"\{([^{}\s][^{}]*)\}")


def _language(locale: str | None) -> str:
    code = (locale or "nb").replace("_", "-").split("-")[0].lower()
    return code if code in _TEXTS else "en" if code != "no" else "nb"


def _number(value: float, lang: str) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    if lang == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def _format(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _TEXTS[lang]["true" if value else "false"]
    if isinstance(value, int | float):
        return _number(value, lang)
    if isinstance(value, list):
        return ", ".join(_format(v, lang) for v in value)
    return "" if value is None else str(value)


def _fill(text: str, values: Mapping[str, Any], lang: str) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        return _format(values[key], lang) if key in values else match.group(0)

    return _PLACEHOLDER.sub(replace, text)


def _join(items: list[str], lang: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + _TEXTS[lang]["and"] + items[-1]


def explain(summary: Mapping[str, Any], locale: str | None = "nb") -> str:
    """One or more plain sentences saying why a decision came out as it did.

    `summary` is a business rule task's step summary (see `engine.dmn`);
    `locale` is 'nb', 'nn' or 'en' (others fall back to English, 'no' to 'nb').
    """
    lang = _language(locale)
    texts = _TEXTS[lang]
    table = str(summary.get("decision_name") or summary.get("decision") or "")
    rules = list(summary.get("rules") or [])
    base = {**dict(summary.get("inputs") or {}), **dict(summary.get("result") or {})}
    sentences: list[str] = []
    unexplained: list[str] = []
    for rule in rules:
        annotation = str(rule.get("annotation") or "").strip()
        if not annotation:
            unexplained.append(str(rule.get("id")))
            continue
        sentence = _fill(annotation, {**base, **dict(rule.get("output") or {})}, lang)
        if sentence not in sentences:
            sentences.append(sentence)
    if unexplained:
        key = "one" if len(unexplained) == 1 else "many"
        sentences.append(texts[key].format(rules=_join(unexplained, lang), table=table))
    if not rules:
        sentences.append(texts["default" if summary.get("default") else "none"].format(table=table))
    return " ".join(sentences)

"""Plain-words reasons for a decision, from the annotations of the rules that fired.

The process owner writes the citizen-facing reason in each rule's annotation,
e.g. "Husholdningsinntekten er under 615 590 kr, så du får gratis kjernetid."
`{name}` in an annotation is replaced by that output or input value (by output
name or input label), e.g. "Prisen blir {monthly_price} kr i måneden." Numbers are
written as the language writes them, by Babel (CLDR), the same way forms and the designer
write them (forms/formats.py): "1 200 000" and "1 250,5" in nb and nn, "1,200,000" in
English; a float is rounded to 10 decimals first, which drops binary noise (0.1 + 0.2 is
"0,3").

The sentences are in nb, nn and en here rather than in the designer's catalogue: the
engine is used without the designer (tests, exports, the worker) and its dependency rule
keeps the catalogue and its loading out, so the three short tables stay beside the code
that fills them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any

from babel.numbers import format_decimal

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
    number = Decimal(str(round(value, 10) if isinstance(value, float) else value))
    if not number.is_finite():
        return str(value)
    with localcontext(prec=800):  # Babel rounds in the current context: room for 1e308
        return str(format_decimal(number.normalize(), locale=lang, decimal_quantization=False))


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

"""The rules documentation (regeldokumentasjon) of a published version, in words.

The public page that the Public Administration Act asks for where decisions are made by
automated processing: what the service decides on (its legal basis), which steps are
automated and which a person decides, each decision table's inputs, hit policy, rules
("if <input> <test> and … then <outputs>") and the reason each rule gives, each choice
in the process with its conditions and where it leads, and the municipality's parameters
(the values the rules use: a limit, an amount, a deadline) with the version's values.
Generated from the version itself (its diagram, decision tables, forms, parameters and text
resources), never written by hand, so it cannot drift from what the rules do.

Plain functions: a session and explicit arguments, no request. Texts are in `lang` (the
function sets it for the catalogue); the service's own texts come in `lang` where the
service has them, else in the municipality's målform, else as written (each `Named` text
says which).

    words.py   cells and conditions in words (the simple shapes; others as written)
    labels.py  names, labels, options, values and parameters in the reader's language
    tables.py  the decision tables
    flow.py    the steps and the choices of the diagram
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.languages import card_text
from designer.services import localised, parameters
from designer.services.errors import Missing
from designer.services.rulesdoc.flow import Choice, Path, Step, process_parts
from designer.services.rulesdoc.labels import Labels, Named
from designer.services.rulesdoc.tables import Output, Rule, Table, Test, decision_tables
from designer.services.service_texts import setting_text
from designer.services.workdays import local_date
from engine.models import ProcessModel, ProcessVersion

__all__ = [
    "Choice",
    "Named",
    "Output",
    "ParameterDoc",
    "Path",
    "Rule",
    "RulesDoc",
    "Step",
    "Table",
    "Test",
    "document",
    "live_number",
    "published_version",
]


@dataclass(frozen=True)
class ParameterDoc:
    """A parameter of the version: its label, its value in words and what it means."""

    name: str
    label: Named
    value: str
    description: Named | None


@dataclass(frozen=True)
class RulesDoc:
    """Everything the rules page of one version shows."""

    key: str
    number: int
    lang: str
    name: Named
    published_on: date | None
    legal_basis: Named | None
    steps: list[Step]
    tables: list[Table]
    choices: list[Choice]
    parameters: list[ParameterDoc] = field(default_factory=list)

    @property
    def automated(self) -> bool:
        """Whether anything in the service is decided without a person."""
        return any(step.kind == "automated" for step in self.steps) or bool(self.tables)


def published_version(session: Session, tenant_id: int, key: str, number: int) -> ProcessVersion:
    """Version `number` of the tenant's service `key`, if it was published; else Missing.

    Every published version keeps its page (a decision made under it links there), also
    after a newer one is live. Test-run snapshots and other municipalities' are not found.
    """
    version = session.scalar(
        select(ProcessVersion)
        .join(ProcessModel, ProcessVersion.model_id == ProcessModel.id)
        .where(
            ProcessModel.tenant_id == tenant_id,
            ProcessModel.key == key,
            ProcessVersion.tenant_id == tenant_id,
            ProcessVersion.number == number,
            ProcessVersion.is_test.is_(False),
            ProcessVersion.published_at.is_not(None),
        )
    )
    if version is None:
        raise Missing()
    return version


def live_number(session: Session, tenant_id: int, key: str) -> int:
    """The number of the version of `key` that is live now; Missing if none is."""
    model = session.scalar(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id,
            ProcessModel.key == key,
            ProcessModel.archived.is_(False),
        )
    )
    version = (
        session.get(ProcessVersion, model.published_version_id)
        if model is not None and model.published_version_id is not None
        else None
    )
    if version is None or version.number is None:
        raise Missing()
    return version.number


def _legal_basis(model: ProcessModel, labels: Labels) -> Named | None:
    texts = labels.texts
    text = setting_text(model.settings or {}, "legal_basis", texts)
    if not text:
        return None
    if "service/legal_basis" in texts.wanted:
        return Named(text, texts.lang)
    if "service/legal_basis" in texts.fallback:
        return Named(text, labels.malform)
    written = (model.settings or {}).get("legal_basis")
    own = isinstance(written, dict) and written.get(texts.lang) == text
    return Named(text, texts.lang if own else texts.base)


def _parameters(labels: Labels) -> list[ParameterDoc]:
    """The version's parameters in the reader's language, with their values."""
    return [
        ParameterDoc(
            p.name,
            Named(p.label, p.label_lang),
            parameters.shown(p, labels.lang),
            Named(p.description, p.description_lang) if p.description else None,
        )
        for p in labels.parameters.values()
    ]


def _card_lang(model: ProcessModel, lang: str, malform: str, base: str) -> str:
    """The language the card name `card_text` gives is written in."""
    cards = model.card_texts or {}
    if lang == base:
        return lang
    return next((c for c in (lang, malform) if (cards.get(c) or {}).get("name")), base)


def document(session: Session, version: ProcessVersion, lang: str) -> RulesDoc:
    """The rules documentation of a published version in `lang` (nb, nn or en)."""
    model = version.model
    malform = localised.malform(session, version.tenant_id)
    with force_locale(lang):
        texts = localised.version_texts(session, version, lang)
        files = dict(version.files or {})
        labels = Labels(files, texts, malform)
        tables = decision_tables(files, labels)
        steps, choices = process_parts(version.bpmn, labels)
        users: dict[str, list[Named]] = {}
        for step in steps:
            if step.decision_id:
                users.setdefault(step.decision_id, []).append(step.name)
        for table in tables:
            table.used_by = users.get(table.decision_id, [])
        name = card_text(model, "name", lang, malform)
        return RulesDoc(
            key=model.key,
            number=int(version.number or 0),
            lang=lang,
            name=Named(name, _card_lang(model, lang, malform, texts.base)),
            published_on=local_date(version.published_at) if version.published_at else None,
            legal_basis=_legal_basis(model, labels),
            steps=steps,
            tables=tables,
            choices=choices,
            parameters=_parameters(labels),
        )

"""What a case shows people: the application, earlier steps, requests, reasons, its path."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_babel import get_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

import forms
from designer.extensions import db_session
from designer.services import localised, service_texts
from engine import api as engine
from engine.models import Event, HumanTask, Instance, ProcessVersion

_DEFINITIONS: dict[tuple[str, str], forms.FormDefinition] = {}  # by text and language texts
_MAX_DEFINITIONS = 2000
# The kinds of event a case's pages show (answers, requests, automated reasons, the appeal
# timeline: read_together adds kinds): read in one statement per case and transaction.
_TOGETHER: set[str] = {"task_completed", "information_requested", "step"}
_CACHE = "flytverk_case_reads"  # session.info: what this transaction read, by name and case


def per_transaction(session: Session, name: str) -> dict[Any, Any]:
    """A cache of reads for a transaction that only reads (a page): kept on the session
    until its next flush or the end of its transaction; one that writes (a transition, its
    listeners) gets a fresh dict each time, so it never reads what it has not written yet."""
    if engine.has_writes(session):
        return {}
    return session.info.setdefault(_CACHE, {}).setdefault(name, {})  # type: ignore[no-any-return]


def read_together(*kinds: str) -> None:
    """Have `case_events` read these kinds with the others a case page shows."""
    _TOGETHER.update(kinds)


def case_events(session: Session, instance: Instance, *kinds: str) -> list[Event]:
    """The case's events of `kinds`, oldest first. Kinds registered with read_together come
    from one read per case and transaction (a flush or the transaction's end forgets it)."""
    if not set(kinds) <= _TOGETHER:
        return list(
            session.scalars(
                select(Event)
                .where(Event.instance_id == instance.id, Event.kind.in_(kinds))
                .order_by(Event.id)
            )
        )
    cache = per_transaction(session, "events")
    if instance.id not in cache:
        cache[instance.id] = list(
            session.scalars(
                select(Event)
                .where(Event.instance_id == instance.id, Event.kind.in_(sorted(_TOGETHER)))
                .order_by(Event.id)
            )
        )
    return [e for e in cache[instance.id] if e.kind in kinds]


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_CACHE, None)


for _name in ("after_flush", "after_transaction_end"):
    if not event.contains(Session, _name, _forget):
        event.listen(Session, _name, _forget)


def reading_language() -> str:
    """The language of the page being made (the default outside a request)."""
    return str(get_locale() or "nb")


def form_definition(
    version: ProcessVersion, name: str | None, lang: str | None = None
) -> forms.FormDefinition | None:
    """A version's form definition by file name, its texts in `lang` (default: the page's).

    Parsed once per content and language texts.
    """
    if not name:
        return None
    text = version.forms().get(name)
    if text is None:
        return None
    texts = localised.version_texts(db_session, version, lang or reading_language())
    key = (text, "" if texts.empty else repr((name, texts)))
    definition = _DEFINITIONS.get(key)
    if definition is None:
        if len(_DEFINITIONS) > _MAX_DEFINITIONS:
            _DEFINITIONS.clear()
        if texts.empty:
            definition = forms.FormDefinition.from_json(text)
        else:
            raw = json.loads(text)
            definition = forms.FormDefinition.from_json(
                json.dumps(service_texts.localise_form(name, raw, texts))
            )
        _DEFINITIONS[key] = definition
    return definition


def _definition(instance: Instance, name: str | None) -> forms.FormDefinition | None:
    return form_definition(instance.process_version, name)


def submitted_summary(
    instance: Instance, data: dict[str, Any], locale: str = "nb"
) -> list[dict[str, Any]]:
    """The citizen's application as label/value rows."""
    start_form = engine.spec_for(instance.process_version).start_form
    definition = _definition(instance, start_form)
    if definition is None:
        return []
    return forms.summary(definition, {k: data[k] for k in definition.keys if k in data}, locale)


def earlier_steps(
    session: Session, instance: Instance, data: dict[str, Any], locale: str = "nb"
) -> list[dict[str, Any]]:
    """What people entered in earlier steps (completed tasks' forms), read-only, oldest first."""
    done = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        .order_by(HumanTask.completed_at, HumanTask.id)
    )
    steps = []
    texts = localised.version_texts(session, instance.process_version, locale)
    for task in done:
        definition = form_definition(instance.process_version, task.form, locale)
        if definition is None:
            continue
        rows = forms.summary(definition, {k: data[k] for k in definition.keys if k in data}, locale)
        if rows:
            name = texts(f"task/{task.element_id}/name", task.name)
            steps.append({"name": name, "completed_at": task.completed_at, "rows": rows})
    return steps


def task_prefill(definition: forms.FormDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """Values for a caseworker form from the process data (fields with the same key)."""
    values: dict[str, Any] = {}
    for component in definition.input_components:
        key = component.get("key")
        if key in data and data[key] is not None:
            value = data[key]
            if component.get("type") == "datetime" and isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    continue
            values[key] = value
    return values


def information_requests(session: Session, instance: Instance) -> list[Event]:
    """What the caseworkers asked the applicant for, newest first."""
    return case_events(session, instance, "information_requested")[::-1]


def explanations(session: Session, instance: Instance, locale: str = "nb") -> list[str]:
    """Plain-words reasons of the automatic decisions made in the case (for the citizen)."""
    events = case_events(session, instance, "step")
    texts = localised.version_texts(session, instance.process_version, locale)
    return [
        engine.explain(service_texts.localise_explanation(e.summary, texts), locale)
        for e in events
        if e.summary.get("decision")
    ]


def trail(instance: Instance) -> list[str]:
    """Element ids the case has passed through, for highlighting the diagram."""
    ids = db_session.scalars(
        select(Event.element_id)
        .where(
            Event.instance_id == instance.id,
            Event.kind.in_(("step", "task_completed")),
            Event.element_id.is_not(None),
        )
        .order_by(Event.id)
    )
    return list(dict.fromkeys(i for i in ids if i))

"""Whether an adopted service still follows its origin, and the hook of every draft write.

A following adoption's diagram, forms and decision tables are the origin's version (with the
adopter's groups): its texts, parameter values, catalogue card and settings are the
adopter's own. `drafts` calls `after_write` after each draft write. When the draft no longer
holds what the origin's version says (a task added, a condition or a form changed), the
adoption becomes a copy: it gets no more updates, and the service loses its origin mark
(`settings["origin"]`). The change is listed in the session (`copies_made`) for the view
that audits the write and tells the process owner.

What counts is what the process does, not how it is drawn: moving a shape, an editor's own
way of writing the XML or the order of elements change nothing.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import Adoption, SharedService
from engine.api import parse_xml
from engine.errors import ModelInvalid
from engine.models import ProcessModel, ProcessVersion, utcnow

FOLLOWING, COPY = "following", "copy"
ORIGIN = "origin"  # the settings key the Parametere view reads
COPIES = "flytverk.adoption_copies"  # session.info: models made copies in this transaction
# Layout (BPMN DI, DMN DI) says where things are drawn, not what they do.
_LAYOUT = ("/DI", "/DI/", "/DC", "/DC/", "/DMNDI/")
# Derived from the sequence flows (editors write them or not).
_DERIVED = frozenset({"incoming", "outgoing"})
# bpmn-js writes the type of an expression it read without one (tFormalExpression).
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# BPMN attributes at their default value (bpmn-moddle's schema): bpmn-js leaves them out.
_DEFAULTS = {
    "behavior": "All",
    "cancelActivity": "true",
    "cancelRemainingInstances": "true",
    "completionQuantity": "1",
    "eventGatewayType": "Exclusive",
    "gatewayDirection": "Unspecified",
    "instantiate": "false",
    "isCollection": "false",
    "isForCompensation": "false",
    "isInterrupting": "true",
    "isSequential": "false",
    "isUnlimited": "true",
    "parallelMultiple": "false",
    "startQuantity": "1",
    "testBefore": "false",
    "textFormat": "text/plain",
    "triggeredByEvent": "false",
    "waitForCompletion": "true",
}


def _ignored(node: etree._Element) -> bool:
    if not isinstance(node.tag, str):
        return True  # comments, processing instructions
    name = etree.QName(node)
    return (name.namespace or "").endswith(_LAYOUT) or name.localname in _DERIVED


def _canon(node: etree._Element) -> tuple[Any, ...]:
    children = tuple(sorted(_canon(child) for child in node if not _ignored(child)))
    model = etree.QName(node).namespace == BPMN
    attributes = tuple(
        sorted(
            (k, v)
            for k, v in node.attrib.items()
            if k != _XSI_TYPE and not (model and _DEFAULTS.get(str(k), "\0") == v.strip())
        )
    )
    return (node.tag, attributes, (node.text or "").strip(), children)


def meaning(xml: str) -> tuple[Any, ...] | str:
    """What a BPMN or DMN file says, without its layout, whitespace and element order
    (the text itself when it cannot be read)."""
    try:
        root = parse_xml(xml)
    except ModelInvalid:
        return xml
    return tuple(sorted(_canon(child) for child in root if not _ignored(child)))


def _form(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def rules_files(files: dict[str, str]) -> dict[str, str]:
    """The files that say what the service does besides the diagram: forms, decisions."""
    return {k: v for k, v in files.items() if k.startswith(("forms/", "decisions/"))}


def same_service(
    bpmn_a: str, files_a: dict[str, str], bpmn_b: str, files_b: dict[str, str]
) -> bool:
    """Whether two drafts do the same: diagram, forms and decision tables (texts, parameter
    values and layout aside)."""
    forms_a, forms_b = rules_files(files_a), rules_files(files_b)
    if set(forms_a) != set(forms_b):
        return False
    for name, text in forms_a.items():
        other = forms_b[name]
        if text == other:
            continue
        if name.startswith("forms/") and _form(text) == _form(other):
            continue
        if name.endswith(".dmn") and meaning(text) == meaning(other):
            continue
        return False
    return bpmn_a == bpmn_b or meaning(bpmn_a) == meaning(bpmn_b)


def adoption_of(session: Session, model_id: int) -> Adoption | None:
    """The adoption behind a service (None: the municipality's own service)."""
    return session.scalar(select(Adoption).where(Adoption.model_id == model_id))


def origin_version(
    session: Session, adoption: Adoption, number: int | None = None
) -> ProcessVersion | None:
    """The origin's published version `number` (default: the one the adopter is on)."""
    shared = session.get(SharedService, adoption.shared_id)
    if shared is None:
        return None
    return session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.model_id == shared.model_id,
            ProcessVersion.number == (adoption.origin_version if number is None else number),
            ProcessVersion.is_test.is_(False),
        )
    )


def follows(session: Session, model: ProcessModel, adoption: Adoption) -> bool:
    """Whether the model's draft is still the origin's version it follows."""
    # Imported here: packages imports drafts, which imports this module.
    from designer.services.packages import map_groups

    version = origin_version(session, adoption)
    if version is None:
        return False
    expected = map_groups(version.bpmn, dict(adoption.group_map or {}))
    return same_service(expected, dict(version.files or {}), model.draft_bpmn, model.draft_files)


def make_copy(session: Session, model: ProcessModel, adoption: Adoption) -> None:
    """The adoption becomes the municipality's own copy: no updates, no origin mark; flushed."""
    adoption.status = COPY
    adoption.updated_at = utcnow()
    settings = dict(model.settings or {})
    settings.pop(ORIGIN, None)
    model.settings = settings
    session.info.setdefault(COPIES, set()).add(model.id)
    session.flush()


def after_write(session: Session, model: ProcessModel) -> None:
    """The draft-write hook: a following adoption whose draft left the origin's becomes a
    copy (see the module's docstring)."""
    adoption = session.scalar(
        select(Adoption).where(Adoption.model_id == model.id, Adoption.status == FOLLOWING)
    )
    if adoption is not None and not follows(session, model, adoption):
        make_copy(session, model, adoption)


def copies_made(session: Session, model_id: int) -> bool:
    """Whether this transaction made the model's adoption a copy (asked once: forgets it)."""
    made: set[int] = session.info.get(COPIES) or set()
    if model_id in made:
        made.discard(model_id)
        return True
    return False

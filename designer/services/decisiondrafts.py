"""Decision tables in a draft: list, create, check and save with a revision, delete safely."""

from __future__ import annotations

import re
import zlib
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy.orm import Session

from designer.services.draftchecks import decisions_in
from designer.services.drafts import slugify, write_files
from engine.api import DMN_NAMESPACES, dmn_problems, local_name, parse_xml
from engine.errors import Conflict, ModelInvalid, NotFound, Problem
from engine.models import ProcessModel

FOLDER = "decisions/"
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}\.dmn$")
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
MAX_DMN_CHARS = 2 * 1024 * 1024

STARTER = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
    xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/"
    id="{id}_definitions" name="{name}" namespace="http://flytverk.no/dmn">
  <decision id="{id}" name="{name}">
    <decisionTable id="{id}_table" hitPolicy="FIRST">
      <input id="{id}_input_1" label="Verdi">
        <inputExpression id="{id}_input_1_expression" typeRef="string">
          <text>verdi</text>
        </inputExpression>
      </input>
      <output id="{id}_output_1" label="Resultat" name="resultat" typeRef="string" />
      <rule id="{id}_rule_1">
        <description>Gjelder alle verdier.</description>
        <inputEntry id="{id}_rule_1_input_1"><text>-</text></inputEntry>
        <outputEntry id="{id}_rule_1_output_1"><text>"ok"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="{id}_diagram">
      <dmndi:DMNShape id="{id}_shape" dmnElementRef="{id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


class DecisionInUse(Exception):
    """A decision file cannot be deleted: the diagram still calls a decision only it defines."""


def key_of(name: str) -> str:
    """The draft key of a decision file name; ValueError for anything but `<safe-name>.dmn`."""
    if not FILE_NAME.match(name):
        raise ValueError(
            _(
                "Use lowercase letters, digits, - and _ in decision file names, "
                "ending in .dmn, e.g. 'pris.dmn'."
            )
        )
    return FOLDER + name


def revision_of(text: str) -> int:
    """A revision token for a decision file: its checksum (like forms, no counter of its own)."""
    return zlib.crc32(text.encode("utf-8"))


def text_of(model: ProcessModel, name: str) -> str:
    """The XML of one of the draft's decision files; ValueError for a bad name, else NotFound."""
    text = model.draft_files.get(key_of(name))
    if text is None:
        raise NotFound(_("No decision table '%(name)s'.", name=name))
    return text


def files(model: ProcessModel) -> list[dict[str, Any]]:
    """The draft's decision files with the decisions each defines, by file name."""
    defined = decisions_in(model.draft_files)
    return [
        {
            "name": key[len(FOLDER) :],
            "editable": bool(FILE_NAME.match(key[len(FOLDER) :])),
            "decisions": [{"id": d["id"], "name": d["name"]} for d in defined if d["file"] == key],
        }
        for key in sorted(model.draft_files)
        if key.startswith(FOLDER) and key.endswith(".dmn")
    ]


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def create(session: Session, model: ProcessModel, title: str, file_name: str, actor: str) -> str:
    """Add a starter decision table (FIRST, one input, one output) to the draft; return its name.

    The decision id comes from the title, so it reads well in the business rule
    task's select; the file is named after it unless `file_name` is given.
    """
    title = title.strip()
    if not title:
        raise ValueError(_("Give the decision table a name."))
    decision_id = slugify(title)
    if not decision_id[0].isalpha():
        decision_id = f"decision_{decision_id}"[:60]
    name = file_name.strip() or decision_id
    if not name.endswith(".dmn"):
        name += ".dmn"
    key = key_of(name)
    if key in model.draft_files:
        raise ValueError(_("The decision table '%(name)s' already exists.", name=name))
    if any(d["id"] == decision_id for d in decisions_in(model.draft_files)):
        raise ValueError(_("A decision with the id '%(id)s' already exists.", id=decision_id))
    text = STARTER.format(id=decision_id, name=_escape(title[:200]))
    write_files(session, model, {**model.draft_files, key: text}, actor)
    return name


def read(name: str, xml: str) -> Any:
    """The parsed DMN file, or ModelInvalid if it is unsafe, unreadable or not DMN."""
    root = parse_xml(xml, filename=FOLDER + name, max_bytes=MAX_DMN_CHARS)
    if local_name(root) != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        raise ModelInvalid(
            [Problem(_("The file is not a DMN decision table file."), file=FOLDER + name)]
        )
    return root


def problems(model: ProcessModel, name: str) -> list[Problem]:
    """What the engine would refuse in one decision file, checked beside the draft's others."""
    key = key_of(name)
    trees: dict[str, Any] = {}
    # The file under check goes last: a decision id it shares with another file is
    # reported on it.
    for other, text in sorted(model.draft_files.items(), key=lambda item: item[0] == key):
        if other.endswith(".dmn"):
            try:
                trees[other] = parse_xml(text, filename=other)
            except ModelInvalid as err:
                if other == key:
                    return err.problems
    found = [p for p in dmn_problems(trees) if p.file == key]
    return found + _missing_decisions(model)


def _missing_decisions(model: ProcessModel) -> list[Problem]:
    # Renaming a decision here is the likely reason a business rule task lost its own.
    defined = {d["id"] for d in decisions_in(model.draft_files)}
    return [
        Problem(
            _(
                "A business rule task in the diagram calls the decision '%(id)s', "
                "which no decision table of the process defines.",
                id=missing,
            ),
            element_id=missing,
        )
        for missing in sorted(called_decisions(model.draft_bpmn) - defined)
    ]


def save(
    session: Session, model: ProcessModel, name: str, xml: str, revision: int, actor: str
) -> list[Problem]:
    """Store a decision file if nobody saved it since `revision`; return its problems.

    Unreadable or unsafe XML raises ModelInvalid and nothing is stored; a table with
    problems is stored (publishing refuses it until they are fixed).
    """
    current = text_of(model, name)
    read(name, xml)
    if revision != revision_of(current):
        raise Conflict(
            _("Someone else saved this decision table after you opened it."),
            current_version=revision_of(current),
        )
    # The checksum check above is the editor's; the conditional write is the row's: a
    # concurrent save of any draft file makes this one a Conflict, never a lost change.
    try:
        write_files(session, model, {**model.draft_files, key_of(name): xml}, actor)
    except Conflict:
        raise Conflict(
            _("Someone else saved this decision table after you opened it."),
            current_version=revision_of(text_of(model, name)),
        ) from None
    return problems(model, name)


def called_decisions(bpmn_xml: str) -> set[str]:
    """The decision ids the diagram's business rule tasks call."""
    try:
        root = parse_xml(bpmn_xml)
    except ModelInvalid:
        found = re.findall(r"<(?:\w+:)?calledDecisionId>\s*([^<\s]+)\s*<", bpmn_xml)
        return set(found)
    return {
        (node.text or "").strip()
        for node in root.iter(f"{{{SPIFF}}}calledDecisionId")
        if (node.text or "").strip()
    }


def delete(session: Session, model: ProcessModel, name: str, actor: str) -> None:
    """Remove a decision file unless a business rule task calls a decision only it defines."""
    key = key_of(name)
    text_of(model, name)
    defined = decisions_in(model.draft_files)
    here = {d["id"] for d in defined if d["file"] == key}
    elsewhere = {d["id"] for d in defined if d["file"] != key}
    used = sorted((here - elsewhere) & called_decisions(model.draft_bpmn))
    if used:
        raise DecisionInUse(
            _(
                "'%(name)s' was not deleted: it defines %(ids)s, which a business rule task "
                "in the diagram calls. Point the task at another decision first.",
                name=name,
                ids=", ".join(f"'{u}'" for u in used),
            )
        )
    write_files(session, model, {k: v for k, v in model.draft_files.items() if k != key}, actor)

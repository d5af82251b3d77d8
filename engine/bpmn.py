"""Parse and validate BPMN (Spiff dialect) safely; cache parsed specs by content hash."""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from threading import Lock
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser

from . import parameters
from .checks import structural_problems
from .codechecks import label_of
from .dmn import DmnBpmnParser, dmn_problems  # DMN: our table parser, engine and checks
from .errors import ModelInvalid, Problem
from .safexml import parse_xml
from .servicetasks import ConnectorTask
from .timers import quote_plain_iso
from .transition import group_of as _group_of  # a group from the case data: only its lane

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_PROPERTY = "formJsonSchemaFilename"


class _Parser(DmnBpmnParser):  # type: ignore[misc]
    """Our DMN engine, and service tasks that wait for a connector job."""

    OVERRIDE_PARSER_CLASSES = {
        **DmnBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, ConnectorTask),
    }


_TOO_DEEP = Problem(
    "The process is too deeply chained to be parsed (hundreds of elements "
    "in one unbroken sequence). Split it into sub-processes.",
    code="too_deep",
)
# The library puts lxml reprs into its messages; a person reads the element's label.
_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-fA-F]+>")


@dataclass
class ParsedProcess:
    """A validated, parsed process ready to be instantiated."""

    content_hash: str
    process_id: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    start_form: str | None
    lanes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def content_hash(bpmn: dict[str, bytes], dmn: dict[str, bytes], extra: str = "") -> str:
    """A stable hash over every file of a bundle."""
    digest = hashlib.sha256(extra.encode())
    for kind, files in (("bpmn", bpmn), ("dmn", dmn)):
        for name in sorted(files):
            digest.update(f"\0{kind}\0{name}\0".encode())
            digest.update(files[name])
    return digest.hexdigest()


def _as_bytes(files: Mapping[str, bytes | str]) -> dict[str, bytes]:
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}


def _line_of(
    trees: dict[str, etree._Element], element_id: str | None
) -> tuple[int | None, str | None]:
    if not element_id:
        return None, None
    for filename, root in trees.items():
        found = root.xpath("//*[@id=$id]", id=element_id)
        if found:
            return found[0].sourceline, filename
    return None, None


def _spiff_problem(err: Exception, trees: dict[str, etree._Element]) -> Problem:
    element_id = getattr(err, "id", None) or None
    line = getattr(err, "line_number", None)
    filename = getattr(err, "file_name", None) or None
    if not isinstance(line, int) or not line:
        line, found_file = _line_of(trees, element_id)
        filename = filename or found_file
    message = str(err.args[0]) if err.args else str(err)
    label = _label(trees, element_id)
    message = _REPR.sub(lambda m: f"'{label or m.group(1)}'", message)
    params = {"label": label or "", "detail": message}
    return Problem(
        message, element_id=element_id, line=line, file=filename, code="spiff", params=params
    )


def _label(trees: dict[str, etree._Element], element_id: str | None) -> str | None:
    if not element_id:
        return None
    for root in trees.values():
        found = root.xpath("//*[@id=$id]", id=element_id)
        if found:
            return label_of(found[0])
    return element_id


def _pick_process(
    parser: SpiffBpmnParser, trees: dict[str, etree._Element], wanted: str | None
) -> str:
    ids = parser.get_process_ids()
    if wanted:
        if wanted not in ids:
            message = f"The process '{wanted}' is not in the diagram."
            params = {"label": wanted}
            raise ModelInvalid([Problem(message, code="process_missing", params=params)])
        return wanted
    executable = [
        p.get("id")
        for root in trees.values()
        for p in root.iter(f"{{{BPMN_NS}}}process")
        if p.get("isExecutable") == "true"
    ]
    candidates = executable or ids
    if not candidates:
        message = "The diagram contains no executable process: draw one, or mark it executable."
        raise ModelInvalid([Problem(message, code="no_process")])
    return str(candidates[0])


def _start_form(spec: BpmnProcessSpec) -> str | None:
    for task_spec in spec.task_specs.values():
        if (
            type(task_spec).__name__ == "StartEvent"
            and getattr(task_spec, "event_definition", None) is not None
        ):
            if type(task_spec.event_definition).__name__ != "NoneEventDefinition":
                continue
            props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            if props.get(FORM_PROPERTY):
                return str(props[FORM_PROPERTY])
    return None


def _parse(
    bpmn: dict[str, bytes],
    dmn: dict[str, bytes],
    form_names: set[str] | None,
    process_id: str | None,
    values: Mapping[str, Any] | None = None,
) -> ParsedProcess:
    trees = {name: parse_xml(data, filename=name) for name, data in bpmn.items()}
    dmn_trees = {name: parse_xml(data, filename=name) for name, data in dmn.items()}
    # `param.<name>` becomes the parameter's value before anything reads the expressions.
    problems = parameters.apply({**trees, **dmn_trees}, values or {})
    problems += structural_problems(trees, form_names) + dmn_problems(dmn_trees)  # DMN: checks
    try:
        found = _spiff_parse(trees, dmn_trees, process_id)
    except ModelInvalid as err:
        # Ours explain what the library trips over (it blames the wrong element).
        problems = problems or err.problems
        raise ModelInvalid(problems) from None
    if problems:
        raise ModelInvalid(problems)
    chosen, spec, subprocess_specs = found
    lanes = sorted({group for ts in spec.task_specs.values() if (group := _group_of(ts))})
    names = {
        ts.bpmn_id: ts.bpmn_name or ts.bpmn_id
        for ts in spec.task_specs.values()
        if getattr(ts, "bpmn_id", None)
    }
    return ParsedProcess(
        content_hash="",
        process_id=chosen,
        spec=spec,
        subprocess_specs=subprocess_specs,
        start_form=_start_form(spec),
        lanes=lanes,
        names=names,
    )


def _spiff_parse(
    trees: dict[str, etree._Element],
    dmn_trees: dict[str, etree._Element],
    process_id: str | None,
) -> tuple[str, BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """SpiffWorkflow's own parse; its errors as ModelInvalid with one problem."""
    parser = _Parser(validator=VALIDATOR)  # DMN: every hit policy; service tasks: jobs
    try:
        for name, root in trees.items():
            # Plain ISO 8601 timers (other modellers) become the literals the library wants.
            parser.add_bpmn_xml(etree.ElementTree(quote_plain_iso(root)), filename=name)
        for name, root in dmn_trees.items():
            parser.add_dmn_xml(root, filename=name)
        chosen = _pick_process(parser, trees, process_id)
        spec = parser.get_spec(chosen)
        subprocess_specs = parser.get_subprocess_specs(chosen)
    except ModelInvalid:
        raise
    except (ValidationException, SpiffWorkflowException) as err:
        problem = _spiff_problem(err, {**trees, **dmn_trees})  # DMN: lines in DMN files too
        # The task parser wraps a RecursionError into a ValidationException.
        if isinstance(err.__context__, RecursionError):
            problem = replace(problem, message=_TOO_DEEP.message, code="too_deep", params={})
        raise ModelInvalid([problem]) from None
    except RecursionError:
        raise ModelInvalid([_TOO_DEEP]) from None
    except (KeyError, ValueError, AttributeError, IndexError, TypeError) as err:
        detail = _REPR.sub(lambda m: f"'{m.group(1)}'", str(err))
        message = f"The diagram could not be read: {detail}"
        raise ModelInvalid(
            [Problem(message, code="unreadable", params={"detail": detail})]
        ) from None
    return chosen, spec, subprocess_specs


class SpecCache:
    """Parsed processes by content hash; parsing happens once per bundle."""

    def __init__(self, size: int = 128) -> None:
        self._size = size
        self._items: OrderedDict[str, ParsedProcess] = OrderedDict()
        self._lock = Lock()

    def parse(
        self,
        bpmn: Mapping[str, bytes | str],
        dmn: Mapping[str, bytes | str] | None = None,
        *,
        form_names: set[str] | None = None,
        process_id: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> ParsedProcess:
        """Validate and parse a bundle, or return the cached result."""
        bpmn_b, dmn_b = _as_bytes(bpmn), _as_bytes(dmn or {})
        forms_key = "" if form_names is None else "\0".join(sorted(form_names))
        extra = f"{process_id or ''}\0{forms_key}"
        if values:  # bundles without parameters keep the hash they always had
            extra += "\0" + json.dumps(dict(values), sort_keys=True, default=str)
        key = content_hash(bpmn_b, dmn_b, extra)
        with self._lock:
            cached = self._items.get(key)
            if cached is not None:
                self._items.move_to_end(key)
                return cached
        parsed = _parse(bpmn_b, dmn_b, form_names, process_id, values)
        parsed.content_hash = key
        with self._lock:
            self._items[key] = parsed
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return parsed


SPECS = SpecCache()


def validate(
    bpmn: Mapping[str, bytes | str],
    dmn: Mapping[str, bytes | str] | None = None,
    *,
    form_names: set[str] | None = None,
    process_id: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Every problem of a bundle (empty when it can run); `values`: its parameters."""
    try:
        SPECS.parse(bpmn, dmn, form_names=form_names, process_id=process_id, values=values)
    except ModelInvalid as err:
        return err.problems
    return []


def parse(
    bpmn: Mapping[str, bytes | str],
    dmn: Mapping[str, bytes | str] | None = None,
    *,
    form_names: set[str] | None = None,
    process_id: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> ParsedProcess:
    """Parse a bundle (cached; `values`: its parameters); ModelInvalid lists its problems."""
    return SPECS.parse(bpmn, dmn, form_names=form_names, process_id=process_id, values=values)


def describe(parsed: ParsedProcess) -> dict[str, Any]:
    """A short JSON-friendly description of a parsed process."""
    return {"process_id": parsed.process_id, "lanes": parsed.lanes, "start_form": parsed.start_form}

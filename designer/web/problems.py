"""Problems in the UI language: each engine Problem code has its own translated text.

The engine names elements by label in `params`; a code without a text here (or a text
whose placeholders the params do not fill) falls back to the English message, with
library reprs such as `<Element {...}task at 0x7f...>` taken out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from engine.errors import Problem

_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-fA-F]+>")

_TEXTS: dict[str, Any] = {
    "flow_no_source": _l("The sequence flow '%(label)s' has no source: connect both its ends."),
    "flow_no_target": _l("The sequence flow '%(label)s' has no target: connect both its ends."),
    "flow_dangling_source": _l(
        "The sequence flow '%(label)s' starts at '%(ref)s', which is not in the same "
        "process: reconnect it or delete it."
    ),
    "flow_dangling_target": _l(
        "The sequence flow '%(label)s' leads to '%(ref)s', which is not in the same "
        "process: reconnect it or delete it."
    ),
    "process_no_start": _l(
        "The process '%(label)s' has no start event: draw a start event and connect it "
        "to the first step."
    ),
    "process_no_end": _l(
        "The process '%(label)s' has no end event: draw an end event and draw a sequence "
        "flow from the last step to it."
    ),
    "task_no_form": _l(
        "The task '%(label)s' has no form: choose or create one in the properties panel."
    ),
    "form_missing": _l(
        "The form '%(form)s' used by '%(label)s' does not exist: create it or choose another form."
    ),
    "form_invalid": _l("The form '%(form)s' cannot be used: %(detail)s"),
    "call_missing": _l(
        "The call activity '%(label)s' calls the process '%(target)s', which is not in "
        "this service: choose a process that exists."
    ),
    "undeclared_message": _l(
        "'%(label)s' refers to a message '%(ref)s' that is not declared: choose a declared message."
    ),
    "undeclared_signal": _l(
        "'%(label)s' refers to a signal '%(ref)s' that is not declared: choose a declared signal."
    ),
    "undeclared_error": _l(
        "'%(label)s' refers to an error '%(ref)s' that is not declared: choose a declared error."
    ),
    "undeclared_escalation": _l(
        "'%(label)s' refers to an escalation '%(ref)s' that is not declared: choose a "
        "declared escalation."
    ),
    "condition_missing": _l(
        "The flow '%(label)s' out of '%(gateway)s' needs a condition, or make it the default flow."
    ),
    "not_bpmn": _l("The file is not a BPMN 2.0 diagram: export it as BPMN 2.0 XML."),
    "duplicate_id": _l(
        "The id '%(id)s' is used by more than one element: give each element its own id."
    ),
    "syntax_condition": _l(
        "The condition of '%(label)s' has a syntax error (line %(line)s): correct it."
    ),
    "syntax_script": _l(
        "The script of '%(label)s' has a syntax error (line %(line)s): correct it."
    ),
    "syntax_prescript": _l(
        "The script before '%(label)s' has a syntax error (line %(line)s): correct it."
    ),
    "syntax_postscript": _l(
        "The script after '%(label)s' has a syntax error (line %(line)s): correct it."
    ),
    "syntax_parameter": _l(
        "The parameter '%(name)s' of '%(label)s' has a syntax error: correct it."
    ),
    "timer_invalid": _l(
        "The timer of '%(label)s' is not valid: write an ISO 8601 value such as PT2H, "
        "P3D, R6/P1D or 2026-03-01T08:00:00Z, or a Python expression."
    ),
    "process_not_executable": _l(
        "The process '%(label)s' is marked as not executable: mark it executable to run it here."
    ),
    "several_pools": _l(
        "The diagram has several pools with steps (%(pools)s); only one process can run "
        "here and messages between the pools would wait for ever: move the steps into "
        "one pool and leave the others empty."
    ),
    "task_no_type": _l(
        "'%(label)s' has no task type, so nobody could work it: choose a task type (user "
        "task, service task, script task...)."
    ),
    "no_layout": _l(
        "'%(label)s' has no position in the diagram, so the editor cannot show it: it is "
        "kept in the file; delete or redraw it in the modeller it came from."
    ),
    "no_lanes": _l(
        "Nobody works '%(label)s': choose a group for it in the properties panel, or "
        "draw it in a lane named after a group."
    ),
    "process_missing": _l("The process '%(label)s' is not in the diagram."),
    "no_process": _l(
        "The diagram contains no executable process: draw one, or mark it executable."
    ),
    "too_deep": _l(
        "The process is too deeply chained to be read (hundreds of elements in one "
        "unbroken sequence). Split it into sub-processes."
    ),
    "unreadable": _l("The diagram could not be read: %(detail)s"),
    "parameter_unknown": _l(
        "The rules use the parameter param.%(name)s, which the service does not have: add it "
        "under Parameters, or correct the name."
    ),
    "parameters_invalid": _l("The parameters of the service cannot be used: %(detail)s"),
    "spiff": _l("'%(label)s' cannot be run: %(detail)s"),
    "vendor": _l(
        "'%(label)s' uses %(what)s from another modeller, which does not run here: %(fix)s"
    ),
    "vendor_condition": _l(
        "The condition '%(value)s' is written in another modeller's expression language: "
        "write it as a Python expression."
    ),
}

# What a vendor extension is, and what to do instead (the `vendor` code's params).
VENDOR_PARTS: dict[str, tuple[Any, Any]] = {
    "formKey": (_l("a form key"), _l("attach a Flytverk form instead.")),
    "assignee": (_l("an assignee"), _l("choose the group that works the task instead.")),
    "candidateGroups": (
        _l("candidate groups"),
        _l("choose the group that works the task instead."),
    ),
    "class": (_l("a Java class"), _l("choose a Flytverk connector instead.")),
    "delegateExpression": (_l("a Java delegate"), _l("choose a Flytverk connector instead.")),
    "expression": (_l("an expression"), _l("choose a Flytverk connector instead.")),
    "type": (_l("a task type"), _l("choose a Flytverk connector instead.")),
    "taskDefinition": (_l("a job type"), _l("choose a Flytverk connector instead.")),
    "formDefinition": (_l("a form"), _l("attach a Flytverk form instead.")),
    "userTask": (_l("user task settings"), _l("remove them; the form and group apply.")),
    "calledDecision": (_l("a decision reference"), _l("set the decision instead.")),
    "calledElement": (_l("a call reference"), _l("set the called process instead.")),
    "inputOutput": (_l("input/output mappings"), _l("remove them or use a script.")),
    "ioMapping": (_l("input/output mappings"), _l("remove them or use a script.")),
    "executionListener": (_l("an execution listener"), _l("remove it or use a script.")),
    "taskListener": (_l("a task listener"), _l("remove it or use a script.")),
    "formData": (_l("form fields"), _l("attach a Flytverk form instead.")),
}


def text(problem: Problem) -> str:
    """The problem's text in the UI language, elements named by label."""
    params: dict[str, Any] = dict(problem.params)
    if problem.code == "vendor" and params.get("part") in VENDOR_PARTS:
        what, fix = VENDOR_PARTS[params["part"]]
        params.update(what=str(what), fix=str(fix))
    template = _TEXTS.get(problem.code)
    if problem.code == "spiff" and not params.get("label"):
        template = _TEXTS["unreadable"]
    if template is not None:
        try:
            return str(template) % params
        except (KeyError, TypeError, ValueError):
            pass
    return _REPR.sub(lambda m: f"'{m.group(1)}'", problem.message)


def translated(items: Iterable[Problem | dict[str, Any]]) -> list[dict[str, object]]:
    """Problems as the editors and pages show them: the same fields, the text translated.

    Already translated problems (dicts) pass unchanged, so pages may translate twice.
    """
    return [p if isinstance(p, dict) else {**p.as_dict(), "message": text(p)} for p in items]

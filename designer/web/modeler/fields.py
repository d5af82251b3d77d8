"""The fields a condition can test: the draft's form fields and decision outputs (JSON)."""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts
from designer.web.modeler import bp
from engine.api import local_name, parse_xml
from engine.errors import ModelInvalid

# form-js component type -> the kind of value a condition compares
_KINDS = {
    "textfield": "text",
    "textarea": "text",
    "number": "number",
    "checkbox": "boolean",
    "radio": "choice",
    "select": "choice",
    "checklist": "list",
    "taglist": "list",
    "datetime": "date",
}
_DMN_KINDS = {
    "number": "number",
    "integer": "number",
    "long": "number",
    "double": "number",
    "boolean": "boolean",
    "date": "date",
}


def _components(components: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Keyed components, groups opened (not dynamic lists: their rows are lists)."""
    found: list[dict[str, Any]] = []
    if not isinstance(components, list) or depth > 20:
        return found
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("type") == "group":
            found += _components(component.get("components"), depth + 1)
        elif component.get("key") and component.get("type") in _KINDS:
            found.append(component)
    return found


def _options(component: dict[str, Any]) -> list[dict[str, Any]]:
    values = component.get("values")
    if not isinstance(values, list):
        return []
    return [
        {"value": v.get("value"), "label": str(v.get("label") or v.get("value"))}
        for v in values
        if isinstance(v, dict) and "value" in v
    ]


def form_fields(files: dict[str, str]) -> list[dict[str, Any]]:
    """Every keyed field of the draft's forms: key, label, type, options, source form."""
    found: dict[str, dict[str, Any]] = {}
    for filename, text in sorted(files.items()):
        if not (filename.startswith("forms/") and filename.endswith(".json")):
            continue
        try:
            definition = json.loads(text)
        except (ValueError, TypeError):
            continue
        if not isinstance(definition, dict):
            continue
        for component in _components(definition.get("components")):
            key = str(component["key"])
            found.setdefault(
                key,
                {
                    "key": key,
                    "label": str(component.get("label") or key),
                    "type": _KINDS[str(component["type"])],
                    "options": _options(component),
                    "source": filename.removeprefix("forms/"),
                },
            )
    return list(found.values())


def decision_outputs(files: dict[str, str]) -> list[dict[str, Any]]:
    """The named outputs of the draft's decision tables: key, label, type, source."""
    found: list[dict[str, Any]] = []
    for filename, text in sorted(files.items()):
        if not filename.endswith(".dmn"):
            continue
        try:
            root = parse_xml(text, filename=filename)
        except ModelInvalid:
            continue
        for decision in root:
            if not isinstance(decision.tag, str) or local_name(decision) != "decision":
                continue
            for element in decision.iter():
                if isinstance(element.tag, str) and local_name(element) == "output":
                    name = element.get("name")
                    if not name:
                        continue
                    found.append(
                        {
                            "key": str(name),
                            "label": str(element.get("label") or name),
                            "type": _DMN_KINDS.get(str(element.get("typeRef") or ""), "text"),
                            "options": [],
                            "source": str(decision.get("name") or decision.get("id")),
                        }
                    )
    return found


@bp.get("/<int:model_id>/fields")
@role_required("process_owner")
def fields(model_id: int) -> ResponseReturnValue:
    """The fields of the process's forms and decision outputs, for the condition builder."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    files = dict(model.draft_files or {})
    return jsonify(fields=form_fields(files) + decision_outputs(files))

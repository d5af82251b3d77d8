"""The list definitions of a service (`ProcessModel.settings["lists"]`): read, checked, who sees.

`problems` checks definitions and says, per list, what is wrong in words a process owner
understands (naming the list and the field); nothing with a problem is ever stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from designer.models import User
from designer.services.caselists.sources import SOURCES
from designer.services.errors import Missing
from engine.models import ProcessModel

KEY = re.compile(r"^[a-z0-9_-]{1,40}$")
OPS = ("eq", "ne", "in", "contains", "gte", "lte", "empty", "not_empty")
NO_VALUE = ("empty", "not_empty")
ORIENTATIONS = ("portrait", "landscape")
ALLOWED = {
    "key", "name", "description", "source", "groups", "columns", "filters", "ask",
    "group_by", "section_by", "sort", "orientation",
}  # fmt: skip
LEADS = ("team_lead", "process_owner", "admin")  # see every list of their services
READERS = ("staff", "caseworker")  # see the lists shown to one of their groups


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the `index`-th list definition (`key` as written, if any)."""

    index: int
    key: str
    message: str


def lists_of(model: ProcessModel) -> list[dict[str, Any]]:
    """The list definitions of a service (only well-formed entries)."""
    found = (model.settings or {}).get("lists")
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []


def find(model: ProcessModel, key: str) -> dict[str, Any]:
    """The service's list `key`, or Missing."""
    for definition in lists_of(model):
        if definition.get("key") == key:
            return definition
    raise Missing(_("No such list."))


def text_in(texts: Any, lang: str) -> str:
    """A {nb, nn, en} text in `lang`, else bokmål, else any."""
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, dict):
        return ""
    for code in (lang, "nb", *texts):
        if isinstance(texts.get(code), str) and texts[code].strip():
            return str(texts[code])
    return ""


def may_see(user: User, definition: dict[str, Any]) -> bool:
    """Whether `user` may read the list (leads all; staff and caseworkers by group)."""
    if user.has_role(*LEADS):
        return True
    groups = definition.get("groups") or []
    return user.has_role(*READERS) and bool(set(user.group_list) & set(groups))


def may_read_lists(user: User) -> bool:
    """Whether `user` holds a role lists are ever shown to."""
    return user.has_role(*LEADS, *READERS)


def _text_problem(value: Any, need_nb: bool) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return _('write it as {"nb": "...", "nn": "...", "en": "..."}')
    unknown = sorted(set(value) - {"nb", "nn", "en"})
    if unknown:
        return _("unknown language %(code)s", code=", ".join(unknown))
    if need_nb and not str(value.get("nb", "")).strip():
        return _("the text in bokmål (nb) is missing")
    return None


def _names(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return list(value)


class _Checker:
    """Collects the problems of one definition."""

    def __init__(self, index: int, definition: dict[str, Any]) -> None:
        self.index, self.definition = index, definition
        key = definition.get("key")
        self.key = key if isinstance(key, str) else ""
        self.found: list[Problem] = []

    def say(self, setting: str, text: str) -> None:
        name = self.key or f"#{self.index + 1}"
        self.found.append(
            Problem(
                self.index,
                self.key,
                _(
                    "List %(list)s, %(setting)s: %(problem)s.",
                    list=name,
                    setting=setting,
                    problem=text,
                ),
            )
        )

    def field(self, setting: str, field: Any, fields: dict[str, Any]) -> None:
        if not isinstance(field, str) or field not in fields:
            self.say(
                setting,
                _(
                    "unknown field %(field)s (known: %(known)s)",
                    field=field,
                    known=", ".join(fields),
                ),
            )

    def run(self) -> list[Problem]:
        d = self.definition
        for extra in sorted(set(d) - ALLOWED):
            self.say(extra, _("unknown setting"))
        if not KEY.match(self.key):
            self.say("key", _("use 1 to 40 of a-z, 0-9, _ and -"))
        said = _text_problem(d.get("name"), True)
        if said:
            self.say("name", said)
        if "description" in d and (said := _text_problem(d["description"], False)):
            self.say("description", said)
        if "groups" in d and _names(d["groups"]) is None:
            self.say("groups", _("write a list of group names"))
        if d.get("orientation", "portrait") not in ORIENTATIONS:
            self.say("orientation", _("use portrait or landscape"))
        name = d.get("source")
        source = SOURCES.get(name) if isinstance(name, str) else None
        if source is None:
            self.say("source", _("unknown source (use %(known)s)", known=", ".join(SOURCES)))
            return self.found
        fields = source.fields
        self._columns(fields, source.type_of)
        self._filters(fields)
        for setting in ("ask", "group_by", "sort"):
            if setting not in d:
                continue
            names = _names(d[setting])
            if names is None:
                self.say(setting, _("write a list of field names"))
                continue
            for name in names:
                down = setting == "sort" and name[:1] == "-"
                self.field(setting, name[1:] if down else name, fields)
        if "section_by" in d:
            self.field("section_by", d["section_by"], fields)
        return self.found

    def _columns(self, fields: dict[str, Any], type_of: Any) -> None:
        columns = self.definition.get("columns")
        if not isinstance(columns, list) or not columns:
            self.say("columns", _("give at least one column"))
            return
        for number, column in enumerate(columns, 1):
            where = f"columns {number}"
            if not isinstance(column, dict) or set(column) - {"field", "label", "sum"}:
                self.say(where, _('write {"field": ..., "label": {...}, "sum": true}'))
                continue
            self.field(where, column.get("field"), fields)
            if "label" in column and (said := _text_problem(column["label"], False)):
                self.say(where, said)
            if column.get("sum", False) not in (True, False):
                self.say(where, _("sum is true or false"))
            elif column.get("sum") and type_of(column.get("field")) != "int":
                self.say(where, _("only a number can be summed"))

    def _filters(self, fields: dict[str, Any]) -> None:
        filters = self.definition.get("filters", [])
        if not isinstance(filters, list):
            self.say("filters", _("write a list of filters"))
            return
        for number, rule in enumerate(filters, 1):
            where = f"filters {number}"
            if not isinstance(rule, dict) or set(rule) - {"field", "op", "value"}:
                self.say(where, _('write {"field": ..., "op": ..., "value": ...}'))
                continue
            self.field(where, rule.get("field"), fields)
            op = rule.get("op")
            if op not in OPS:
                self.say(where, _("unknown op %(op)s (use %(known)s)", op=op, known=", ".join(OPS)))
            elif op == "in" and not isinstance(rule.get("value"), list):
                self.say(where, _("the value of in is a list"))
            elif op not in NO_VALUE and (
                "value" not in rule or isinstance(rule["value"], (dict, list)) and op != "in"
            ):
                self.say(where, _("give a value (a text or a number)"))


def problems(definitions: Any) -> list[Problem]:
    """Everything wrong with a service's list definitions (empty: they can be stored)."""
    if not isinstance(definitions, list):
        return [Problem(-1, "", _("The lists are written as a list of definitions."))]
    found: list[Problem] = []
    seen: set[str] = set()
    for index, definition in enumerate(definitions):
        if not isinstance(definition, dict):
            found.append(Problem(index, "", _("List #%(n)s is not a definition.", n=index + 1)))
            continue
        checker = _Checker(index, definition)
        found += checker.run()
        if checker.key and checker.key in seen:
            checker.found = []
            checker.say("key", _("another list has the same key"))
            found += checker.found
        seen.add(checker.key)
    return found

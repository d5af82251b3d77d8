"""Compare two BPMN diagrams element by element: added, removed, changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .safexml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_REFS = {"incoming", "outgoing", "flowNodeRef"}


@dataclass
class Change:
    """One changed element and what differs."""

    element_id: str
    name: str
    fields: list[str] = field(default_factory=list)


@dataclass
class Diff:
    """The element-level difference between two diagrams."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing executable differs."""
        return not (self.added or self.removed or self.changed)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _signature(element: etree._Element) -> dict[str, str]:
    """What an element means, without its id, its DI and children that have ids."""
    parts = {f"@{k}": v for k, v in sorted(element.attrib.items()) if k != "id"}
    parts["type"] = _local(element)
    for child in element:
        if not isinstance(child.tag, str) or child.get("id") is not None:
            continue
        name = _local(child)
        if name in _REFS:
            continue
        text = etree.tostring(child, method="c14n").decode("utf-8")
        parts[name] = parts.get(name, "") + text
    return parts


def _elements(xml: str | bytes) -> dict[str, etree._Element]:
    root = parse_xml(xml)
    found = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).namespace != BPMN:
            continue
        if element.get("id") and _local(element) not in ("definitions",):
            found[str(element.get("id"))] = element
    return found


def diff(old: str | bytes, new: str | bytes) -> Diff:
    """The difference from `old` to `new` by element id."""
    before, after = _elements(old), _elements(new)
    result = Diff()
    for element_id, element in {**before, **after}.items():
        result.names[element_id] = str(element.get("name") or element_id)
    result.added = sorted(set(after) - set(before))
    result.removed = sorted(set(before) - set(after))
    for element_id in sorted(set(before) & set(after)):
        a, b = _signature(before[element_id]), _signature(after[element_id])
        if a != b:
            fields = sorted(k.lstrip("@") for k in set(a) | set(b) if a.get(k) != b.get(k))
            result.changed.append(Change(element_id, result.names[element_id], fields))
    return result

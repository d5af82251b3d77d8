"""Who works a task: the tenant's groups, the group a task names, and lanes naming no group.

A user task reaches the people of one group: the group chosen for the task
(`spiffworkflow:property name="candidateGroup"`), or else the name of the lane it is drawn
in. A name that is no group of the tenant (and not the applicant's lane) reaches nobody, so
the editor warns about it. The warnings do not stop publishing: the group may be created
(and filled) by an administrator later.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import GroupMember, is_citizen_lane
from engine.api import local_name, parse_xml
from engine.errors import ModelInvalid, Problem

GROUP_PROPERTY = "candidateGroup"
WORKED_BY_PEOPLE = ("userTask", "manualTask")
CODE = "group_unknown"


def tenant_groups(session: Session, tenant_id: int) -> list[str]:
    """The staff groups of the tenant that have members, sorted as people read them."""
    names = session.scalars(
        select(GroupMember.group_name).where(GroupMember.tenant_id == tenant_id).distinct()
    )
    return sorted({n for n in names if n and not is_citizen_lane(n)}, key=str.casefold)


@dataclass
class Worked:
    """A task worked by people: its label, the group it names and where the name comes from."""

    element_id: str
    label: str
    group: str | None
    lane_id: str | None
    lane_label: str | None
    chosen: bool  # the group was picked for the task (not taken from the lane)


def _property(node: etree._Element, name: str) -> str | None:
    for prop in node.iter():
        if local_name(prop) == "property" and prop.get("name") == name:
            value = (prop.get("value") or "").strip()
            return value or None
    return None


def _lanes(process: etree._Element) -> dict[str, tuple[str, str, int]]:
    """Element id -> (lane id, lane name, depth) of the innermost lane holding it."""
    held: dict[str, tuple[str, str, int]] = {}
    for lane in process.iter():
        if local_name(lane) != "lane":
            continue
        depth = sum(1 for a in lane.iterancestors() if local_name(a) == "lane")
        name = str(lane.get("name") or lane.get("id") or "").strip()
        for ref in lane:
            if local_name(ref) == "flowNodeRef" and ref.text:
                node_id = ref.text.strip()
                if node_id not in held or held[node_id][2] < depth:
                    held[node_id] = (str(lane.get("id") or ""), name, depth)
    return held


def worked_tasks(bpmn_xml: str) -> list[Worked]:
    """Every user and manual task of the diagram with the group it names (None: nobody)."""
    try:
        root = parse_xml(bpmn_xml, filename="process.bpmn")
    except ModelInvalid:
        return []
    found: list[Worked] = []
    for process in root.iter():
        if local_name(process) != "process":
            continue
        lanes = _lanes(process)
        for node in process.iter():
            if local_name(node) not in WORKED_BY_PEOPLE or not node.get("id"):
                continue
            element_id = str(node.get("id"))
            chosen = _property(node, GROUP_PROPERTY)
            lane = lanes.get(element_id)
            found.append(
                Worked(
                    element_id=element_id,
                    label=str(node.get("name") or element_id),
                    group=chosen or (lane[1] if lane else None),
                    lane_id=lane[0] if lane else None,
                    lane_label=lane[1] if lane else None,
                    chosen=chosen is not None,
                )
            )
    return found


def group_problems(session: Session, tenant_id: int, bpmn_xml: str) -> list[Problem]:
    """Warnings: a chosen group or a lane (holding user tasks) that names no group."""
    known = {g.casefold() for g in tenant_groups(session, tenant_id)}
    found: list[Problem] = []
    warned_lanes: set[str] = set()
    for task in worked_tasks(bpmn_xml):
        group = task.group
        if not group or is_citizen_lane(group) or group.casefold() in known:
            continue
        if task.chosen:
            found.append(
                Problem(
                    _(
                        "The task %(task)s is given to the group %(group)s, which does not "
                        "exist: nobody gets the task. Choose a group from the list.",
                        task=task.label,
                        group=group,
                    ),
                    element_id=task.element_id,
                    code=CODE,
                    params={"task": task.label, "group": group},
                )
            )
        elif task.lane_id and task.lane_id not in warned_lanes:
            warned_lanes.add(task.lane_id)
            found.append(
                Problem(
                    _(
                        "The lane %(lane)s names no group: nobody gets its tasks. Name the lane "
                        "like a group, or choose a group for each task.",
                        lane=group,
                    ),
                    element_id=task.lane_id,
                    code=CODE,
                    params={"lane": group},
                )
            )
    return found

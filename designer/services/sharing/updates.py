"""Following the origin: what its new version changes, and taking it over.

An adopter that follows is offered the origin's live version when it is newer than its own
origin version (while the service is shared). The comparison is the designer's own (diagram,
forms, decision tables, texts) plus the parameters: new ones, and those whose meaning
changed (type, unit or label). Taking the update over keeps what is the adopter's:

- parameter values, where name, type and unit are unchanged (new parameters get the
  origin's value as a suggestion; changed ones are flagged for the owner to check);
- the group mapping (a new group of the origin asks for one);
- the adopter's own texts: a text the adopter changed, added or removed compared with the
  origin version it is on wins; the others come from the new version.

Then a new version of the adopter's service is published; its running cases stay on theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from designer.models import Adoption, SharedService
from designer.services import drafts, publishing, steplog, text_table
from designer.services.errors import Invalid, Missing
from designer.services.packages import groups_of, map_groups
from designer.services.packages.core import connectors_of
from designer.services.service_texts import TEXT_FILE, file_name, read
from designer.services.sharing import values
from designer.services.sharing.adopt import Choices
from designer.services.sharing.following import FOLLOWING, adoption_of, origin_version
from engine.api import Diff, Registry, begin_write, diff
from engine.errors import Conflict
from engine.models import ProcessModel, ProcessVersion, Tenant, utcnow


@dataclass
class Following:
    """An adopted service's link to its origin, as its pages show it."""

    adoption: Adoption
    origin: str  # the origin municipality's name
    number: int  # the origin's version it is on
    newer: int | None  # the origin's newer live version, if one is offered
    active: bool  # still shared by the origin

    @property
    def following(self) -> bool:
        """Updates are offered (not a copy)."""
        return self.adoption.status == FOLLOWING


@dataclass
class ParameterChange:
    """A parameter of the new version, compared with the version the adopter is on."""

    name: str
    status: str  # added | meaning (type, unit or label changed) | kept | removed
    definition: dict[str, Any]
    before: dict[str, Any] | None
    suggestion: Any

    @property
    def flagged(self) -> bool:
        """The owner must look at it: new, or its meaning changed."""
        return self.status in ("added", "meaning")


@dataclass
class Update:
    """The origin's newer version and what taking it over means."""

    model: ProcessModel
    adoption: Adoption
    origin: Tenant
    current: ProcessVersion  # the origin's version the adopter is on
    newer: ProcessVersion  # the origin's live version
    result: Diff
    changes: list[dict[str, str]]
    files: list[text_table.FileChange]
    parameters: list[ParameterChange] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # the new version's groups
    connectors: list[dict[str, Any]] = field(default_factory=list)  # those it calls

    @property
    def new_groups(self) -> list[str]:
        """Groups of the new version the adopter has not mapped yet."""
        return [g for g in self.groups if g not in (self.adoption.group_map or {})]


def _live(session: Session, shared: SharedService) -> ProcessVersion | None:
    origin = session.get(ProcessModel, shared.model_id)
    if origin is None or origin.archived or origin.published_version_id is None:
        return None
    return session.get(ProcessVersion, origin.published_version_id)


def newer_version(session: Session, adoption: Adoption) -> ProcessVersion | None:
    """The origin's live version when a following adoption may take it over."""
    shared = session.get(SharedService, adoption.shared_id)
    if adoption.status != FOLLOWING or shared is None or not shared.active:
        return None
    live = _live(session, shared)
    if live is None or live.number is None or live.number <= adoption.origin_version:
        return None
    return live


def following_of(session: Session, model: ProcessModel) -> Following | None:
    """The service's link to its origin (None: the municipality's own service)."""
    adoption = adoption_of(session, model.id)
    if adoption is None:
        return None
    shared = session.get(SharedService, adoption.shared_id)
    origin = session.get(Tenant, shared.tenant_id) if shared is not None else None
    newer = newer_version(session, adoption)
    return Following(
        adoption=adoption,
        origin=origin.name if origin is not None else "",
        number=adoption.origin_version,
        newer=newer.number if newer is not None else None,
        active=bool(shared is not None and shared.active),
    )


def pending(session: Session, tenant_id: int) -> list[tuple[ProcessModel, Following]]:
    """The municipality's followed services with an update offered."""
    found = []
    for adoption in session.scalars(
        select(Adoption).where(Adoption.tenant_id == tenant_id, Adoption.status == FOLLOWING)
    ):
        model = session.get(ProcessModel, adoption.model_id)
        if model is None or model.archived:
            continue
        state = following_of(session, model)
        if state is not None and state.newer is not None:
            found.append((model, state))
    return found


def parameter_changes(
    current: dict[str, str], newer: dict[str, str], own: dict[str, str]
) -> list[ParameterChange]:
    """The new version's parameters with the value to suggest, then those it removed."""
    before = {item["name"]: item for item in values.definitions(current)}
    mine = values.values(own)
    found = []
    for item in values.definitions(newer):
        old = before.get(item["name"])
        if old is None:
            found.append(ParameterChange(item["name"], "added", item, None, item["value"]))
            continue
        same_kind = (old.get("type"), old.get("unit", "")) == (item["type"], item.get("unit", ""))
        same_label = (old.get("label") or {}) == (item.get("label") or {})
        status = "kept" if same_kind and same_label else "meaning"
        suggestion = mine.get(item["name"], item["value"]) if same_kind else item["value"]
        found.append(ParameterChange(item["name"], status, item, old, suggestion))
    names = {item["name"] for item in values.definitions(newer)}
    found += [
        ParameterChange(name, "removed", old, old, None)
        for name, old in before.items()
        if name not in names
    ]
    return found


def merged_texts(
    current: dict[str, str], own: dict[str, str], newer: dict[str, str]
) -> dict[str, str]:
    """The texts files of the new version with the adopter's own changes kept."""
    langs = {
        m.group(1) for name in (*current, *own, *newer) if (m := TEXT_FILE.match(name)) is not None
    }
    merged: dict[str, str] = {}
    for lang in sorted(langs):
        was, mine, new = read(current, lang), read(own, lang), read(newer, lang)
        texts = dict(new)
        for key in set(was) | set(mine):
            if key not in was:  # the adopter's own text
                texts[key] = mine[key]
            elif key not in mine:  # the adopter removed it
                texts.pop(key, None)
            elif mine[key] != was[key] and key in new:  # the adopter changed it
                texts[key] = mine[key]
        if texts:
            merged[file_name(lang)] = json.dumps(
                texts, ensure_ascii=False, indent=2, sort_keys=True
            )
    return merged


def update_of(session: Session, model: ProcessModel) -> Update:
    """The update offered to a followed service; Missing when there is none."""
    adoption = adoption_of(session, model.id)
    newer = newer_version(session, adoption) if adoption is not None else None
    current = origin_version(session, adoption) if adoption is not None else None
    if adoption is None or newer is None or current is None:
        raise Missing(_("There is no update for this service."))
    origin = session.get(Tenant, newer.tenant_id)
    assert origin is not None
    result = diff(current.bpmn, newer.bpmn)
    old_files, new_files = dict(current.files or {}), dict(newer.files or {})
    return Update(
        model=model,
        adoption=adoption,
        origin=origin,
        current=current,
        newer=newer,
        result=result,
        changes=steplog.changes(current.bpmn, newer.bpmn, result),
        files=text_table.compare_files(old_files, new_files),
        parameters=parameter_changes(old_files, new_files, dict(model.draft_files or {})),
        groups=groups_of(newer.bpmn, new_files),
        connectors=connectors_of(newer.bpmn, new_files),
    )


def take_over(
    session: Session,
    found: Update,
    choices: Choices,
    actor: str,
    registry: Registry | None = None,
) -> ProcessVersion:
    """Make the new version the adopter's draft (their values, groups and texts kept) and
    publish it; flushed. Conflict when the update was taken over meanwhile; ModelInvalid
    when the result cannot be published (nothing is kept then: the caller rolls back)."""
    model, adoption, newer = found.model, found.adoption, found.newer
    own = dict(model.draft_files or {})
    files = {k: v for k, v in dict(newer.files or {}).items() if not TEXT_FILE.match(k)}
    files.update(merged_texts(dict(found.current.files or {}), own, dict(newer.files or {})))
    try:
        files = values.with_values(files, choices.values)
    except ValueError as err:
        raise Invalid(str(err), code="parameters_invalid") from None
    groups = {g: choices.groups.get(g, (adoption.group_map or {}).get(g, g)) for g in found.groups}
    begin_write(session)
    # One of two take-overs at once wins: the other finds the adoption moved on.
    done = session.execute(
        update(Adoption)
        .where(
            Adoption.id == adoption.id,
            Adoption.status == FOLLOWING,
            Adoption.origin_version == found.current.number,
        )
        .values(origin_version=newer.number, group_map=groups, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire(adoption)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Someone else took the update over at the same time."))
    source = ProcessVersion(bpmn=map_groups(newer.bpmn, groups), files=files)  # not stored
    drafts.restore(session, model, source, actor)
    comment = _(
        "Version %(n)s from %(origin)s taken over.", n=newer.number, origin=found.origin.name
    )
    return publishing.publish(session, model, actor, comment, registry)

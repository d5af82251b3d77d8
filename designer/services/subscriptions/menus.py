"""A service's menu: what can be chosen each day, entered by the kitchen two weeks at a time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from designer.models import MenuDay, User, utcnow
from designer.services.errors import Invalid
from designer.services.subscriptions import core
from engine.models import ProcessModel

WEEKS = 2
MAX_TEXT = 200


def may_edit(user: User, model: ProcessModel) -> bool:
    """True when the user may enter the service's menu."""
    if user.tenant_id != model.tenant_id:
        return False
    if user.has_role("team_lead", "process_owner", "admin"):
        return True
    groups = {row.group_name for row in user.group_rows}
    return bool(groups.intersection(core.settings_of(model).get("menu_groups") or ()))


def days_of(first: date) -> list[date]:
    """The weekdays (Monday to Friday) of the two weeks from Monday `first`."""
    return [first + timedelta(days=offset) for offset in range(7 * WEEKS) if offset % 7 < 5]


def save(session: Session, model: ProcessModel, first: date, form: Any, actor: str) -> int:
    """Save the menu of the two weeks from `first` (fields `<choice>-<day>`, `note-<day>`)."""
    terms = core.terms_of(session, model)
    days = days_of(first)
    found = core.menu_of(session, model, days[0], days[-1])
    errors: dict[str, str] = {}
    count = 0
    for day in days:
        name = day.isoformat()
        texts = {c: str(form.get(f"{c}-{name}", "")).strip() for c in terms.choices}
        note = str(form.get(f"note-{name}", "")).strip()
        for key, text in [*texts.items(), ("note", note)]:
            if len(text) > MAX_TEXT:
                errors[f"{key}-{name}"] = str(_l("At most %(n)s characters.", n=MAX_TEXT))
        if errors:
            continue
        row = found.get(day)
        if row is None:
            if not any(texts.values()) and not note:
                continue
            row = MenuDay(tenant_id=model.tenant_id, model_id=model.id, day=day)
            session.add(row)
        if (row.choices or {}) != {k: v for k, v in texts.items() if v} or row.note != note:
            row.choices = {k: v for k, v in texts.items() if v}
            row.note, row.updated_by, row.updated_at = note, actor, utcnow()
            count += 1
    if errors:
        raise Invalid(str(_l("The menu was not saved.")), fields=errors)
    session.flush()
    return count

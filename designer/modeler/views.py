"""Process-owner pages."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from engine.models import Instance, ProcessModel, ProcessVersion

from ..auth import role_required
from ..extensions import db
from . import bp


@bp.get("/")
@role_required("process_owner")
def index() -> ResponseReturnValue:
    """The tenant's services with their live version and running cases."""
    models = db.session.scalars(
        select(ProcessModel)
        .where(ProcessModel.tenant_id == current_user.tenant_id)
        .order_by(ProcessModel.name_nb)
    ).all()
    running = dict(
        db.session.execute(
            select(ProcessVersion.model_id, func.count(Instance.id))
            .join(Instance, Instance.version_id == ProcessVersion.id)
            .where(
                Instance.tenant_id == current_user.tenant_id,
                Instance.status.in_(("running", "incident")),
            )
            .group_by(ProcessVersion.model_id)
        ).all()
    )
    live = {
        m.id: db.session.get(ProcessVersion, m.published_version_id)
        for m in models
        if m.published_version_id
    }
    return render_template("modeler/index.html", models=models, running=running, live=live)

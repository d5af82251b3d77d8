"""Administrators: the audit log of staff reads and changes, filtered, paged and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import audit
from designer.web import auditing
from designer.web.routing import clean_args

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

CSV_HEADER = (
    "id",
    "at_utc",
    "actor_id",
    "actor_name",
    "role",
    "action",
    "object_type",
    "object_id",
    "case_no",
    "remote_addr",
)


@bp.get("")
@role_required("admin")
def index() -> ResponseReturnValue:
    """The municipality's audit log, newest first, with filters and older pages."""
    query = audit.AuditQuery.from_args(clean_args(request.args, "user", "before"))
    tenant_id = current_user.tenant_id
    return render_template(
        "audit/index.html",
        query=query,
        result=audit.page(db.session(), tenant_id, query),
        actors=audit.actors(db.session(), tenant_id),
        actions=audit.ACTIONS,
        action_labels=audit.ACTION_LABELS,
    )


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/export.csv")
@role_required("admin")
def export() -> ResponseReturnValue:
    """The filtered audit log as CSV (at most audit.CSV_MAX rows); the export is itself logged."""
    query = audit.AuditQuery.from_args(clean_args(request.args, "user", "before"))
    tenant_id = current_user.tenant_id
    auditing.record(
        current_user,
        "audit.export",
        object_type="audit",
        roles=("admin",),
        detail=query.args(before=None),
    )

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for event in audit.export_rows(db.session(), tenant_id, query):
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        event.id,
                        event.at.isoformat(timespec="seconds"),
                        event.actor_id,
                        event.actor_name,
                        event.role,
                        event.action,
                        event.object_type,
                        event.object_id,
                        event.case_no,
                        event.remote_addr,
                    )
                ]
            )
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )

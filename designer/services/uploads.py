"""Uploaded files: stored outside the web root under random names, tied to a case."""

from __future__ import annotations

import importlib
import os
import secrets
from typing import Any

from flask import current_app

import forms
from designer.extensions import db
from designer.models import Attachment


def folder() -> str:
    """Where uploads live (never under static/)."""
    path = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    os.makedirs(path, mode=0o700, exist_ok=True)
    return str(path)


def scanner() -> Any:
    """The configured virus scanner ("module:Class" in UPLOAD_SCANNER), or none."""
    spec = current_app.config.get("UPLOAD_SCANNER")
    if not spec:
        return forms.NoScanner()
    module, _, name = str(spec).partition(":")
    return getattr(importlib.import_module(module), name)()


def _store(upload: Any, owner: str, tenant_id: int, key: str) -> dict[str, Any]:
    info = upload.info
    name = secrets.token_hex(16)
    upload.storage.stream.seek(0)
    with open(os.path.join(folder(), name), "wb") as handle:
        handle.write(upload.storage.stream.read())
    row = Attachment(
        tenant_id=tenant_id,
        owner=owner,
        field_key=key,
        filename=info.filename_safe,
        media_type=info.media_type or "application/octet-stream",
        size=info.size,
        sha256=info.sha256,
        storage_name=name,
    )
    db.session.add(row)
    db.session.flush()
    return {
        "attachment_id": row.id,
        "filename": row.filename,
        "media_type": row.media_type,
        "size": row.size,
    }


def store_all(data: dict[str, Any], owner: str, tenant_id: int) -> tuple[dict[str, Any], list[int]]:
    """Save every upload in typed form data; return data with references and the new ids."""
    stored: dict[str, Any] = {}
    ids: list[int] = []
    for key, value in data.items():
        if isinstance(value, forms.Upload):
            stored[key] = _store(value, owner, tenant_id, key)
            ids.append(stored[key]["attachment_id"])
        elif isinstance(value, list) and value and all(isinstance(v, forms.Upload) for v in value):
            stored[key] = [_store(v, owner, tenant_id, key) for v in value]
            ids += [ref["attachment_id"] for ref in stored[key]]
        else:
            stored[key] = value
    return stored, ids


def attach(ids: list[int], instance_id: int) -> None:
    """Tie freshly stored uploads to the case they belong to."""
    for attachment in db.session.query(Attachment).filter(Attachment.id.in_(ids)):
        attachment.instance_id = instance_id
    db.session.commit()


def path_of(attachment: Attachment) -> str:
    """The file on disk."""
    return os.path.join(folder(), attachment.storage_name)

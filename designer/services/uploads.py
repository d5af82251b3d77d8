"""Uploaded files: stored outside the web root under random names, tied to a case.

A file is written when its row is flushed; if that transaction rolls back (a failed
submission), the file is removed again, so no file stays on disk attached to no case.
"""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

import forms
from designer.models import Attachment

_NEW_FILES = "flytverk_new_upload_files"  # session.info: files written in this transaction

# The settings of the running application: (config, instance folder). The web layer installs
# it (designer.web.portal); services never reach for Flask themselves.
Settings = Callable[[], tuple[Mapping[str, Any], str]]
_settings: list[Settings] = []


def use_settings(settings: Settings) -> None:
    """Tell this module where to read UPLOAD_FOLDER / UPLOAD_SCANNER (once per process)."""
    _settings[:] = [settings]


def _current() -> tuple[Mapping[str, Any], str]:
    if not _settings:
        raise RuntimeError("designer.services.uploads has no settings (use_settings).")
    return _settings[0]()


def folder(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> str:
    """Where uploads live (never under static/): UPLOAD_FOLDER, else <instance>/uploads."""
    if config is None or instance_path is None:
        config, instance_path = _current()
    path = config.get("UPLOAD_FOLDER") or os.path.join(instance_path, "uploads")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return str(path)


def scanner(config: Mapping[str, Any] | None = None) -> Any:
    """The configured virus scanner ("module:Class" in UPLOAD_SCANNER), or none."""
    spec = (config if config is not None else _current()[0]).get("UPLOAD_SCANNER")
    if not spec:
        return forms.NoScanner()
    module, _, name = str(spec).partition(":")
    return getattr(importlib.import_module(module), name)()


@event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _maybe_removed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    for path in session.info.pop(_NEW_FILES, ()):  # still here: the transaction rolled back
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def _store(session: Session, upload: Any, owner: str, tenant_id: int, key: str) -> dict[str, Any]:
    info = upload.info
    name = secrets.token_hex(16)
    path = os.path.join(folder(), name)
    upload.storage.stream.seek(0)
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
    session.add(row)
    session.flush()  # opens the transaction the file belongs to
    session.info.setdefault(_NEW_FILES, []).append(path)
    with open(path, "wb") as handle:
        handle.write(upload.storage.stream.read())
    return {
        "attachment_id": row.id,
        "filename": row.filename,
        "media_type": row.media_type,
        "size": row.size,
    }


def store_all(
    session: Session, data: dict[str, Any], owner: str, tenant_id: int
) -> tuple[dict[str, Any], list[int]]:
    """Save every upload in typed form data; return data with references and the new ids."""
    stored: dict[str, Any] = {}
    ids: list[int] = []
    for key, value in data.items():
        if isinstance(value, forms.Upload):
            stored[key] = _store(session, value, owner, tenant_id, key)
            ids.append(stored[key]["attachment_id"])
        elif isinstance(value, list) and value and all(isinstance(v, forms.Upload) for v in value):
            stored[key] = [_store(session, v, owner, tenant_id, key) for v in value]
            ids += [ref["attachment_id"] for ref in stored[key]]
        else:
            stored[key] = value
    return stored, ids


def attach(session: Session, ids: list[int], instance_id: int) -> None:
    """Tie freshly stored uploads to the case they belong to (flushed; the caller commits)."""
    if not ids:
        return
    for attachment in session.scalars(select(Attachment).where(Attachment.id.in_(ids))):
        attachment.instance_id = instance_id
    session.flush()


def path_of(attachment: Attachment) -> str:
    """The file on disk."""
    return os.path.join(folder(), attachment.storage_name)

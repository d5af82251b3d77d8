"""Domain errors of designer.services: the web layer maps each to a status and a page.

Services raise these (or engine.errors types) instead of calling Flask's `abort`, so they run
the same from a view, a worker, a CLI command or a test.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every service error; `message` is for people (translated by the web layer)."""

    status = 400

    def __init__(self, message: str = "", *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Forbidden(ServiceError):
    """The person may not do this or see this (403)."""

    status = 403


class Missing(ServiceError):
    """The object does not exist, or not for this person (404)."""

    status = 404


class Invalid(ServiceError):
    """The input is not acceptable (400); `fields` maps field names to messages."""

    status = 400

    def __init__(
        self, message: str = "", *, code: str = "", fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.fields = fields or {}


class Stale(ServiceError):
    """Someone else changed the object first, or it is already done (409)."""

    status = 409

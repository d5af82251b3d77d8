"""The HTTP connector as the app configures it, and the checks its test double repeats."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from engine.api import ConnectorFailed, HttpConnector, host_allowed

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def http_connector(app: Flask) -> HttpConnector:
    """The real HTTP connector, limited to the configured hosts."""
    return HttpConnector(allowed_hosts(app), float(app.config.get("CONNECTOR_HTTP_TIMEOUT") or 10))


def allowed_hosts(app: Flask) -> list[str]:
    """CONNECTOR_HTTP_ALLOWED_HOSTS: exact names or '*.example.no'."""
    return list(app.config.get("CONNECTOR_HTTP_ALLOWED_HOSTS") or [])


def checked_request(params: dict[str, Any], hosts: Iterable[str]) -> tuple[str, str]:
    """The (method, url) the HTTP connector would send; ConnectorFailed as it would refuse."""
    url = params.get("url")
    if not isinstance(url, str):
        raise ConnectorFailed("The URL must be text.", retry=False)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectorFailed(f"'{url[:200]}' is not an http(s) URL.", retry=False)
    if parts.username or parts.password:
        raise ConnectorFailed("URLs with a user name or password are refused.", retry=False)
    if not host_allowed(parts.hostname, hosts):
        raise ConnectorFailed(
            f"The host '{parts.hostname}' is not on the list of hosts services may call "
            "(CONNECTOR_HTTP_ALLOWED_HOSTS).",
            retry=False,
        )
    method = str(params.get("method") or ("POST" if "body" in params else "GET")).upper()
    if method not in METHODS:
        raise ConnectorFailed(f"'{method}' is not an HTTP method this connector uses.", retry=False)
    if params.get("body") is not None:
        try:
            json.dumps(params["body"])
        except (TypeError, ValueError) as err:
            raise ConnectorFailed(f"The body cannot be sent as JSON: {err}", retry=False) from None
    return method, url

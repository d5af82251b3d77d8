"""The HTTP connector's ports come from the configuration; the test double checks them too."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask

from designer.integrations.registry import build_registry
from engine.api import ConnectorFailed
from tests.factories import call_context

CONTEXT = call_context(is_test=True)


def test_only_80_and_443_unless_configured(app: Flask) -> None:
    app.config["CONNECTOR_HTTP_ALLOWED_HOSTS"] = ["api.example.no"]
    http = build_registry(app).get("http")
    assert http is not None
    with pytest.raises(ConnectorFailed, match="port 8443") as failed:
        http.call({"url": "https://api.example.no:8443/x"}, CONTEXT)
    assert failed.value.retry is False
    real = dataclasses.replace(CONTEXT, is_test=False)
    with pytest.raises(ConnectorFailed, match="port 22"):
        http.call({"url": "http://api.example.no:22/x"}, real)
    assert http.call({"url": "https://api.example.no/x"}, CONTEXT)["test"] is True

    app.config["CONNECTOR_HTTP_ALLOWED_PORTS"] = [443, 8443]
    http = build_registry(app).get("http")
    assert http is not None
    assert http.call({"url": "https://api.example.no:8443/x"}, CONTEXT)["test"] is True
    with pytest.raises(ConnectorFailed, match="port 80"):
        http.call({"url": "http://api.example.no/x"}, CONTEXT)


def test_a_listed_name_that_resolves_to_loopback_is_refused_for_real(app: Flask) -> None:
    app.config["CONNECTOR_HTTP_ALLOWED_HOSTS"] = ["localhost"]
    http = build_registry(app).get("http")
    assert http is not None
    real = dataclasses.replace(CONTEXT, is_test=False)
    with pytest.raises(ConnectorFailed, match="resolves to") as failed:
        http.call({"url": "http://localhost/x"}, real)
    assert failed.value.retry is False

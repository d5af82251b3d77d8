"""The HTTP connector as the app configures it (hosts, ports, timeout)."""

from __future__ import annotations

from flask import Flask

from engine.api import HttpConnector

DEFAULT_PORTS = (80, 443)


def http_connector(app: Flask) -> HttpConnector:
    """The real HTTP connector, limited to the configured hosts and ports."""
    return HttpConnector(
        allowed_hosts(app),
        float(app.config.get("CONNECTOR_HTTP_TIMEOUT") or 10),
        allowed_ports=allowed_ports(app),
    )


def allowed_hosts(app: Flask) -> list[str]:
    """CONNECTOR_HTTP_ALLOWED_HOSTS: exact names, '*.example.no', or IP addresses and
    networks ('10.0.0.0/24') that may be called although they are not public."""
    return list(app.config.get("CONNECTOR_HTTP_ALLOWED_HOSTS") or [])


def allowed_ports(app: Flask) -> list[int]:
    """CONNECTOR_HTTP_ALLOWED_PORTS: the ports services may call (80 and 443 by default)."""
    ports = app.config.get("CONNECTOR_HTTP_ALLOWED_PORTS")
    if isinstance(ports, str):
        ports = [p for p in ports.replace(",", " ").split() if p]
    return [int(port) for port in (ports or DEFAULT_PORTS)]

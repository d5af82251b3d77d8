"""Service-task connectors behind one registry.

A connector is what a service task calls: an HTTP JSON service, e-mail, a letter to the
citizen's digital mailbox, a payment order. The engine knows the registry and the HTTP
connector; the application registers the rest (they need its tables and settings). Each
connector declares its parameters (shown in the designer's panel) and is called with the
parameters' evaluated values and a `CallContext`; it returns JSON-friendly data, stored in the
task's result variable. It raises `ConnectorFailed` when the call did not succeed: `retry=False`
for an error no retry can fix (a bad address, a refused amount).
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from . import netguard

MAX_RESPONSE_BYTES = 1024 * 1024


class ConnectorFailed(Exception):
    """A connector call did not succeed; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


@dataclass(frozen=True)
class Param:
    """One parameter of a connector as the designer's panel shows it."""

    name: str
    label_nb: str
    label_en: str
    required: bool = True


@dataclass(frozen=True)
class CallContext:
    """Who a call is for: the case, the job and a key that makes repeated calls safe."""

    tenant_id: int
    instance_id: int
    case_no: str
    owner: str | None
    job_id: int
    attempt: int
    element_id: str
    is_test: bool = False

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of one job: a receiver can drop repeats."""
        return f"flytverk-{self.tenant_id}-job-{self.job_id}"


class Connector(Protocol):
    """What the registry holds."""

    params: tuple[Param, ...]
    label_nb: str
    label_en: str

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Do the work; return JSON-friendly data or raise ConnectorFailed."""
        ...  # pragma: no cover - protocol


@dataclass
class Registry:
    """Connectors by name."""

    connectors: dict[str, Connector] = field(default_factory=dict)

    def register(self, name: str, connector: Connector) -> None:
        """Add (or replace) the connector called `name`."""
        self.connectors[name] = connector

    def get(self, name: str) -> Connector | None:
        """The connector called `name`, or None."""
        return self.connectors.get(name)

    def names(self) -> set[str]:
        """Every registered connector name."""
        return set(self.connectors)

    def describe(self, locale: str = "nb") -> list[dict[str, Any]]:
        """The connectors as the designer's panel lists them."""
        english = locale == "en"
        return [
            {
                "id": name,
                "label": c.label_en if english else c.label_nb,
                "params": [
                    {"name": p.name, "label": p.label_en if english else p.label_nb}
                    for p in c.params
                ],
            }
            for name, c in sorted(self.connectors.items())
        ]


def missing_params(connector: Connector, given: Iterable[str]) -> list[str]:
    """Required parameters of `connector` that a service task does not set."""
    present = set(given)
    return [p.name for p in connector.params if p.required and p.name not in present]


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """True when `host` is in the allowlist: exact names, '*.example.no' for subdomains,
    and IP literals or networks ('10.0.0.0/24') for addresses."""
    host = host.lower().rstrip(".").strip("[]")
    entries = [entry.lower().strip().rstrip(".") for entry in allowed]
    for entry in entries:
        if entry.startswith("*.") and host.endswith(entry[1:]) and host != entry[2:]:
            return True
        if host == entry:
            return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(
        address in network
        for network in netguard.allowed_networks(entries)
        if network.version == address.version
    )


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class HttpConnector:
    """Calls a JSON web service on an allowed host; 5xx, timeouts and 429 are retried.

    Only `allowed_ports` (80 and 443 unless configured) are called, and the host's name must
    resolve to public addresses unless the host list names the address (see netguard).
    """

    label_nb = "HTTP-kall (JSON)"
    label_en = "HTTP call (JSON)"
    params: tuple[Param, ...] = (
        Param("url", "URL", "URL"),
        Param("method", "Metode (GET, POST …)", "Method (GET, POST …)", required=False),
        Param("body", "Innhold", "Body", required=False),
    )

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        timeout: float = 10.0,
        allowed_ports: Iterable[int] = netguard.DEFAULT_PORTS,
    ) -> None:
        self.allowed_hosts = tuple(allowed_hosts)
        self.timeout = timeout
        self.allowed_ports = tuple(int(port) for port in allowed_ports)
        self._networks = netguard.allowed_networks(self.allowed_hosts)

    def _check_url(self, url: Any) -> tuple[str, str, int]:
        if not isinstance(url, str):
            raise ConnectorFailed("The URL must be text.", retry=False)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectorFailed(f"'{url[:200]}' is not an http(s) URL.", retry=False)
        if parts.username or parts.password:
            raise ConnectorFailed("URLs with a user name or password are refused.", retry=False)
        if not host_allowed(parts.hostname, self.allowed_hosts):
            raise ConnectorFailed(
                f"The host '{parts.hostname}' is not on the list of hosts services may call "
                "(CONNECTOR_HTTP_ALLOWED_HOSTS).",
                retry=False,
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ConnectorFailed(f"'{url[:200]}' has an invalid port.", retry=False) from None
        if port not in self.allowed_ports:
            raise ConnectorFailed(
                f"The port {port} is not one services may call (CONNECTOR_HTTP_ALLOWED_PORTS).",
                retry=False,
            )
        return url, parts.hostname, port

    def check(self, params: dict[str, Any]) -> tuple[str, str]:
        """The (method, url) a call would send, without resolving or sending anything;
        ConnectorFailed as the call would refuse."""
        url, _host, _port = self._check_url(params.get("url"))
        method = str(params.get("method") or ("POST" if "body" in params else "GET")).upper()
        if method not in _METHODS:
            raise ConnectorFailed(
                f"'{method}' is not an HTTP method this connector uses.", retry=False
            )
        if params.get("body") is not None:
            try:
                json.dumps(params["body"])
            except (TypeError, ValueError) as err:
                raise ConnectorFailed(
                    f"The body cannot be sent as JSON: {err}", retry=False
                ) from None
        return method, url

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Send the request; return the decoded JSON answer (None for an empty body)."""
        method, url = self.check(params)
        _url, host, port = self._check_url(url)
        data = None
        headers = {
            "Accept": "application/json",
            "Idempotency-Key": context.idempotency_key,
            "User-Agent": "Flytverk",
        }
        if params.get("body") is not None:
            data = json.dumps(params["body"]).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            # Resolved once and checked; the connection goes to that very address.
            addresses = netguard.resolve(host, port, self._networks)
            opener = netguard.pinned_opener(addresses)
            with opener.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except netguard.AddressRefused as err:
            raise ConnectorFailed(str(err), retry=False) from None
        except urllib.error.HTTPError as err:
            err.close()
            retry = err.code >= 500 or err.code in (408, 429)
            raise ConnectorFailed(f"{url} answered {err.code} {err.reason}.", retry=retry) from None
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ConnectorFailed(f"{url} could not be reached: {reason}.") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise ConnectorFailed(f"{url} answered with more than 1 MB.", retry=False)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ConnectorFailed(f"{url} did not answer with JSON.", retry=False) from None

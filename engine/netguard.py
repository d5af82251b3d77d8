"""Where the HTTP connector may connect: allowed ports, public addresses, no DNS rebinding.

A name is resolved once; every address it resolves to is checked, and the connection is
made to the checked address (http: the Host header carries the name; https: SNI and the
certificate check use the name). Loopback, private, link-local, unspecified, multicast and
reserved addresses (IPv4 and IPv6, IPv4-mapped included) are refused unless the allowlist
names them: an IP literal ("10.0.0.5") or a network ("10.0.0.0/24") in the host list.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from collections.abc import Iterable
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = (80, 443)


class AddressRefused(Exception):
    """The name resolves to an address the connector may not call."""


def allowed_networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The IP literals and networks an allowlist names explicitly."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip().strip("[]"), strict=False))
        except ValueError:
            continue
    return networks


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def is_public(address: IPAddress) -> bool:
    """True for a globally routable unicast address."""
    # A mapped, 6to4 or Teredo address reaches its embedded IPv4 address: judge that one.
    candidate = _plain(address)
    if (
        not candidate.is_global
        or candidate.is_multicast
        or candidate.is_reserved
        or candidate.is_unspecified
        or candidate.is_loopback
        or candidate.is_link_local
        or candidate.is_private
    ):
        return False
    return True


def address_allowed(address: IPAddress, networks: Iterable[Any]) -> bool:
    """Public, or named explicitly by the allowlist."""
    if is_public(address):
        return True
    plain = _plain(address)
    return any(
        candidate in network
        for network in networks
        for candidate in (address, plain)
        if candidate.version == network.version
    )


def resolve(host: str, port: int, networks: Iterable[Any]) -> list[str]:
    """The checked addresses to connect to; AddressRefused when any address is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise OSError(f"the name '{host}' could not be resolved ({err})") from None
    addresses = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(text))
    if not addresses:
        raise OSError(f"the name '{host}' could not be resolved")
    nets = list(networks)
    for address in addresses:
        if not address_allowed(address, nets):
            raise AddressRefused(
                f"The host '{host}' resolves to {address}, a loopback, private or "
                "otherwise non-public address that the host list does not name."
            )
    return list(dict.fromkeys(str(address) for address in addresses))


def _connect(addresses: list[str], port: int, timeout: Any) -> socket.socket:
    """A connection to the first of the checked addresses that answers (no new lookup)."""
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as err:
            error = err
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    pinned: list[str] = []

    def connect(self) -> None:
        self.sock = _connect(self.pinned, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    pinned: list[str] = []

    def connect(self) -> None:
        sock = _connect(self.pinned, self.port, self.timeout)
        # The certificate is checked against the name in the URL, not the address.
        context = self._context  # type: ignore[attr-defined]
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead past the allowlist: it is an answer, not something to follow.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def pinned_opener(addresses: list[str]) -> urllib.request.OpenerDirector:
    """An opener that connects to `addresses` whatever the URL's name; no proxies."""

    class HTTP(_PinnedHTTPConnection):
        pinned = addresses

    class HTTPS(_PinnedHTTPSConnection):
        pinned = addresses

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(HTTP, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(HTTPS, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirects, HTTPHandler, HTTPSHandler
    )

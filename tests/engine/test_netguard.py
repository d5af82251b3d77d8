"""The HTTP connector: allowed ports only, public addresses only, no DNS rebinding."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from engine import netguard
from engine.connectors import ConnectorFailed, HttpConnector
from tests.factories import call_context

CONTEXT = call_context(instance_id=2, job_id=3)


class _Handler(BaseHTTPRequestHandler):
    hosts: list[str | None] = []

    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self.hosts.append(self.headers.get("Host"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')


@pytest.fixture
def port() -> Iterator[int]:
    _Handler.hosts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _refused(connector: HttpConnector, url: str) -> str:
    with pytest.raises(ConnectorFailed) as failed:
        connector.call({"url": url}, CONTEXT)
    assert failed.value.retry is False
    return failed.value.message


def test_only_ports_80_and_443_unless_configured(port: int) -> None:
    url = f"http://127.0.0.1:{port}/x"
    assert "port" in _refused(HttpConnector(["127.0.0.1"]), url)
    assert _Handler.hosts == []  # refused before any connection
    assert HttpConnector(["127.0.0.1"], allowed_ports=[port]).call({"url": url}, CONTEXT) == {
        "ok": True
    }


def test_a_name_that_resolves_to_loopback_is_refused_unless_the_address_is_listed(
    port: int,
) -> None:
    url = f"http://localhost:{port}/x"
    message = _refused(HttpConnector(["localhost"], allowed_ports=[port]), url)
    assert "resolves to" in message and "localhost" in message
    assert _Handler.hosts == []
    listed = HttpConnector(["localhost", "127.0.0.0/8", "::1"], allowed_ports=[port])
    assert listed.call({"url": url}, CONTEXT) == {"ok": True}
    assert _Handler.hosts == [f"localhost:{port}"]


def test_the_checked_address_is_the_one_connected_to(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rebinding resolver answers a public address first and loopback after: the
    # connector must resolve once and never ask again before it connects.
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "api.example.no":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "93.184.216.34"
            return real(address, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    connector = HttpConnector(["api.example.no", "127.0.0.1"], timeout=2, allowed_ports=[port])
    assert connector.call({"url": f"http://api.example.no:{port}/x"}, CONTEXT) == {"ok": True}
    assert asked == ["api.example.no"]
    assert _Handler.hosts == [f"api.example.no:{port}"]  # the name, not the address


def test_an_allowed_name_pointing_inside_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def inside(host: str, *args: Any, **kwargs: Any) -> Any:
        return real("169.254.169.254" if host == "api.example.no" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", inside)
    message = _refused(HttpConnector(["api.example.no"]), "https://api.example.no/x")
    assert "169.254.169.254" in message


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
    ],
)
def test_non_public_addresses_are_recognised(address: str) -> None:
    assert not netguard.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert netguard.is_public(ipaddress.ip_address(address))


def test_ip_literals_are_allowed_by_listed_networks() -> None:
    from engine.connectors import host_allowed

    assert host_allowed("10.0.0.5", ["10.0.0.0/24"])
    assert not host_allowed("10.0.1.5", ["10.0.0.0/24"])
    assert host_allowed("[::1]", ["::1"])
    assert not host_allowed("127.0.0.1", ["api.example.no"])


@pytest.fixture
def tls_port(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 whose certificate names only 'localhost' (trusted here)."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts this one only
    _Handler.hosts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_checked_address_and_verifies_the_name(tls_port: int) -> None:
    connector = HttpConnector(
        ["localhost", "127.0.0.1", "::1"], timeout=2, allowed_ports=[tls_port]
    )
    answer = connector.call({"url": f"https://localhost:{tls_port}/x"}, CONTEXT)
    assert answer == {"ok": True}
    assert _Handler.hosts == [f"localhost:{tls_port}"]
    # Same server by its address: the certificate does not name it, so TLS refuses.
    with pytest.raises(ConnectorFailed) as failed:
        connector.call({"url": f"https://127.0.0.1:{tls_port}/x"}, CONTEXT)
    assert "could not be reached" in failed.value.message
    assert "certificate" in failed.value.message.lower() or "match" in failed.value.message

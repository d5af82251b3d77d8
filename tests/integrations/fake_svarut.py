"""A local stand-in for KS SvarUt's REST forsendelse service (version 1), on a real socket.

It keeps what it is sent, answers the external-reference look-up from that, checks Basic
auth, and can be told to answer the next sends with an error or to answer too late.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

API = "/tjenester/api/forsendelse/v1"
USERNAME, PASSWORD = "flytverk-avsender", "service-passord"


class FakeSvarUt:
    """What the fake server received, and how it should answer."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []  # {"id", "forsendelse", "files", "headers"}
        self.lookups: list[str] = []
        self.errors: list[tuple[int, Any]] = []  # answers for the next sends, in order
        self.late_by = 0.0  # seconds to wait after taking a letter, before answering
        self.lookup_error: tuple[int, Any] | None = None
        self.lock = threading.Lock()
        self.url = ""

    def ids_for(self, reference: str) -> list[str]:
        """Forsendelse ids kept for an external reference."""
        return [s["id"] for s in self.sent if s["forsendelse"].get("eksternReferanse") == reference]


def _parts(content_type: str, body: bytes) -> list[dict[str, Any]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    return [
        {
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "content": part.get_payload(decode=True),
        }
        for part in message.iter_parts()
    ]


def _handler(fake: FakeSvarUt) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == expected:
                return True
            self._answer(401, {"message": "Unauthorized", "errorCode": "AUTH"})
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            prefix = API + "/eksternref/"
            if not self.path.startswith(prefix):
                self._answer(404, {"message": "Not found"})
                return
            reference = unquote(self.path[len(prefix) :])
            fake.lookups.append(reference)
            if fake.lookup_error:
                self._answer(*fake.lookup_error)
                return
            with fake.lock:
                ids = fake.ids_for(reference)
            self._answer(200, {"forsendelseIder": [{"id": i} for i in ids]})

        def do_POST(self) -> None:
            if not self._authorised():
                return
            if self.path != API + "/sendForsendelse":
                self._answer(404, {"message": "Not found"})
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if fake.errors:
                self._answer(*fake.errors.pop(0))
                return
            parts = _parts(self.headers.get("Content-Type", ""), body)
            forsendelse = json.loads(parts[0]["content"])
            kept = {
                "id": str(uuid.uuid4()),
                "forsendelse": forsendelse,
                "parts": parts,
                "headers": dict(self.headers),
            }
            with fake.lock:
                fake.sent.append(kept)
            time.sleep(fake.late_by)
            self._answer(200, {"id": kept["id"]})

    return Handler


@contextmanager
def running() -> Iterator[FakeSvarUt]:
    """A fake SvarUt on 127.0.0.1 for the duration of the block."""
    fake = FakeSvarUt()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    server.block_on_close = False  # a deliberately late answer must not hold the test up
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()

"""KS SvarUt letters: a letter adapter for SvarUt's REST forsendelse service (version 1).

Facts from KS's documentation (sources in designer/integrations/README.md): a letter is one
`POST {base}/tjenester/api/forsendelse/v1/sendForsendelse`, HTTP Basic auth with the
forsendelse service's user name and service password, `multipart/form-data` whose first part
`forsendelse` is the JSON description and whose file parts (`filer`, one per document, file
name as in `dokumenter[].filnavn`) are `application/octet-stream`; the answer is
`{"id": "<forsendelse UUID>"}`. SvarUt does not check `eksternReferanse` for repeats, so this
adapter looks the reference up (`GET .../eksternref/{ref}`) before every send and never sends
when the look-up fails: a retry after a lost answer finds the first forsendelse.
`krevNiva4Innlogging` letters must be encrypted (CMS with SvarUt's certificate):
SVARUT_CERTIFICATE turns encryption on, and such letters are refused without it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from flask import Flask

from designer.integrations.letter import Document, LetterMessage
from engine.api import ConnectorFailed

API = "/tjenester/api/forsendelse/v1"
ACCOUNTING_CODE = re.compile(r"[a-zA-Z0-9\-.øæåØÆÅ]{0,20}")
FILENAME_FORBIDDEN = set('/\\"<>?*|:')
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
PDF = "application/pdf"


def _refuse(text: str) -> ConnectorFailed:
    return ConnectorFailed(text, retry=False)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checked_base_url(url: str) -> str:
    """SvarUt's base URL: https (plain http only for a server on this machine), no
    credentials in it; ValueError otherwise."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SVARUT_URL '{url}' is not an http(s) URL.")
    if parts.username or parts.password:
        raise ValueError("Put SvarUt's user name and password in SVARUT_USERNAME/PASSWORD.")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError("SvarUt is called over https (http only for a local test server).")
    return url.rstrip("/")


def _digital_address(recipient_id: str) -> dict[str, str] | None:
    digits = recipient_id.strip()
    if digits.isdigit() and len(digits) == 11:
        return {"fodselsNummer": digits}
    if digits.isdigit() and len(digits) == 9:
        return {"organisasjonsNummer": digits}
    return None


def _checked_documents(message: LetterMessage) -> list[Document]:
    if not message.documents:
        raise _refuse("A SvarUt letter needs at least one document.")
    ordered = sorted(message.documents, key=lambda d: d.role != "main")  # main first
    seen: set[str] = set()
    for document in ordered:
        name = document.filename
        if not name or len(name) > 226 or FILENAME_FORBIDDEN & set(name):
            raise _refuse(f"SvarUt refuses the file name '{name[:230]}'.")
        if name.lower() in seen:
            raise _refuse(f"Two documents of the letter are called '{name}'.")
        seen.add(name.lower())
    if not message.digital_only and ordered[0].media_type != PDF:
        raise _refuse("A letter that may be printed needs a PDF as its main document.")
    return ordered


def forsendelse(message: LetterMessage, *, encrypted: bool = False) -> dict[str, Any]:
    """The `forsendelse` JSON SvarUt expects for `message`; ConnectorFailed(retry=False) when
    SvarUt would refuse it."""
    digital = _digital_address(message.recipient_id)
    if message.digital_only and digital is None:
        raise _refuse("A digital-only letter needs a fødselsnummer or organisasjonsnummer.")
    if not message.recipient_name.strip() or not message.title.strip():
        raise _refuse("A SvarUt letter needs the recipient's name and a title.")
    if not message.digital_only and not (message.postal_code.strip() and message.city.strip()):
        raise _refuse("A letter that may be printed needs a postal code and a city.")
    if not ACCOUNTING_CODE.fullmatch(message.accounting_code):
        raise _refuse("The accounting code may have 20 letters, digits, '-' and '.' at most.")
    if message.high_security and not encrypted:
        raise _refuse(
            "SvarUt requires encrypted files for letters that need a high-security login: "
            "set SVARUT_CERTIFICATE to SvarUt's public certificate."
        )
    lines = [line.strip() for line in message.address.splitlines() if line.strip()][:3]
    post: dict[str, Any] = {"navn": message.recipient_name.strip()[:200]}
    post.update({f"adresse{n}": line for n, line in enumerate(lines, start=1)})
    post.update(
        postNummer=message.postal_code.strip() or None,
        postSted=message.city.strip() or None,
        land="Norge",
    )
    recipient: dict[str, Any] = {"postAdresse": post}
    if digital is not None:
        recipient["digitalAdresse"] = digital
    return {
        "mottaker": recipient,
        "avgivendeSystem": message.sender_system,
        "tittel": message.title.strip()[:300],
        "konteringsKode": message.accounting_code or None,
        "eksternReferanse": message.external_ref,
        "kunDigitalLevering": message.digital_only,
        "krevNiva4Innlogging": message.high_security,
        "kryptert": encrypted,
        "utskriftsKonfigurasjon": {"utskriftMedFarger": False, "tosidig": True},
        "dokumenter": [
            {
                "filnavn": d.filename,
                "mimeType": d.media_type,
                "skalSigneres": False,
                "ekskluderesFraUtskrift": d.media_type != PDF,
            }
            for d in _checked_documents(message)
        ],
        "lenker": [],
        "eksponertFor": [],
        "svarPaForsendelseLink": False,
    }


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    parts = [str(body.get(k)) for k in ("message", "errorCode", "errorId") if body.get(k)]
    return "; ".join(parts)[:300] or json.dumps(body)[:300]


def _ids(body: Any) -> list[str]:
    # Version 1 answers {"forsendelseIder": [{"id": ...}]}; Fiks API v2 {"forsendelseIds": [...]}.
    found = []
    if isinstance(body, dict):
        for item in body.get("forsendelseIder") or body.get("forsendelseIds") or []:
            value = item.get("id") if isinstance(item, dict) else item
            if value:
                found.append(str(value))
    return found


class SvarUtLetters:
    """Sends letters through KS SvarUt, once per `external_ref`."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        timeout: float = 120.0,
        *,
        certificate: bytes | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if not username or not password:
            raise ValueError("SvarUt needs SVARUT_USERNAME and SVARUT_PASSWORD.")
        self.base_url = checked_base_url(base_url)
        self.auth = (username, password)
        self.timeout = float(timeout)
        self.certificate = x509.load_pem_x509_certificate(certificate) if certificate else None
        self.http = session  # None: a session per call (workers may call from threads)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        http = self.http or requests.Session()
        try:
            return http.request(
                method,
                self.base_url + API + path,
                auth=self.auth,
                timeout=(min(10.0, self.timeout), self.timeout),
                allow_redirects=False,  # an answer to read, not a place to send the password
                headers={"Accept": "application/json", "User-Agent": "Flytverk"},
                **kwargs,
            )
        except requests.RequestException as err:
            raise ConnectorFailed(f"SvarUt did not answer: {err}", retry=True) from None
        finally:
            if http is not self.http:
                http.close()

    def _failed(self, response: requests.Response, what: str) -> ConnectorFailed:
        text = f"SvarUt refused to {what} (HTTP {response.status_code}): {_error_text(response)}"
        return ConnectorFailed(text, retry=response.status_code in RETRY_STATUSES)

    def sent_ids(self, external_ref: str) -> list[str]:
        """The forsendelse ids SvarUt holds for `external_ref` (none: not sent yet)."""
        response = self._call("GET", "/eksternref/" + quote(external_ref, safe=""))
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise self._failed(response, "look up the external reference")
        try:
            return _ids(response.json())
        except ValueError:
            raise ConnectorFailed("SvarUt's look-up answer is not JSON.", retry=True) from None

    def _content(self, document: Document) -> bytes:
        if self.certificate is None:
            return document.content
        return (
            pkcs7.PKCS7EnvelopeBuilder()
            .set_data(document.content)
            .add_recipient(self.certificate)
            .set_content_encryption_algorithm(algorithms.AES256)
            .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])  # bytes as they are
        )

    def parts(self, message: LetterMessage) -> list[tuple[str, tuple[str | None, bytes, str]]]:
        """The multipart form: the forsendelse JSON first, then one file part per document."""
        description = forsendelse(message, encrypted=self.certificate is not None)
        by_name = {d.filename: d for d in message.documents}
        files: list[tuple[str, tuple[str | None, bytes, str]]] = [
            ("forsendelse", (None, json.dumps(description).encode(), "application/json"))
        ]
        for entry in description["dokumenter"]:
            document = by_name[entry["filnavn"]]
            data = self._content(document)
            files.append(("filer", (document.filename, data, "application/octet-stream")))
        return files

    def send_letter(self, message: LetterMessage) -> dict[str, Any]:
        """Send `message` unless SvarUt already has its external reference; the receipt
        names the forsendelse. ConnectorFailed(retry=...) as the failure deserves."""
        earlier = self.sent_ids(message.external_ref)
        if earlier:
            return self._receipt(message, earlier[0], repeat=True)
        response = self._call("POST", "/sendForsendelse", files=self.parts(message))
        if response.status_code != 200:
            raise self._failed(response, "take the letter")
        try:
            found = response.json().get("id")
        except (ValueError, AttributeError):
            found = None
        if not found:  # it may have been taken: the retry's look-up will tell
            raise ConnectorFailed("SvarUt's answer has no forsendelse id.", retry=True)
        return self._receipt(message, str(found), repeat=False)

    @staticmethod
    def _receipt(message: LetterMessage, forsendelse_id: str, *, repeat: bool) -> dict[str, Any]:
        return {
            "status": "sent",
            "channel": "svarut",
            "forsendelse_id": forsendelse_id,
            "external_ref": message.external_ref,
            "repeat": repeat,
        }


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    with open(path, "rb") as handle:
        return handle.read()


def svarut_letters(app: Flask) -> SvarUtLetters:
    """The adapter LETTER_ADAPTER="svarut" names, configured from SVARUT_* settings."""
    config = app.config
    return SvarUtLetters(
        str(config.get("SVARUT_URL") or ""),
        str(config.get("SVARUT_USERNAME") or ""),
        str(config.get("SVARUT_PASSWORD") or ""),
        float(config.get("SVARUT_TIMEOUT") or 120),
        certificate=_read(config.get("SVARUT_CERTIFICATE")),
    )

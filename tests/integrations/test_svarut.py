"""The KS SvarUt letter adapter against a local fake SvarUt: request shape, idempotency,
errors and retries, encryption."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.integrations import build_registry
from designer.integrations.letter import Document, LetterMessage
from designer.integrations.svarut import SvarUtLetters, svarut_letters
from designer.models import DecisionLetter
from designer.worker.tick import work_once
from engine.api import ConnectorFailed
from tests.factories import PARKING_APPLICATION
from tests.integrations import fake_svarut
from tests.integrations.fake_svarut import PASSWORD, USERNAME, FakeSvarUt

PDF = b"%PDF-1.7\n\x00\xff\xfe binary \r\n--boundary-like-- %%EOF"


def _letter(**changes: Any) -> LetterMessage:
    letter = LetterMessage(
        external_ref="flytverk:demo:2026-000007:1",
        tenant_id=1,
        instance_id=7,
        case_no="2026-000007",
        recipient_id="15818012001",
        recipient_name="Kari Nordmann",
        address="Storgata 1\nLeilighet H0201",
        postal_code="0155",
        city="Oslo",
        title="Vedtak om parkeringstillatelse",
        documents=(
            Document("bilag.xml", "Data", "application/xml", b"<v/>", "attachment"),
            Document("vedtak-1.pdf", "Vedtak", "application/pdf", PDF),
        ),
        digital_only=False,
        high_security=False,
        accounting_code="PARK-2026",
        sender_system="flytverk",
    )
    return replace(letter, **changes)


@pytest.fixture
def svarut() -> Iterator[FakeSvarUt]:
    with fake_svarut.running() as fake:
        yield fake


def _adapter(fake: FakeSvarUt, **kwargs: Any) -> SvarUtLetters:
    return SvarUtLetters(fake.url, USERNAME, PASSWORD, **kwargs)


def test_the_letter_is_sent_as_svarut_expects_it(svarut: FakeSvarUt) -> None:
    receipt = _adapter(svarut).send_letter(_letter())
    [sent] = svarut.sent
    assert receipt == {
        "status": "sent",
        "channel": "svarut",
        "forsendelse_id": sent["id"],
        "external_ref": "flytverk:demo:2026-000007:1",
        "repeat": False,
    }
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert sent["headers"]["Authorization"] == f"Basic {token}"
    assert sent["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    first, *files = sent["parts"]
    assert (first["name"], first["filename"], first["content_type"]) == (
        "forsendelse",
        None,
        "application/json",
    )
    body = sent["forsendelse"]
    assert body["mottaker"] == {
        "postAdresse": {
            "navn": "Kari Nordmann",
            "adresse1": "Storgata 1",
            "adresse2": "Leilighet H0201",
            "postNummer": "0155",
            "postSted": "Oslo",
            "land": "Norge",
        },
        "digitalAdresse": {"fodselsNummer": "15818012001"},
    }
    assert body["tittel"] == "Vedtak om parkeringstillatelse"
    assert body["eksternReferanse"] == "flytverk:demo:2026-000007:1"
    assert body["avgivendeSystem"] == "flytverk"
    assert body["konteringsKode"] == "PARK-2026"
    assert (body["kunDigitalLevering"], body["krevNiva4Innlogging"], body["kryptert"]) == (
        False,
        False,
        False,
    )
    # The main document comes first; only PDFs are printed.
    assert body["dokumenter"] == [
        {
            "filnavn": "vedtak-1.pdf",
            "mimeType": "application/pdf",
            "skalSigneres": False,
            "ekskluderesFraUtskrift": False,
        },
        {
            "filnavn": "bilag.xml",
            "mimeType": "application/xml",
            "skalSigneres": False,
            "ekskluderesFraUtskrift": True,
        },
    ]
    assert [(f["name"], f["filename"], f["content_type"], f["content"]) for f in files] == [
        ("filer", "vedtak-1.pdf", "application/octet-stream", PDF),
        ("filer", "bilag.xml", "application/octet-stream", b"<v/>"),
    ]


def test_an_organisation_gets_its_organisation_number(svarut: FakeSvarUt) -> None:
    _adapter(svarut).send_letter(_letter(recipient_id="974760673", digital_only=True))
    body = svarut.sent[0]["forsendelse"]
    assert body["mottaker"]["digitalAdresse"] == {"organisasjonsNummer": "974760673"}
    assert body["kunDigitalLevering"] is True


def test_the_same_reference_twice_sends_one_forsendelse(svarut: FakeSvarUt) -> None:
    adapter = _adapter(svarut)
    first = adapter.send_letter(_letter())
    again = adapter.send_letter(_letter())
    assert len(svarut.sent) == 1
    assert again["forsendelse_id"] == first["forsendelse_id"] and again["repeat"] is True
    assert svarut.lookups == ["flytverk:demo:2026-000007:1"] * 2
    adapter.send_letter(_letter(external_ref="flytverk:demo:2026-000007:2"))
    assert len(svarut.sent) == 2


def test_an_answer_lost_in_a_timeout_is_found_by_the_retry(svarut: FakeSvarUt) -> None:
    svarut.late_by = 1.5
    adapter = _adapter(svarut, timeout=0.3)
    with pytest.raises(ConnectorFailed) as failed:
        adapter.send_letter(_letter())
    assert failed.value.retry is True
    svarut.late_by = 0
    receipt = adapter.send_letter(_letter())
    assert len(svarut.sent) == 1 and receipt["repeat"] is True
    assert receipt["forsendelse_id"] == svarut.sent[0]["id"]


def test_a_validation_error_is_not_retried(svarut: FakeSvarUt) -> None:
    svarut.errors.append((400, {"message": "postNummer må være utfylt", "errorId": "e-1"}))
    with pytest.raises(ConnectorFailed) as failed:
        _adapter(svarut).send_letter(_letter())
    assert failed.value.retry is False
    assert "HTTP 400" in str(failed.value) and "postNummer må være utfylt" in str(failed.value)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_is_retried(svarut: FakeSvarUt, status: int) -> None:
    svarut.errors.append((status, b"<html>busy</html>"))
    with pytest.raises(ConnectorFailed) as failed:
        _adapter(svarut).send_letter(_letter())
    assert failed.value.retry is True and f"HTTP {status}" in str(failed.value)
    assert _adapter(svarut).send_letter(_letter())["repeat"] is False  # the retry sends it


def test_wrong_credentials_are_not_retried(svarut: FakeSvarUt) -> None:
    with pytest.raises(ConnectorFailed) as failed:
        SvarUtLetters(svarut.url, USERNAME, "wrong").send_letter(_letter())
    assert failed.value.retry is False and "HTTP 401" in str(failed.value)
    assert svarut.sent == []


def test_nothing_is_sent_when_the_look_up_fails(svarut: FakeSvarUt) -> None:
    svarut.lookup_error = (503, {"message": "Vedlikehold"})
    with pytest.raises(ConnectorFailed) as failed:
        _adapter(svarut).send_letter(_letter())
    assert failed.value.retry is True and svarut.sent == []


def test_an_unreachable_svarut_is_retried() -> None:
    with fake_svarut.running() as fake:
        url = fake.url
    with pytest.raises(ConnectorFailed) as failed:
        SvarUtLetters(url, USERNAME, PASSWORD, timeout=2).send_letter(_letter())
    assert failed.value.retry is True


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"digital_only": True, "recipient_id": ""}, "fødselsnummer"),
        ({"postal_code": ""}, "postal code"),
        ({"accounting_code": "konto med mellomrom"}, "accounting code"),
        ({"documents": ()}, "at least one document"),
        ({"high_security": True}, "SVARUT_CERTIFICATE"),
        (
            {"documents": (Document("a:b.pdf", "Vedtak", "application/pdf", PDF),)},
            "file name",
        ),
        (
            {"documents": (Document("vedtak.html", "Vedtak", "text/html", b"<p>"),)},
            "needs a PDF",
        ),
    ],
)
def test_what_svarut_would_refuse_is_refused_before_sending(
    svarut: FakeSvarUt, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(ConnectorFailed) as failed:
        _adapter(svarut).send_letter(_letter(**changes))
    assert failed.value.retry is False and words in str(failed.value)
    assert svarut.sent == []


def _certificate() -> tuple[bytes, rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "svarut.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), key, cert


def test_with_svarut_s_certificate_the_files_are_encrypted(svarut: FakeSvarUt) -> None:
    pem, key, cert = _certificate()
    _adapter(svarut, certificate=pem).send_letter(_letter(high_security=True))
    [sent] = svarut.sent
    assert sent["forsendelse"]["kryptert"] is True
    assert sent["forsendelse"]["krevNiva4Innlogging"] is True
    pdf_part = sent["parts"][1]
    assert pdf_part["content"] != PDF
    assert pkcs7.pkcs7_decrypt_der(pdf_part["content"], cert, key, []) == PDF


def test_the_configured_adapter_reads_the_svarut_settings(app: Flask, tmp_path: Any) -> None:
    pem, _key, _cert = _certificate()
    (tmp_path / "svarut.pem").write_bytes(pem)
    app.config.update(
        SVARUT_URL="https://svarut.ks.no/",
        SVARUT_USERNAME="avsender",
        SVARUT_PASSWORD="passord",
        SVARUT_TIMEOUT=30,
        SVARUT_CERTIFICATE=str(tmp_path / "svarut.pem"),
    )
    adapter = svarut_letters(app)
    assert adapter.base_url == "https://svarut.ks.no" and adapter.auth == ("avsender", "passord")
    assert adapter.timeout == 30.0 and adapter.certificate is not None


@pytest.mark.parametrize(
    "url",
    ["http://svarut.ks.no", "ftp://svarut.ks.no", "https://user:pw@svarut.ks.no", ""],
)
def test_a_doubtful_svarut_url_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError):
        SvarUtLetters(url, USERNAME, PASSWORD)


def test_the_forsendelse_part_is_plain_json(svarut: FakeSvarUt) -> None:
    parts = _adapter(svarut).parts(_letter())
    name, (filename, data, media_type) = parts[0]
    assert (name, filename, media_type) == ("forsendelse", None, "application/json")
    assert json.loads(data)["eksternReferanse"] == "flytverk:demo:2026-000007:1"


def test_decision_letters_go_through_svarut_when_it_is_configured(
    app: Flask, login_as: Any, svarut: FakeSvarUt
) -> None:
    app.config.update(
        LETTER_ADAPTER="svarut",
        SVARUT_URL=svarut.url,
        SVARUT_USERNAME=USERNAME,
        SVARUT_PASSWORD=PASSWORD,
    )
    app.extensions["flytverk_connectors"] = build_registry(app)
    kari = login_as("kari")  # without a doctor's statement the rules reject at once
    kari.submit("/services/parking_permit/apply", {**PARKING_APPLICATION, "doctor_statement": "no"})
    work_once(app, daily=False)
    work_once(app, daily=False)  # a second tick sends nothing more
    [sent] = svarut.sent
    body = sent["forsendelse"]
    assert body["mottaker"]["digitalAdresse"] == {"fodselsNummer": "15818012001"}
    assert body["mottaker"]["postAdresse"]["navn"] == "Kari Nordmann"
    assert body["mottaker"]["postAdresse"]["postSted"] == "Notodden"
    with app.app_context():
        letter = db.session.scalars(select(DecisionLetter)).one()
        assert letter.status == "sent" and body["eksternReferanse"] == letter.external_ref
        assert letter.receipt is not None and letter.receipt["forsendelse_id"] == sent["id"]
        assert sent["parts"][1]["content"] == letter.pdf

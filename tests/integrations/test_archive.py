"""The archive message: a well-formed Fiks Arkiv arkivmelding, and the folder archive."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from flask import Flask
from lxml import etree

from designer.integrations.archive import (
    ARKIVMELDING,
    METADATAKATALOG,
    XSI,
    ArchiveMessage,
    Correspondent,
    FolderArchive,
    JournalPost,
    arkivmelding_xml,
    package_files,
)
from designer.integrations.letter import Document
from designer.integrations.registry import archive_adapter

NS = {"a": ARKIVMELDING, "m": METADATAKATALOG}
PDF = b"%PDF-1.7 vedtak"
# The journalpost's children in the schema's order (registrering, then journalpost).
JOURNALPOST_ORDER = [
    "dokumentbeskrivelse",
    "tittel",
    "korrespondansepart",
    "referanseEksternNoekkel",
    "journalposttype",
    "journalstatus",
    "journaldato",
    "dokumentetsDato",
    "mottattDato",
    "sendtDato",
    "antallVedlegg",
]


def _message(**changes: Any) -> ArchiveMessage:
    values: dict[str, Any] = {
        "system": "flytverk",
        "tenant_slug": "notodden",
        "case_no": "2026-000042",
        "case_title": "Parkeringstillatelse – Kari & <Nordmann>",
        "case_date": datetime(2026, 11, 2, 9, 30),
        "correspondent": Correspondent("Kari Nordmann", "15818012001"),
        "journal_posts": (
            JournalPost(
                "I",
                "Søknad: Parkeringstillatelse",
                datetime(2026, 11, 2, 9, 30),
                (
                    Document("soknad.json", "Søknad", "application/json", b'{"a": 1}'),
                    Document(
                        "lege erklæring.pdf",
                        "Legeerklæring",
                        "application/pdf",
                        b"%PDF-1",
                        "attachment",
                    ),
                ),
            ),
            JournalPost(
                "U",
                "Vedtak om parkeringstillatelse",
                datetime(2026, 11, 20, 14, 0),
                (Document("vedtak-1.pdf", "Vedtak", "application/pdf", PDF),),
            ),
        ),
    }
    values.update(changes)
    return ArchiveMessage(**values)


def _texts(element: Any, path: str) -> list[str]:
    return [str(found.text) for found in element.iterfind(path, NS)]


def test_the_arkivmelding_is_well_formed_and_has_the_minimum() -> None:
    xml = arkivmelding_xml(_message(), now=datetime(2026, 11, 21, 8, 0))
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(xml)
    assert root.tag == f"{{{ARKIVMELDING}}}arkivmelding"
    assert [etree.QName(c).localname for c in root] == [
        "system",
        "meldingId",
        "tidspunkt",
        "antallFiler",
        "mappe",
    ]
    assert _texts(root, "a:system") == ["flytverk"]
    assert _texts(root, "a:tidspunkt") == ["2026-11-21T08:00:00Z"]
    assert _texts(root, "a:antallFiler") == ["3"]
    [folder] = root.findall("a:mappe", NS)
    assert folder.get(f"{{{XSI}}}type") == "saksmappe"
    assert _texts(folder, "a:tittel") == ["Parkeringstillatelse – Kari & <Nordmann>"]
    assert _texts(folder, "a:referanseEksternNoekkel/m:fagsystem") == ["flytverk"]
    assert _texts(folder, "a:referanseEksternNoekkel/m:noekkel") == ["2026-000042"]
    assert _texts(folder, "a:saksstatus/m:kode") == ["A"]
    posts = folder.findall("a:registrering", NS)
    assert [p.get(f"{{{XSI}}}type") for p in posts] == ["journalpost", "journalpost"]
    received, sent = posts
    assert _texts(received, "a:journalposttype/m:kode") == ["I"]
    assert _texts(sent, "a:journalposttype/m:kode") == ["U"]
    assert _texts(received, "a:korrespondansepart/a:korrespondanseparttype/m:kode") == ["EA"]
    assert _texts(sent, "a:korrespondansepart/a:korrespondanseparttype/m:kode") == ["EM"]
    assert _texts(sent, "a:korrespondansepart/a:korrespondansepartNavn") == ["Kari Nordmann"]
    assert _texts(sent, "a:korrespondansepart/a:personid") == ["15818012001"]
    assert _texts(received, "a:referanseEksternNoekkel/m:noekkel") == ["2026-000042:1"]
    assert _texts(sent, "a:referanseEksternNoekkel/m:noekkel") == ["2026-000042:2"]
    assert _texts(received, "a:mottattDato") == ["2026-11-02T09:30:00Z"]
    assert _texts(sent, "a:sendtDato") == ["2026-11-20T14:00:00Z"]
    roles = _texts(received, "a:dokumentbeskrivelse/a:tilknyttetRegistreringSom/m:kode")
    assert roles == ["H", "V"]
    assert _texts(received, "a:dokumentbeskrivelse/a:dokumenttype/m:kode") == ["SØKNAD", "VEDLEGG"]
    assert _texts(sent, "a:dokumentbeskrivelse/a:dokumenttype/m:kode") == ["VEDTAK"]
    objects = "a:dokumentbeskrivelse/a:dokumentobjekt"
    assert _texts(received, f"{objects}/a:filnavn") == ["soknad.json", "lege erklæring.pdf"]
    assert _texts(received, f"{objects}/a:referanseDokumentfil") == [
        "1-1-soknad.json",
        "1-2-lege_erkl_ring.pdf",
    ]
    assert _texts(sent, f"{objects}/a:mimeType") == ["application/pdf"]
    assert _texts(sent, f"{objects}/a:filstoerrelse") == [str(len(PDF))]
    for post in posts:
        names = [etree.QName(c).localname for c in post]
        positions = [JOURNALPOST_ORDER.index(n) for n in names]
        assert positions == sorted(positions), names


def test_the_message_id_is_the_same_for_a_retry() -> None:
    first = etree.fromstring(arkivmelding_xml(_message()))
    again = etree.fromstring(arkivmelding_xml(_message()))
    other = etree.fromstring(arkivmelding_xml(_message(case_no="2026-000043")))
    assert _texts(first, "a:meldingId") == _texts(again, "a:meldingId")
    assert _texts(first, "a:meldingId") != _texts(other, "a:meldingId")


def test_an_organisation_is_named_by_its_organisation_number() -> None:
    message = _message(correspondent=Correspondent("Idrettslaget", "974760673"))
    root = etree.fromstring(arkivmelding_xml(message))
    assert _texts(root, ".//a:korrespondansepart/a:organisasjonid") == ["974760673"] * 2
    assert _texts(root, ".//a:korrespondansepart/a:personid") == []


def test_the_folder_archive_writes_the_package_once(tmp_path: Any) -> None:
    archive = FolderArchive(str(tmp_path))
    receipt = archive.hand_over(_message())
    folder = tmp_path / "archive" / "notodden" / "2026-000042"
    assert receipt == {
        "external_key": "flytverk:2026-000042",
        "path": str(folder),
        "channel": "folder",
        "status": "archived",
        "files": 3,
    }
    assert sorted(os.listdir(folder)) == [
        "1-1-soknad.json",
        "1-2-lege_erkl_ring.pdf",
        "2-1-vedtak-1.pdf",
        "arkivmelding.xml",
    ]
    assert (folder / "2-1-vedtak-1.pdf").read_bytes() == PDF
    root = etree.fromstring((folder / "arkivmelding.xml").read_bytes())
    references = _texts(root, ".//a:dokumentobjekt/a:referanseDokumentfil")
    assert sorted(references) == sorted(ref for ref, _doc in package_files(_message()))
    assert all((folder / ref).exists() for ref in references)
    before = {name: (folder / name).stat().st_mtime_ns for name in os.listdir(folder)}
    changed = _message(case_title="Noe annet")
    again = archive.hand_over(changed)
    assert again["status"] == "already archived"
    assert {name: (folder / name).stat().st_mtime_ns for name in os.listdir(folder)} == before
    assert b"Noe annet" not in (folder / "arkivmelding.xml").read_bytes()
    assert [n for n in os.listdir(folder.parent) if n.startswith(".")] == []  # no leftovers


def test_names_from_the_case_cannot_leave_the_archive_folder(tmp_path: Any) -> None:
    archive = FolderArchive(str(tmp_path))
    message = _message(tenant_slug="../../etc", case_no="../2026/../x")
    archive.hand_over(message)
    folder = archive.folder_of(message)
    assert os.path.commonpath([folder, str(tmp_path / "archive")]) == str(tmp_path / "archive")
    assert os.path.exists(os.path.join(folder, "arkivmelding.xml"))


def test_the_app_uses_the_folder_archive_unless_told_otherwise(app: Flask) -> None:
    app.config["ARCHIVE_FOLDER"] = None  # the tests' own folder is set by tests/conftest.py
    adapter = archive_adapter(app)
    assert isinstance(adapter, FolderArchive)
    assert adapter.root == os.path.join(app.instance_path, "archive")
    assert archive_adapter(app) is adapter


def test_archive_folder_moves_the_packages(app: Flask, tmp_path: Any) -> None:
    app.config.update(ARCHIVE_ADAPTER="folder", ARCHIVE_FOLDER=str(tmp_path / "arkiv"))
    adapter = archive_adapter(app)
    assert isinstance(adapter, FolderArchive) and adapter.root == str(tmp_path / "arkiv")

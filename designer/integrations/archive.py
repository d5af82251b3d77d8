"""The archive: a finished case as a Fiks Arkiv `arkivmelding`, and the default adapter.

`arkivmelding_xml` writes the minimum of Fiks Arkiv's arkivmelding (message type
`no.ks.fiks.arkiv.v1.arkivering.arkivmelding`, namespace ARKIVMELDING; code values and
external keys are metadatakatalog types, so their children are in METADATAKATALOG): one
saksmappe with the case's external key, a journalpost per document set (I: the
application, U: a decision letter) with its correspondent, and per document a
dokumentbeskrivelse (H: main document, V: attachment) whose dokumentobjekt names the file
(`referanseDokumentfil`: the file's name in the package). Fiks Arkiv's later
`...arkivmelding.opprett` takes one mappe or one registrering per message: an adapter for
it sends the saksmappe, then each journalpost with `referanseForelderMappe` set to the
saksmappe's external key. `FolderArchive` writes the package (XML + files) to the instance
folder, once per external key.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flask import Flask
from lxml import etree

from designer.integrations.letter import Document
from engine.models import utcnow

ARKIVMELDING = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/v1"
METADATAKATALOG = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MESSAGE_TYPE = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding"
FILENAME = "arkivmelding.xml"
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://flytverk.no/archive")
# Noark 5 / Fiks Arkiv code lists (kodeverdi, kodebeskrivelse).
POST_TYPES = {"I": "Inngående dokument", "U": "Utgående dokument"}
POST_STATUS = {"I": ("J", "Journalført"), "U": ("E", "Ekspedert")}
PART_TYPES = {"I": ("EA", "Avsender"), "U": ("EM", "Mottaker")}
ROLES = {"main": ("H", "Hoveddokument"), "attachment": ("V", "Vedlegg")}
ROLES.update(hoveddokument=ROLES["main"], vedlegg=ROLES["attachment"])
MAIN_TYPES = {"I": ("SØKNAD", "Søknad"), "U": ("VEDTAK", "Vedtak")}
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Correspondent:
    """The other party of the case: the applicant (name, fødselsnummer/orgnr)."""

    name: str
    id: str = ""


@dataclass(frozen=True)
class JournalPost:
    """One journal post: I (the application, received) or U (a decision letter, sent)."""

    type: str
    title: str
    date: datetime
    documents: tuple[Document, ...]


@dataclass(frozen=True)
class ArchiveMessage:
    """What the archive gets for a finished case; `external_key` makes hand-over
    idempotent ("<system>:<case no>", unique within the municipality)."""

    system: str
    tenant_slug: str
    case_no: str
    case_title: str
    case_date: datetime
    correspondent: Correspondent
    journal_posts: tuple[JournalPost, ...]

    @property
    def external_key(self) -> str:
        """The case's key in the archive: "<system>:<case no>"."""
        return f"{self.system}:{self.case_no}"


class ArchiveAdapter(Protocol):
    """Hands a finished case to the archive."""

    def hand_over(self, message: ArchiveMessage) -> dict[str, Any]:
        """Archive once per external key; return a receipt or raise ConnectorFailed."""
        ...  # pragma: no cover - protocol


def _safe(name: str) -> str:
    return _SAFE.sub("_", name).strip("._") or "file"


def package_files(message: ArchiveMessage) -> list[tuple[str, Document]]:
    """(reference, document) of every file in the package: "<post>-<doc>-<file name>"."""
    return [
        (f"{post_no}-{doc_no}-{_safe(document.filename)}", document)
        for post_no, post in enumerate(message.journal_posts, start=1)
        for doc_no, document in enumerate(post.documents, start=1)
    ]


def _stamp(value: datetime) -> str:
    text = value.replace(microsecond=0).isoformat()
    return text + "Z" if value.tzinfo is None else text  # stored times are naive UTC


def _day(value: datetime | date) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


class _Writer:
    def __init__(self) -> None:
        self.root = etree.Element(
            etree.QName(ARKIVMELDING, "arkivmelding"),
            nsmap={None: ARKIVMELDING, "n5mdk": METADATAKATALOG, "xsi": XSI},
        )

    def add(self, parent: Any, name: str, text: str | None = None, ns: str = ARKIVMELDING) -> Any:
        element = etree.SubElement(parent, etree.QName(ns, name))
        if text is not None:
            element.text = text
        return element

    def typed(self, parent: Any, name: str, xsi_type: str) -> Any:
        element = self.add(parent, name)
        element.set(etree.QName(XSI, "type"), xsi_type)
        return element

    def code(self, parent: Any, name: str, value: str, description: str) -> None:
        element = self.add(parent, name)
        self.add(element, "kode", value, METADATAKATALOG)
        self.add(element, "beskrivelse", description, METADATAKATALOG)

    def key(self, parent: Any, system: str, key: str) -> None:
        element = self.add(parent, "referanseEksternNoekkel")
        self.add(element, "fagsystem", system, METADATAKATALOG)
        self.add(element, "noekkel", key, METADATAKATALOG)


def _document(
    w: _Writer, post_el: Any, post: JournalPost, number: int, ref: str, doc: Document
) -> None:
    element = w.add(post_el, "dokumentbeskrivelse")
    role = ROLES.get(doc.role, ROLES["attachment"])
    kind = MAIN_TYPES[post.type] if role[0] == "H" else ("VEDLEGG", "Vedlegg")
    w.code(element, "dokumenttype", *kind)
    w.code(element, "dokumentstatus", "F", "Dokumentet er ferdigstilt")
    w.add(element, "tittel", doc.title or doc.filename)
    w.code(element, "tilknyttetRegistreringSom", *role)
    w.add(element, "dokumentnummer", str(number))
    obj = w.add(element, "dokumentobjekt")
    w.add(obj, "versjonsnummer", "1")
    w.code(obj, "variantformat", "P", "Produksjonsformat")
    extension = os.path.splitext(doc.filename)[1].lstrip(".").upper() or "BIN"
    w.code(obj, "format", extension, doc.media_type)
    w.add(obj, "mimeType", doc.media_type)
    w.add(obj, "filnavn", doc.filename)
    w.add(obj, "referanseDokumentfil", ref)
    w.add(obj, "sjekksum", hashlib.sha256(doc.content).hexdigest())
    w.add(obj, "sjekksumAlgoritme", "SHA-256")
    w.add(obj, "filstoerrelse", str(len(doc.content)))


def _correspondent(w: _Writer, post_el: Any, kind: str, who: Correspondent) -> None:
    element = w.add(post_el, "korrespondansepart")
    w.code(element, "korrespondanseparttype", *PART_TYPES[kind])
    w.add(element, "erBehandlingsansvarlig", "false")
    w.add(element, "korrespondansepartNavn", who.name or "-")
    digits = who.id.strip()
    if digits.isdigit() and len(digits) in (9, 11):
        w.add(element, "organisasjonid" if len(digits) == 9 else "personid", digits)


def arkivmelding_xml(message: ArchiveMessage, now: datetime | None = None) -> bytes:
    """The package's arkivmelding.xml (UTF-8, with declaration)."""
    if not message.journal_posts or any(p.type not in POST_TYPES for p in message.journal_posts):
        raise ValueError("An archive message needs journal posts of type I or U.")
    w, refs = _Writer(), iter(package_files(message))
    w.add(w.root, "system", message.system)
    w.add(w.root, "meldingId", str(uuid.uuid5(_IDS, message.external_key)))
    w.add(w.root, "tidspunkt", _stamp(now or utcnow()))
    w.add(w.root, "antallFiler", str(len(package_files(message))))
    folder = w.typed(w.root, "mappe", "saksmappe")
    w.add(folder, "tittel", message.case_title)
    w.key(folder, message.system, message.case_no)
    for post_no, post in enumerate(message.journal_posts, start=1):
        post_el = w.typed(folder, "registrering", "journalpost")
        for doc_no, document in enumerate(post.documents, start=1):
            reference, _same = next(refs)
            _document(w, post_el, post, doc_no, reference, document)
        w.add(post_el, "tittel", post.title)
        _correspondent(w, post_el, post.type, message.correspondent)
        w.key(post_el, message.system, f"{message.case_no}:{post_no}")
        w.code(post_el, "journalposttype", post.type, POST_TYPES[post.type])
        w.code(post_el, "journalstatus", *POST_STATUS[post.type])
        w.add(post_el, "journaldato", _day(post.date))
        w.add(post_el, "dokumentetsDato", _day(post.date))
        w.add(post_el, "mottattDato" if post.type == "I" else "sendtDato", _stamp(post.date))
        w.add(post_el, "antallVedlegg", str(max(len(post.documents) - 1, 0)))
    w.add(folder, "saksdato", _day(message.case_date))
    w.code(folder, "saksstatus", "A", "Avsluttet")
    return bytes(etree.tostring(w.root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


class FolderArchive:
    """The default archive: the package in `<instance>/archive/<tenant>/<case no>/`
    (`root` instead of `<instance>/archive` when given)."""

    def __init__(self, instance_path: str, root: str | None = None) -> None:
        self.root = root or os.path.join(instance_path, "archive")

    def folder_of(self, message: ArchiveMessage) -> str:
        """Where the case's package is (or will be) written."""
        return os.path.join(self.root, _safe(message.tenant_slug), _safe(message.case_no))

    def hand_over(self, message: ArchiveMessage) -> dict[str, Any]:
        """Write the package unless it is there already (then nothing is overwritten)."""
        folder = self.folder_of(message)
        receipt = {"external_key": message.external_key, "path": folder, "channel": "folder"}
        if os.path.exists(os.path.join(folder, FILENAME)):
            return {**receipt, "status": "already archived"}
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".incoming-", dir=os.path.dirname(folder))
        try:
            files = package_files(message)
            for reference, document in files:
                with open(os.path.join(staging, reference), "wb") as handle:
                    handle.write(document.content)
            with open(os.path.join(staging, FILENAME), "wb") as handle:
                handle.write(arkivmelding_xml(message))
            try:
                os.rename(staging, folder)  # all at once; refused if the folder has content
            except OSError:
                if os.path.exists(os.path.join(folder, FILENAME)):  # another worker won
                    return {**receipt, "status": "already archived"}
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return {**receipt, "status": "archived", "files": len(files)}


def folder_archive(app: Flask) -> FolderArchive:
    """The default archive adapter (ARCHIVE_ADAPTER unset or "folder"), in ARCHIVE_FOLDER."""
    return FolderArchive(app.instance_path, app.config.get("ARCHIVE_FOLDER"))

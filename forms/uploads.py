"""Uploaded files: type by content (magic bytes), safe names, sizes, a scan hook."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple, Protocol

DEFAULT_MAX_SIZE_MB = 10
MAX_SIZE_MB_LIMIT = 100
_CHUNK = 64 * 1024
_HEAD = 64


class FileKind(NamedTuple):
    """One file type we recognise by content."""

    name: str
    media_type: str
    extensions: tuple[str, ...]
    label: str


_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "application/pdf", (".pdf",), "PDF"),
        FileKind("png", "image/png", (".png",), "PNG"),
        FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPG"),
        FileKind("gif", "image/gif", (".gif",), "GIF"),
        FileKind("webp", "image/webp", (".webp",), "WebP"),
        FileKind("heic", "image/heic", (".heic", ".heif"), "HEIC"),
        FileKind("docx", _OOXML + "wordprocessingml.document", (".docx",), "Word"),
        FileKind("xlsx", _OOXML + "spreadsheetml.sheet", (".xlsx",), "Excel"),
        FileKind("odt", _ODF + "text", (".odt",), "ODT"),
        FileKind("ods", _ODF + "spreadsheet", (".ods",), "ODS"),
    )
}
_BY_EXTENSION = {ext: kind for kind in KINDS.values() for ext in kind.extensions}
_BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS.values()}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"}


@dataclass(frozen=True)
class UploadInfo:
    """What we know about an uploaded file after reading it once."""

    filename_safe: str
    media_type: str | None  # from the content; None when not recognised
    size: int
    sha256: str
    kind: str | None = None  # a key of KINDS, or None
    extension_kind: str | None = None  # the kind the file name claims


@dataclass(frozen=True)
class Upload:
    """``typed_data``'s value for a file: the upload object and what it holds.

    ``storage`` is what the web framework gave the form (Werkzeug's
    ``FileStorage`` in the designer), rewound to the start: save it, then store
    a reference in process data instead of this object.
    """

    storage: Any
    info: UploadInfo


class Scanner(Protocol):
    """A virus-scan hook: return None for a clean file, else a short reason."""

    def scan(self, stream: BinaryIO, info: UploadInfo) -> str | None: ...


class NoScanner:
    """The default scanner: accepts every file."""

    def scan(self, stream: BinaryIO, info: UploadInfo) -> str | None:
        """Accept the file."""
        return None


def parse_accept(accept: str) -> tuple[list[str], list[str]]:
    """Split an HTML ``accept`` value into known kind names and unknown tokens."""
    kinds: list[str] = []
    unknown: list[str] = []
    for token in (t.strip().lower() for t in accept.split(",")):
        if not token:
            continue
        if token in _BY_EXTENSION:
            found = [_BY_EXTENSION[token].name]
        elif token in _BY_MEDIA_TYPE:
            found = [_BY_MEDIA_TYPE[token].name]
        elif token == "image/*":
            found = [k.name for k in KINDS.values() if k.media_type.startswith("image/")]
        else:
            unknown.append(token)
            continue
        kinds.extend(name for name in found if name not in kinds)
    return kinds, unknown


def accept_attribute(kinds: list[str]) -> str:
    """The ``accept`` attribute for a list of kind names (extensions)."""
    return ",".join(ext for name in kinds for ext in KINDS[name].extensions)


def extensions() -> list[str]:
    """Every file name extension whose content can be checked, sorted."""
    return sorted(_BY_EXTENSION)


def kind_labels(kinds: list[str]) -> str:
    """Kind names for people: "PDF, JPG, PNG"."""
    return ", ".join(KINDS[name].label for name in kinds)


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes (zip formats need ``sniff_zip``)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return "heic"
    return None


def sniff_zip(stream: BinaryIO) -> str | None:
    """The kind of an Office Open XML or OpenDocument file, or None."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    media_type = member.read(100).decode("ascii", "replace").strip()
                kind = _BY_MEDIA_TYPE.get(media_type)
                return kind.name if kind and kind.name in ("odt", "ods") else None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        return None
    except (ValueError, NotImplementedError, RuntimeError, KeyError):
        return None  # unsupported compression, encryption, broken members
    return None


def safe_filename(name: Any, fallback_ext: str = "") -> str:
    """A file name safe to show and to offer for download; never a path."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = re.sub(r"[^\w .()-]+", "_", text).strip(" ._")
    text = re.sub(r"[ _]{2,}", "_", text)
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    ext = ext[:10]
    stem = stem[: 119 - len(ext)]  # at most 120 characters with the dot
    if not stem:
        stem = "fil"
        ext = ext or fallback_ext.lstrip(".")
    return f"{stem}.{ext}" if ext else stem


def extension_kind(filename: str) -> str | None:
    """The kind a file name claims by its extension, or None."""
    _, dot, ext = filename.lower().rpartition(".")
    kind = _BY_EXTENSION.get(f".{ext}") if dot else None
    return kind.name if kind else None


def stream_of(storage: Any) -> BinaryIO:
    """The readable, seekable stream of an upload object."""
    stream: BinaryIO = getattr(storage, "stream", None) or storage
    return stream


def inspect_upload(storage: Any) -> UploadInfo:
    """Read an upload once: size, SHA-256, type by content, safe name; rewind it."""
    stream = stream_of(storage)
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(_CHUNK):
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
        digest.update(chunk)
        size += len(chunk)
    kind = sniff(head)
    if kind is None and head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        kind = sniff_zip(stream)
    stream.seek(0)
    filename = str(getattr(storage, "filename", "") or "")
    return UploadInfo(
        filename_safe=safe_filename(filename, KINDS[kind].extensions[0] if kind else ""),
        media_type=KINDS[kind].media_type if kind else None,
        size=size,
        sha256=digest.hexdigest(),
        kind=kind,
        extension_kind=extension_kind(filename),
    )


def is_upload(value: Any) -> bool:
    """True for a chosen file (an object with a name and something to read)."""
    if isinstance(value, str | bytes) or not getattr(value, "filename", None):
        return False
    return callable(getattr(stream_of(value), "read", None))

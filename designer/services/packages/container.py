"""A service package as a zip file: written deterministically, read as an untrusted upload.

`to_zip` writes manifest.json first, then every file in name order, DEFLATE-compressed with
fixed timestamps and modes, so one version gives the same bytes every time. `from_zip` trusts
nothing in the file: it bounds the package's size, its entries and what they unpack to (the
central directory's sizes are checked, and the bytes are counted again while reading), admits
only plain files named as in `processes/<service>/`, verifies every checksum of the manifest,
and parses each XML file safely and each JSON file, before it returns a Package. Anything
else raises PackageRefused with a message for people that names the file.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from designer import languages
from designer.services.decisiondrafts import FILE_NAME as DECISION_NAME
from designer.services.drafts import FORM_NAME
from designer.services.errors import Invalid
from designer.services.packages.core import (
    BPMN,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SERVICE,
    Package,
    checksum,
    flytverk_version,
)
from engine.api import parse_xml
from engine.errors import ModelInvalid

MB = 1024 * 1024
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no clock in the bytes
FILE_MODE = 0o100644  # a plain file, rw-r--r--
# What an entry may unpack to compared with its packed size, above a size where it matters:
# text compresses 5-20 times; a run of zeros 1,000 times.
BOMB_RATIO = 100
BOMB_FLOOR = 256 * 1024
NAME_LENGTH, DESCRIPTION_LENGTH = 200, 5000  # a service's name is a String(200)
SINGLE_FILES = frozenset({BPMN, SERVICE, "parameters.json"})
FOLDERS = frozenset({"forms/", "decisions/"})
_TEXTS = re.compile(r"^texts\.([a-z]{2})\.json$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,89}$")
_CHECKSUM = re.compile(r"^sha256:[0-9a-f]{64}$")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_RELEASE = re.compile(r"^\s*v?(\d{1,9}(?:\.\d{1,9}){0,9})(?!\d)")

# What a refusal says (formatted with the file's name and the limit where it has them).
EMPTY = _l("The file is empty. Choose a service package (a .zip file).")
TOO_BIG = _l("The package is larger than %(size)s.")
NOT_ZIP = _l("The file is not a service package: it is not a zip file.")
DAMAGED = _l("The package is damaged: %(name)s cannot be unpacked.")
TOO_MANY = _l("The package holds more than %(n)s files.")
UNSAFE_NAME = _l(
    "The package holds a file with an unsafe name (%(name)s): absolute paths, '..', "
    "backslashes, drive letters and control characters are not allowed."
)
DUPLICATE = _l("The package holds %(name)s more than once.")
LINK = _l("%(name)s is a link or a special file: a package holds plain files only.")
DIRECTORY = _l("The package holds a folder that does not belong there: %(name)s.")
ENCRYPTED = _l("%(name)s is encrypted: a package must not be encrypted.")
METHOD = _l("%(name)s is compressed with a method other than deflate.")
BOMB = _l("%(name)s unpacks to far more than its packed size (a zip bomb): it is refused.")
FILE_TOO_BIG = _l("%(name)s is larger than %(size)s unpacked.")
UNPACKED_TOO_BIG = _l("The package is larger than %(size)s unpacked.")
OUTSIDE = _l(
    "%(name)s does not belong in a service package (it may hold process.bpmn, service.json, "
    "parameters.json, texts.<language>.json, forms/<name>.json and decisions/<name>.dmn)."
)
NO_MANIFEST = _l("The package has no manifest.json.")
NOT_A_MANIFEST = _l("manifest.json is not the manifest of a Flytverk service package.")
MANIFEST_FIELD = _l("manifest.json is not valid: %(field)s is missing or has the wrong type.")
NEWER_FORMAT = _l(
    "The package is in a newer format (%(n)s) than this installation reads: update Flytverk first."
)
NEWER = _l("The package needs Flytverk %(needed)s or newer; this installation runs %(running)s.")
MISSING = _l("%(name)s is listed in the manifest but missing from the package.")
UNLISTED = _l("%(name)s is in the package but not listed in its manifest.")
MISMATCH = _l("%(name)s has been changed: its checksum does not match the manifest.")
REQUIRED = _l("The package lacks %(name)s.")
NOT_UTF8 = _l("%(name)s is not UTF-8 text.")
XML_UNSAFE = _l(
    "%(name)s contains a document type declaration (DOCTYPE or ENTITY), which is not allowed."
)
XML_BAD = _l("%(name)s is not well-formed XML, or too large to read safely.")
JSON_BAD = _l("%(name)s is not a valid JSON object.")
SERVICE_KEY = _l(
    "service.json has no valid service key (lowercase letters, digits, _ and -; at most 90)."
)
SERVICE_FIELD = _l("service.json is not valid: %(field)s has the wrong type or is too long.")


@dataclass(frozen=True)
class Limits:
    """How big a package may be: packed, unpacked in all, one file unpacked, entries."""

    packed_bytes: int = 5 * MB
    unpacked_bytes: int = 20 * MB
    file_bytes: int = 2 * MB
    entries: int = 500

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Limits:
        """The limits an app's config sets (PACKAGE_MAX_BYTES, ..._UNPACKED_BYTES,
        ..._FILE_BYTES, ..._ENTRIES), the defaults where it sets none."""
        base = cls()
        return cls(
            packed_bytes=int(config.get("PACKAGE_MAX_BYTES", base.packed_bytes)),
            unpacked_bytes=int(config.get("PACKAGE_MAX_UNPACKED_BYTES", base.unpacked_bytes)),
            file_bytes=int(config.get("PACKAGE_MAX_FILE_BYTES", base.file_bytes)),
            entries=int(config.get("PACKAGE_MAX_ENTRIES", base.entries)),
        )


LIMITS = Limits()


class PackageRefused(Invalid):
    """The file is not a package this installation accepts; `message` says why."""


def to_zip(package: Package) -> bytes:
    """The package as zip bytes: manifest.json first, then the files by name."""
    out = io.BytesIO()
    manifest = json.dumps(package.manifest, ensure_ascii=False, indent=2) + "\n"
    entries = [(MANIFEST, manifest), *sorted(package.files.items())]
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever it is written: the mode below is read
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, content.encode("utf-8"), compresslevel=9)
    return out.getvalue()


def allowed_name(name: str) -> bool:
    """Whether `name` belongs in a package (the layout of processes/<service>/)."""
    if name in SINGLE_FILES:
        return True
    if (found := _TEXTS.match(name)) is not None:
        return found.group(1) in languages.LANGUAGES
    folder, _slash, rest = name.partition("/")
    if folder == "forms":
        return FORM_NAME.match(rest) is not None
    if folder == "decisions":
        return DECISION_NAME.match(rest) is not None
    return False


def _unsafe(name: str) -> bool:
    parts = name.removesuffix("/").split("/")
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
        or any(part in ("", ".", "..") for part in parts)
    )


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The archive's plain files, after every check its central directory allows."""
    infos = archive.infolist()
    if len(infos) > limits.entries:
        raise PackageRefused(TOO_MANY % {"n": limits.entries})
    seen: set[str] = set()
    files, total = [], 0
    for info in infos:
        name = info.orig_filename  # as written: ZipInfo.filename cuts a name at a NUL
        if _unsafe(name):
            raise PackageRefused(UNSAFE_NAME % {"name": _shown(name)})
        if name in seen:
            raise PackageRefused(DUPLICATE % {"name": _shown(name)})
        seen.add(name)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise PackageRefused(LINK % {"name": _shown(name)})
        if name.endswith("/") or kind == stat.S_IFDIR:
            if name not in FOLDERS or info.file_size:
                raise PackageRefused(DIRECTORY % {"name": _shown(name)})
            continue
        if info.flag_bits & 0x1:
            raise PackageRefused(ENCRYPTED % {"name": _shown(name)})
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageRefused(METHOD % {"name": _shown(name)})
        if info.file_size > BOMB_FLOOR and info.file_size > BOMB_RATIO * info.compress_size:
            raise PackageRefused(BOMB % {"name": _shown(name)})
        if info.file_size > limits.file_bytes:
            raise PackageRefused(
                FILE_TOO_BIG % {"name": _shown(name), "size": _size(limits.file_bytes)}
            )
        total += info.file_size
        if total > limits.unpacked_bytes:
            raise PackageRefused(UNPACKED_TOO_BIG % {"size": _size(limits.unpacked_bytes)})
        files.append(info)
    return files


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: int) -> bytes:
    """The entry's bytes, counted as they come (a header may lie about its size)."""
    out = bytearray()
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(64 * 1024):
                out += chunk
                if len(out) > limits.file_bytes:
                    raise PackageRefused(
                        FILE_TOO_BIG
                        % {"name": _shown(info.orig_filename), "size": _size(limits.file_bytes)}
                    )
                if len(out) > budget:
                    raise PackageRefused(UNPACKED_TOO_BIG % {"size": _size(limits.unpacked_bytes)})
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError):
        raise PackageRefused(DAMAGED % {"name": _shown(info.orig_filename)}) from None
    except NotImplementedError:
        raise PackageRefused(METHOD % {"name": _shown(info.orig_filename)}) from None
    return bytes(out)


def _size(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size / 1024:g} KB"


def _shown(name: str) -> str:
    """A name as a message may show it: control characters escaped, at most 100 long."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", name)[:100]


def release(text: str) -> tuple[int, ...] | None:
    """A version's release numbers, trailing zeros dropped ('1.2.0rc1' -> (1, 2)), or None."""
    found = _RELEASE.match(text)
    if found is None:
        return None
    parts = [int(p) for p in found.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _json(name: str, raw: bytes) -> Any:
    try:
        found = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise PackageRefused(JSON_BAD % {"name": _shown(name)}) from None
    if not isinstance(found, dict):
        raise PackageRefused(JSON_BAD % {"name": _shown(name)})
    return found


def _manifest(raw: bytes | None) -> dict[str, Any]:
    """The manifest, checked for what reading the package needs."""
    if raw is None:
        raise PackageRefused(NO_MANIFEST)
    manifest = _json(MANIFEST, raw)
    if manifest.get("format") != FORMAT:
        raise PackageRefused(NOT_A_MANIFEST)
    number = manifest.get("format_version")
    if type(number) is not int:
        raise PackageRefused(MANIFEST_FIELD % {"field": "format_version"})
    if number > FORMAT_VERSION:
        raise PackageRefused(NEWER_FORMAT % {"n": number})
    if number < 1:
        raise PackageRefused(MANIFEST_FIELD % {"field": "format_version"})
    requires = manifest.get("requires")
    needed = requires.get("flytverk") if isinstance(requires, dict) else None
    if not isinstance(needed, str) or release(needed) is None:
        raise PackageRefused(MANIFEST_FIELD % {"field": "requires.flytverk"})
    running = flytverk_version()
    if (release(running) or (0,)) < (release(needed) or (0,)):
        raise PackageRefused(NEWER % {"needed": needed[:40], "running": running})
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _CHECKSUM.match(v) for k, v in files.items()
    ):
        raise PackageRefused(MANIFEST_FIELD % {"field": "files"})
    for field, kind in _MANIFEST_FIELDS.items():
        if field in manifest and not isinstance(manifest[field], kind):
            raise PackageRefused(MANIFEST_FIELD % {"field": field})
    version = manifest.get("version")
    if version is not None and (type(version) is not int or version < 1):
        raise PackageRefused(MANIFEST_FIELD % {"field": "version"})
    return manifest


_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "key": str,
    "licence": str,
    "published_at": (str, type(None)),
    "origin": dict,
    "name": dict,
    "description": dict,
    "parameters": list,
    "groups": list,
    "connectors": list,
    "settings": dict,
}


def _check_service(service: dict[str, Any]) -> None:
    key = service.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise PackageRefused(SERVICE_KEY)
    for field in ("name", "description"):
        value = service.get(field, "")
        texts = value.values() if isinstance(value, dict) else [value]
        longest = NAME_LENGTH if field == "name" else DESCRIPTION_LENGTH
        if not all(isinstance(text, str) and len(text) <= longest for text in texts):
            raise PackageRefused(SERVICE_FIELD % {"field": field})
    if not isinstance(service.get("settings", {}), dict):
        raise PackageRefused(SERVICE_FIELD % {"field": "settings"})


def _check_content(name: str, raw: bytes) -> str:
    """The file as text, once it is UTF-8 and safe XML or a JSON object as its name says."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PackageRefused(NOT_UTF8 % {"name": _shown(name)}) from None
    if name.endswith((".bpmn", ".dmn")):
        try:
            parse_xml(raw, filename=name)
        except ModelInvalid:
            unsafe = _DTD.search(raw) is not None
            refusal = XML_UNSAFE if unsafe else XML_BAD
            raise PackageRefused(refusal % {"name": _shown(name)}) from None
    else:
        _json(name, raw)
    return text


def from_zip(data: bytes, limits: Limits = LIMITS) -> Package:
    """The package in `data`, or PackageRefused saying what is wrong with it."""
    if not data:
        raise PackageRefused(EMPTY)
    if len(data) > limits.packed_bytes:
        raise PackageRefused(TOO_BIG % {"size": _size(limits.packed_bytes)})
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise PackageRefused(NOT_ZIP) from None
    with archive:
        infos = _entries(archive, limits)
        budget = limits.unpacked_bytes
        contents: dict[str, bytes] = {}
        manifest_info = next((i for i in infos if i.orig_filename == MANIFEST), None)
        if manifest_info is not None:
            contents[MANIFEST] = _read(archive, manifest_info, limits, budget)
            budget -= len(contents[MANIFEST])
        manifest = _manifest(contents.get(MANIFEST))
        for info in infos:
            name = info.orig_filename
            if name != MANIFEST and not allowed_name(name):
                raise PackageRefused(OUTSIDE % {"name": _shown(name)})
        listed = manifest["files"]
        for name in listed:
            if name == MANIFEST or not allowed_name(name):
                raise PackageRefused(OUTSIDE % {"name": _shown(name)})
        present = {i.orig_filename for i in infos} - {MANIFEST}
        if missing := sorted(set(listed) - present):
            raise PackageRefused(MISSING % {"name": _shown(missing[0])})
        if unlisted := sorted(present - set(listed)):
            raise PackageRefused(UNLISTED % {"name": _shown(unlisted[0])})
        for required in (BPMN, SERVICE):
            if required not in present:
                raise PackageRefused(REQUIRED % {"name": required})
        for info in sorted(infos, key=lambda i: i.orig_filename):
            if info.orig_filename in contents:
                continue
            raw = _read(archive, info, limits, budget)
            budget -= len(raw)
            contents[info.orig_filename] = raw
    files: dict[str, str] = {}
    for name in sorted(present):
        raw = contents[name]
        if checksum(raw) != listed[name]:
            raise PackageRefused(MISMATCH % {"name": _shown(name)})
        files[name] = _check_content(name, raw)
    _check_service(json.loads(files[SERVICE]))
    return Package(manifest, files)

"""Service packages as zip files: written deterministically, read like any untrusted upload.

Every package here is a real zip built at run time; a refused one is refused with the message
a person reads (in English outside a request), naming the file where there is one. Malicious
content comes with a manifest whose checksums match, so the check under test is what refuses.
"""

from __future__ import annotations

import io
import json
import os
import struct
import warnings
import zipfile
from typing import Any

import pytest

from designer.services.catalog import read_folder, shipped_folders
from designer.services.packages import Limits, Package, PackageRefused, checksum, from_zip, to_zip
from designer.services.packages.container import MB, allowed_name, release
from designer.services.packages.core import FORMAT, FORMAT_VERSION, flytverk_version

PARKING = os.path.join(os.path.dirname(shipped_folders()[0]), "parking_permit")
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&x;</definitions>\n'
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + ']>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&lol9;</definitions>\n'
)


def _files(folder: str = PARKING) -> dict[str, str]:
    """A service folder's files keyed as a package keys them."""
    bundle = read_folder(folder)
    with open(os.path.join(folder, "service.json"), encoding="utf-8") as handle:
        service = handle.read()
    return {"process.bpmn": bundle.bpmn, "service.json": service, **bundle.files}


def _manifest(contents: dict[str, bytes], **changes: Any) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "id": "notodden/parking_permit",
        "key": "parking_permit",
        "version": 3,
        "origin": {"municipality": "Notodden kommune", "slug": "notodden"},
        "licence": "NLOD-2.0",
        "requires": {"flytverk": "0.1"},
        "files": {name: checksum(raw) for name, raw in sorted(contents.items())},
        **changes,
    }


def _zip(
    files: dict[str, str | bytes] | None = None,
    manifest: dict[str, Any] | bytes | None = None,
    extra: dict[str, str | bytes] | None = None,
    **changes: Any,
) -> bytes:
    """A package zip: `files` listed in a matching manifest (unless one is given), `extra`
    added without being listed."""
    raw = {
        k: v.encode("utf-8") if isinstance(v, str) else v
        for k, v in (_files() if files is None else files).items()
    }
    written = manifest if manifest is not None else _manifest(raw, **changes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if written is not False:
            text = written if isinstance(written, bytes) else json.dumps(written).encode()
            archive.writestr("manifest.json", text)
        for name, content in {**raw, **(extra or {})}.items():
            archive.writestr(name, content)
    return out.getvalue()


def _refused(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(PackageRefused) as caught:
        from_zip(data, *([limits] if limits else []))
    return str(caught.value.message)


def _patch(data: bytes, name: str, central: int, local: int, fmt: str, value: int) -> bytes:
    """`data` with a field of `name`'s central-directory and local headers overwritten."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, offset in ((b"PK\x01\x02", central), (b"PK\x03\x04", local)):
        head = 46 if signature == b"PK\x01\x02" else 30
        start = 0
        while (at := out.find(signature, start)) >= 0:
            if out[at + head : at + head + len(encoded)] == encoded:
                struct.pack_into(fmt, out, at + offset, value)
            start = at + 4
    return bytes(out)


# Writing and reading back


@pytest.mark.parametrize("folder", shipped_folders(), ids=os.path.basename)
def test_a_shipped_folder_round_trips_through_a_zip(folder: str) -> None:
    files = _files(folder)
    manifest = _manifest({k: v.encode() for k, v in files.items()})
    data = to_zip(Package(manifest, files))
    found = from_zip(data)
    assert found.files == files and found.manifest == manifest
    assert to_zip(found) == data  # deterministic: the same package, the same bytes


def test_the_zip_lists_the_manifest_first_then_the_files_by_name_with_fixed_times() -> None:
    files = _files()
    data = to_zip(Package(_manifest({k: v.encode() for k, v in files.items()}), files))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["manifest.json", *sorted(files)]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_folder_entries_for_forms_and_decisions_are_allowed() -> None:
    data = _zip(extra={"forms/": b"", "decisions/": b""})
    assert "forms/application.json" in from_zip(data).files


def test_the_layout_admits_only_the_files_of_a_service_folder() -> None:
    for name in ("process.bpmn", "service.json", "parameters.json", "texts.nn.json"):
        assert allowed_name(name), name
    for name in ("forms/application.json", "decisions/kindergarten_price.dmn"):
        assert allowed_name(name), name
    for name in ("texts.de.json", "forms/A.json", "forms/x/y.json", "letters/intro.html",
                 "decisions/x.json", "README.md", "forms/.json", "process.BPMN"):  # fmt: skip
        assert not allowed_name(name), name


def test_versions_compare_by_their_release_numbers() -> None:
    assert release("0.1.0") == release("0.1") == (0, 1)
    assert release("1.10") > release("1.9")  # type: ignore[operator]
    assert release("2.0.0rc1") == (2,)
    assert release("v3.1") == (3, 1)
    assert release("latest") is None and release("9" * 50) is None


# Refused: the file itself


def test_an_empty_file_is_refused() -> None:
    assert _refused(b"") == "The file is empty. Choose a service package (a .zip file)."


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    message = "The file is not a service package: it is not a zip file."
    assert _refused(b"<definitions/>") == message
    assert _refused(b"PK\x03\x04" + b"\x00" * 100) == message


def test_a_package_larger_than_the_limit_is_refused_before_it_is_opened() -> None:
    assert _refused(b"\x00" * (5 * MB + 1)) == "The package is larger than 5 MB."
    limits = Limits(packed_bytes=4096)
    assert _refused(_zip(), limits) == "The package is larger than 4 KB."


def test_too_many_entries_are_refused() -> None:
    extra = {f"forms/f{i}.json": b"{}" for i in range(500)}
    assert _refused(_zip(extra=extra)) == "The package holds more than 500 files."


def test_a_damaged_entry_is_refused_naming_it() -> None:
    data = bytearray(_zip())
    at = data.find(b"PK\x03\x04", data.find(b"process.bpmn") - 30)
    body = at + 30 + len(b"process.bpmn")
    data[body + 10 : body + 40] = b"\xff" * 30
    assert _refused(bytes(data)) == "The package is damaged: process.bpmn cannot be unpacked."


# Refused: zip bombs and sizes


def test_a_zip_bomb_is_refused_from_its_ratio() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("texts.en.json", "w") as handle:
            chunk = b"\x00" * MB
            for _ in range(100):  # 100 MB of zeros, about 100 KB packed
                handle.write(chunk)
    data = out.getvalue()
    assert len(data) < 200 * 1024
    message = "texts.en.json unpacks to far more than its packed size (a zip bomb): it is refused."
    assert _refused(data) == message


def test_a_header_that_understates_the_size_does_not_get_more_read() -> None:
    """The central directory says 100 bytes; 3 MB of zeros follow. Reading stops at what
    was declared and the entry fails its CRC: it is never unpacked in full."""
    files = {**_files(), "texts.en.json": b"\x00" * (3 * MB)}
    data = _zip(files)
    lying = _patch(data, "texts.en.json", central=24, local=22, fmt="<I", value=100)
    assert _refused(lying) == "The package is damaged: texts.en.json cannot be unpacked."


def test_one_file_larger_than_its_limit_is_refused() -> None:
    big = os.urandom(2 * MB + 1)  # random: it does not compress, so no bomb ratio
    assert _refused(_zip({**_files(), "texts.nb.json": big})) == (
        "texts.nb.json is larger than 2 MB unpacked."
    )


def test_the_sum_of_the_files_is_limited() -> None:
    limits = Limits(unpacked_bytes=MB)
    big = {"texts.nb.json": os.urandom(600_000), "forms/big.json": os.urandom(600_000)}
    assert (
        _refused(_zip({**_files(), **big}), limits) == "The package is larger than 1 MB unpacked."
    )


# Refused: names and kinds of entries


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../x", "../x"),
        ("/etc/passwd", "/etc/passwd"),
        ("forms/../../x.json", "forms/../../x.json"),
        ("C:\\x", "C:\\x"),
        ("forms\\application.json", "forms\\application.json"),
        ("C:/x.json", "C:/x.json"),
        ("forms//x.json", "forms//x.json"),
        ("./process.bpmn", "./process.bpmn"),
    ],
)
def test_unsafe_names_are_refused(name: str, shown: str) -> None:
    message = (
        f"The package holds a file with an unsafe name ({shown}): absolute paths, '..', "
        "backslashes, drive letters and control characters are not allowed."
    )
    assert _refused(_zip(extra={name: b"{}"})) == message


def test_a_name_with_a_nul_is_refused() -> None:
    data = _zip(extra={"forms/a.jsonZzz": b"{}"}).replace(b"forms/a.jsonZzz", b"forms/a.json\x00zz")
    assert _refused(data) == (
        "The package holds a file with an unsafe name (forms/a.json\\x00zz): absolute paths, "
        "'..', backslashes, drive letters and control characters are not allowed."
    )


def test_a_symlink_entry_is_refused() -> None:
    out = io.BytesIO(_zip())
    with zipfile.ZipFile(out, "a") as archive:
        link = zipfile.ZipInfo("texts.nb.json")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "../../../etc/passwd")
    assert _refused(out.getvalue()) == (
        "texts.nb.json is a link or a special file: a package holds plain files only."
    )


def test_a_folder_that_does_not_belong_is_refused() -> None:
    assert _refused(_zip(extra={"letters/": b""})) == (
        "The package holds a folder that does not belong there: letters/."
    )


def test_duplicate_names_are_refused() -> None:
    out = io.BytesIO(_zip())
    with warnings.catch_warnings(), zipfile.ZipFile(out, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it is asked to write
        archive.writestr("process.bpmn", "<definitions/>")
    assert _refused(out.getvalue()) == "The package holds process.bpmn more than once."


def test_an_encrypted_entry_is_refused() -> None:
    data = _patch(_zip(), "service.json", central=8, local=6, fmt="<H", value=0x1)
    assert _refused(data) == "service.json is encrypted: a package must not be encrypted."


def test_another_compression_method_is_refused() -> None:
    out = io.BytesIO(_zip())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("texts.nb.json", "{}", compress_type=zipfile.ZIP_BZIP2)
    assert _refused(out.getvalue()) == (
        "texts.nb.json is compressed with a method other than deflate."
    )


def test_a_file_outside_the_layout_is_refused() -> None:
    files = {**_files(), "letters/intro.html": "<p>Hei</p>"}
    assert _refused(_zip(files)) == (
        "letters/intro.html does not belong in a service package (it may hold process.bpmn, "
        "service.json, parameters.json, texts.<language>.json, forms/<name>.json and "
        "decisions/<name>.dmn)."
    )
    assert "texts.de.json does not belong" in _refused(_zip({**_files(), "texts.de.json": "{}"}))


# Refused: the manifest


def test_a_package_without_a_manifest_is_refused() -> None:
    assert _refused(_zip(manifest=False)) == "The package has no manifest.json."  # type: ignore[arg-type]


def test_a_manifest_that_is_not_json_is_refused() -> None:
    assert _refused(_zip(manifest=b"{not json")) == "manifest.json is not a valid JSON object."
    assert _refused(_zip(manifest=b"[]")) == "manifest.json is not a valid JSON object."


def test_a_manifest_of_another_format_is_refused() -> None:
    assert _refused(_zip(format="zip")) == (
        "manifest.json is not the manifest of a Flytverk service package."
    )
    assert _refused(_zip(format_version="1")) == (
        "manifest.json is not valid: format_version is missing or has the wrong type."
    )
    assert _refused(_zip(format_version=FORMAT_VERSION + 1)) == (
        f"The package is in a newer format ({FORMAT_VERSION + 1}) than this installation "
        "reads: update Flytverk first."
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("files", []), ("files", {"process.bpmn": "md5:1"}), ("origin", "x"), ("version", 0),
     ("version", True), ("requires", {}), ("requires", {"flytverk": "soon"})],
)  # fmt: skip
def test_a_manifest_with_a_wrong_field_is_refused(field: str, value: Any) -> None:
    shown = "requires.flytverk" if field == "requires" else field
    manifest = _manifest({k: v.encode() for k, v in _files().items()}, **{field: value})
    assert _refused(_zip(manifest=manifest)) == (
        f"manifest.json is not valid: {shown} is missing or has the wrong type."
    )


def test_a_package_that_needs_a_newer_flytverk_is_refused() -> None:
    assert _refused(_zip(requires={"flytverk": "99.0"})) == (
        f"The package needs Flytverk 99.0 or newer; this installation runs {flytverk_version()}."
    )
    assert from_zip(_zip(requires={"flytverk": "0.1.0rc1"})).bpmn  # the same release: fine


# Refused: the files against the manifest


def test_a_tampered_file_is_refused_naming_it() -> None:
    files = _files()
    manifest = _manifest({k: v.encode() for k, v in files.items()})
    files["process.bpmn"] = files["process.bpmn"].replace("Saksbehandler", "Alle")
    assert _refused(_zip(files, manifest)) == (
        "process.bpmn has been changed: its checksum does not match the manifest."
    )


def test_an_unlisted_file_is_refused() -> None:
    assert _refused(_zip(extra={"forms/extra.json": "{}"})) == (
        "forms/extra.json is in the package but not listed in its manifest."
    )


def test_a_listed_file_that_is_missing_is_refused() -> None:
    files = _files()
    manifest = _manifest({k: v.encode() for k, v in files.items()})
    del files["forms/review.json"]
    assert _refused(_zip(files, manifest)) == (
        "forms/review.json is listed in the manifest but missing from the package."
    )


def test_a_manifest_that_lists_a_file_outside_the_layout_is_refused() -> None:
    files = _files()
    manifest = _manifest({k: v.encode() for k, v in files.items()})
    manifest["files"]["../../etc/passwd"] = checksum(b"x")
    assert _refused(_zip(files, manifest)).startswith("../../etc/passwd does not belong")


def test_a_package_without_its_diagram_is_refused() -> None:
    files = _files()
    del files["process.bpmn"]
    assert _refused(_zip(files)) == "The package lacks process.bpmn."


# Refused: the content (checksums match)


def test_an_xxe_in_the_diagram_is_refused() -> None:
    files = {**_files(), "process.bpmn": XXE}
    assert _refused(_zip(files)) == (
        "process.bpmn contains a document type declaration (DOCTYPE or ENTITY), which is not "
        "allowed."
    )


def test_a_billion_laughs_in_a_decision_table_is_refused() -> None:
    files = {**_files(), "decisions/laughs.dmn": LAUGHS}
    assert _refused(_zip(files)) == (
        "decisions/laughs.dmn contains a document type declaration (DOCTYPE or ENTITY), which "
        "is not allowed."
    )


def test_xml_that_is_not_well_formed_is_refused() -> None:
    files = {**_files(), "decisions/broken.dmn": "<definitions><decision></definitions>"}
    assert _refused(_zip(files)) == (
        "decisions/broken.dmn is not well-formed XML, or too large to read safely."
    )


def test_a_file_that_is_not_utf8_is_refused() -> None:
    files: dict[str, str | bytes] = {**_files(), "texts.en.json": '{"a": "Bø"}'.encode("latin-1")}
    assert _refused(_zip(files)) == "texts.en.json is not UTF-8 text."


@pytest.mark.parametrize("content", ["{", "[1, 2]", "[" * 100_000 + "]" * 100_000])
def test_json_that_is_not_an_object_is_refused(content: str) -> None:
    files = {**_files(), "forms/application.json": content}
    assert _refused(_zip(files)) == "forms/application.json is not a valid JSON object."


@pytest.mark.parametrize("key", ["../evil", "", "A", "x" * 91, 5])
def test_a_service_key_that_is_not_safe_is_refused(key: Any) -> None:
    service = {**json.loads(_files()["service.json"]), "key": key}
    files = {**_files(), "service.json": json.dumps(service)}
    assert _refused(_zip(files)) == (
        "service.json has no valid service key (lowercase letters, digits, _ and -; at most 90)."
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("settings", ["x"]), ("name", {"nb": ["x"]}), ("name", "x" * 201),
     ("description", {"en": "x" * 5001})],
)  # fmt: skip
def test_service_fields_of_the_wrong_type_are_refused(field: str, value: Any) -> None:
    service = {**json.loads(_files()["service.json"]), field: value}
    files = {**_files(), "service.json": json.dumps(service)}
    assert _refused(_zip(files)) == (
        f"service.json is not valid: {field} has the wrong type or is too long."
    )

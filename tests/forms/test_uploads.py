"""Tests for forms.uploads and forms.filefield: type by content, limits, scan hook."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from forms import FormDefinition, build_form_class, summary, typed_data
from forms.uploads import (
    NoScanner,
    Upload,
    UploadInfo,
    accept_attribute,
    inspect_upload,
    parse_accept,
    safe_filename,
    sniff,
)

PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
XLSX = zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b""})
PLAIN_ZIP = zipped({"readme.txt": b"hei"})


def upload(content: bytes, filename: str = "fil.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=filename)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (b"GIF89a" + b"\x00" * 10, "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "heic"),
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (ODT, "odt"),
        (PLAIN_ZIP, None),
        (b"PK\x03\x04 broken zip", None),
        (b"MZ\x90\x00 an exe", None),
        (b"", None),
    ],
)
def test_type_is_read_from_content(content: bytes, kind: str | None) -> None:
    info = inspect_upload(upload(content))
    assert info.kind == kind
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()


def test_inspection_rewinds_and_reads_large_files() -> None:
    content = PDF + b"y" * 300_000
    storage = upload(content, "stor.PDF")
    info = inspect_upload(storage)
    assert info == UploadInfo(
        "stor.PDF", "application/pdf", len(content), info.sha256, "pdf", "pdf"
    )
    assert storage.stream.read() == content
    assert sniff(b"%PDF-") == "pdf" and sniff(b"") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("søknad.pdf", "søknad.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\kari\\bilde 1.png", "bilde 1.png"),
        ("<script>.pdf", "script_.pdf"),
        ("...", "fil"),
        ("", "fil"),
        (".pdf", "pdf"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("rapport\x00.pdf", "rapport_.pdf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
    assert safe_filename("", ".png") == "fil.png"


def test_accept_parsing() -> None:
    assert parse_accept(".pdf, image/png,.JPG") == (["pdf", "png", "jpeg"], [])
    assert parse_accept("image/*")[0] == ["png", "jpeg", "gif", "webp", "heic"]
    assert parse_accept(".exe,.pdf") == (["pdf"], [".exe"])
    assert accept_attribute(["pdf", "jpeg"]) == ".pdf,.jpg,.jpeg"


FILE_FORM = [
    {
        "type": "filepicker",
        "key": "doc",
        "label": "Vedlegg",
        "accept": ".pdf,.png",
        "validate": {"required": True},
        "properties": {"maxSizeMB": 0.001},
    },
]


def submit_file(
    make_definition: Callable[..., FormDefinition],
    *files: FileStorage,
    locale: str = "nb",
    base: type | None = None,
    components: list[dict[str, Any]] | None = None,
) -> tuple[Any, FormDefinition]:
    definition = make_definition(components or FILE_FORM)
    form_class = build_form_class(definition, locale=locale, **({"base": base} if base else {}))
    form = form_class(MultiDict([("doc", f) for f in files]))
    form.validate()
    return form, definition


@pytest.mark.parametrize(
    ("content", "filename", "nb", "en"),
    [
        (
            PNG,
            "skjema.pdf",
            "«skjema.pdf» er ikke en ekte PDF-fil: innholdet stemmer ikke med filnavnet.",
            "“skjema.pdf” is not a real PDF file: its content does not match its name.",
        ),
        (
            PDF,
            "skjema.docx",
            "«skjema.docx» er ikke en tillatt filtype. Tillatte filtyper: PDF, PNG.",
            "“skjema.docx” is not an allowed file type. Allowed types: PDF, PNG.",
        ),
        (
            PDF,
            "uten-endelse",
            "«uten-endelse» er ikke en tillatt filtype. Tillatte filtyper: PDF, PNG.",
            "“uten-endelse” is not an allowed file type. Allowed types: PDF, PNG.",
        ),
        (
            PDF + b"z" * 2000,
            "stor.pdf",
            "«stor.pdf» er for stor (0 MB). Største tillatte størrelse er 0,001 MB.",
            "“stor.pdf” is too large (0 MB). The largest allowed size is 0.001 MB.",
        ),
        (b"", "tom.pdf", "«tom.pdf» er tom.", "“tom.pdf” is empty."),
    ],
)
def test_rejected_files_get_clear_messages(
    make_definition: Callable[..., FormDefinition],
    content: bytes,
    filename: str,
    nb: str,
    en: str,
) -> None:
    for locale, message in (("nb", nb), ("en", en)):
        form, _ = submit_file(make_definition, upload(content, filename), locale=locale)
        assert form.errors == {"doc": [message]}


def test_a_valid_file_is_typed_as_an_upload(
    make_definition: Callable[..., FormDefinition],
) -> None:
    storage = upload(PNG[:60], "Bilde.PNG")
    form, definition = submit_file(make_definition, storage)
    assert form.errors == {}
    value = typed_data(form, definition)["doc"]
    assert isinstance(value, Upload) and value.storage is storage
    assert value.info.media_type == "image/png" and value.info.filename_safe == "Bilde.PNG"
    assert storage.stream.tell() == 0
    assert summary(definition, {"doc": value}) == [
        {"key": "doc", "label": "Vedlegg", "value": "Bilde.PNG"}
    ]
    assert summary(definition, {"doc": {"filename": "lagret.pdf", "id": 7}})[0]["value"] == (
        "lagret.pdf"
    )


def test_required_and_empty_choices(
    make_definition: Callable[..., FormDefinition],
) -> None:
    form, _ = submit_file(make_definition, FileStorage(io.BytesIO(b""), filename=""))
    assert form.errors == {"doc": ["Velg en fil for «Vedlegg»."]}
    optional = [{**FILE_FORM[0], "validate": {}}]
    form, definition = submit_file(
        make_definition, FileStorage(io.BytesIO(b""), filename=""), components=optional
    )
    assert form.errors == {} and typed_data(form, definition) == {"doc": None}
    # A form posted without multipart/form-data sends the file name as text.
    definition = make_definition(optional)
    form = build_form_class(definition)(MultiDict({"doc": "fil.pdf"}))
    assert form.validate() and typed_data(form, definition) == {"doc": None}


def test_multiple_files_each_checked(
    make_definition: Callable[..., FormDefinition],
) -> None:
    components = [{**FILE_FORM[0], "multiple": True, "properties": {}}]
    form, definition = submit_file(
        make_definition,
        upload(PDF, "a.pdf"),
        upload(PNG, "b.png"),
        components=components,
    )
    assert form.errors == {}
    values = typed_data(form, definition)["doc"]
    assert [v.info.kind for v in values] == ["pdf", "png"]
    form, _ = submit_file(
        make_definition,
        upload(PDF, "a.pdf"),
        upload(PDF, "b.png"),
        components=components,
    )
    assert form.errors["doc"] == [
        "«b.png» er ikke en ekte PNG-fil: innholdet stemmer ikke med filnavnet."
    ]


class Rejecting:
    def __init__(self) -> None:
        self.seen: list[UploadInfo] = []

    def scan(self, stream: BinaryIO, info: UploadInfo) -> str | None:
        self.seen.append(info)
        stream.read()
        return "EICAR test signature"


class Broken:
    def scan(self, stream: BinaryIO, info: UploadInfo) -> str | None:
        raise ConnectionError("clamd is down")


def test_scanner_is_pluggable_through_meta(
    make_definition: Callable[..., FormDefinition],
) -> None:
    import wtforms

    scanner = Rejecting()

    class ScannedForm(wtforms.Form):
        class Meta:
            upload_scanner = scanner

    class BrokenForm(wtforms.Form):
        class Meta:
            upload_scanner = Broken()

    storage = upload(PDF, "virus.pdf")
    components = [{**FILE_FORM[0], "properties": {}}]
    form, _ = submit_file(make_definition, storage, base=ScannedForm, components=components)
    assert form.errors == {"doc": ["«virus.pdf» ble stoppet av viruskontrollen."]}
    assert scanner.seen[0].kind == "pdf" and storage.stream.tell() == 0
    form, _ = submit_file(make_definition, upload(PDF), base=BrokenForm, components=components)
    assert form.errors == {"doc": ["«fil.pdf» kunne ikke sjekkes for virus. Prøv igjen senere."]}
    assert NoScanner().scan(io.BytesIO(b""), scanner.seen[0]) is None


def test_file_input_markup(
    make_definition: Callable[..., FormDefinition],
    render_form: Callable[..., str],
    parse: Callable[[str], Any],
) -> None:
    definition = make_definition([{**FILE_FORM[0], "description": "Legg ved legeerklæring"}])
    form, _ = submit_file(make_definition, upload(PNG, "x.pdf"), components=definition.components)
    tree = parse(render_form(form, definition))
    assert tree.find("form").get("enctype") == "multipart/form-data"
    control = tree.get_element_by_id("doc")
    assert control.get("type") == "file" and control.get("accept") == ".pdf,.png"
    assert control.get("aria-describedby") == "doc-hint doc-limits doc-error"
    assert tree.get_element_by_id("doc-limits").text == (
        "Tillatte filtyper: PDF, PNG. Største filstørrelse: 0,001 MB."
    )
    assert tree.xpath(".//label[@for='doc']")[0].text_content().endswith("(må fylles ut)")
    assert tree.xpath(".//a[@href='#doc']")
    assert control.get("value") is None

"""Untrusted XML: DTDs, entities, external references and size are refused cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine import bpmn, safexml
from engine.errors import ModelInvalid

SECRET = "flytverk-secret-marker-7c41"
DTD_REFUSED = "document type declaration"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A local file an attacker would like the parser to read."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def _refusal(data: bytes | str, **kwargs: object) -> str:
    with pytest.raises(ModelInvalid) as caught:
        safexml.parse_xml(data, filename="evil.bpmn", **kwargs)  # type: ignore[arg-type]
    [problem] = caught.value.problems
    assert problem.file == "evil.bpmn"
    assert SECRET not in str(caught.value) and SECRET not in problem.message
    return problem.message


def test_xxe_is_refused_without_reading_the_file(secret_file: Path) -> None:
    xxe = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret_file}">]>\n<x>&e;</x>'
    )
    assert DTD_REFUSED in _refusal(xxe)


def test_passwd_xxe_from_the_issue_is_refused() -> None:
    xxe = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    message = _refusal(xxe)
    assert DTD_REFUSED in message and "root:" not in message


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>\n<lolz>&lol9;</lolz>'
    assert DTD_REFUSED in _refusal(bomb)


def test_external_dtd_is_refused(secret_file: Path) -> None:
    doc = f'<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file://{secret_file}">\n<x/>'
    assert DTD_REFUSED in _refusal(doc)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_doctype_hidden_in_a_wide_encoding_is_refused_too(
    secret_file: Path, encoding: str
) -> None:
    xxe = f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret_file}">]><x>&e;</x>'
    assert DTD_REFUSED in _refusal(xxe.encode(encoding))


def test_the_parser_itself_never_expands_entities(secret_file: Path) -> None:
    """Defence in depth: even a DTD that got past the checks would not be followed."""
    xxe = f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret_file}">]><x>&e;</x>'
    root = etree.fromstring(xxe.encode(), parser=safexml._parser())
    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_oversize_input_is_refused_before_parsing() -> None:
    big = b"<x>" + b"a" * 4096 + b"</x>"
    message = _refusal(big, max_bytes=1024)
    assert "larger than 1 KB" in message
    assert safexml.parse_xml(big, max_bytes=len(big)).tag == "x"


def test_default_size_limit_applies_to_bpmn_bundles() -> None:
    huge = "<x>" + " " * safexml.MAX_XML_BYTES + "</x>"
    [problem] = bpmn.validate({"huge.bpmn": huge})
    assert "larger than" in problem.message and problem.file == "huge.bpmn"


def test_untrusted_bpmn_comes_back_as_problems_not_exceptions(secret_file: Path) -> None:
    xxe = f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret_file}">]><x>&e;</x>'
    [problem] = bpmn.validate({"evil.bpmn": xxe})
    assert DTD_REFUSED in problem.message
    assert problem.file == "evil.bpmn"


def test_well_formed_xml_without_dtd_parses() -> None:
    root = safexml.parse_xml('<?xml version="1.0" encoding="UTF-8"?>\n<a><b>æøå</b></a>')
    assert root.findtext("b") == "æøå"


def _one_element(attributes: int) -> str:
    names = " ".join(f'camunda:a{i}="v"' for i in range(attributes))
    return (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn">'
        f'<process id="p"><userTask id="t" {names}/></process></definitions>'
    )


def test_200000_attributes_on_one_element_are_refused_by_count() -> None:
    data = _one_element(200_000)  # ~3.5 MB: under the byte limit, as in the issue
    assert len(data) < safexml.MAX_XML_BYTES
    message = _refusal(data)
    assert "200001 attributes" in message and "at most 200" in message
    [problem] = bpmn.validate({"evil.bpmn": data})
    assert "attributes" in problem.message and problem.file == "evil.bpmn"


def test_too_many_elements_are_refused_by_count() -> None:
    many = "<a>" + "<b/>" * safexml.MAX_ELEMENTS + "</a>"
    assert "elements" in _refusal(many)
    assert safexml.parse_xml("<a>" + "<b/>" * 1000 + "</a>").tag == "a"


def test_too_many_attributes_in_total_are_refused_by_count() -> None:
    per = safexml.MAX_ATTRIBUTES_PER_ELEMENT
    rows = safexml.MAX_ATTRIBUTES // per + 1
    element = "<b " + " ".join(f'a{i}="v"' for i in range(per)) + "/>"
    assert "attributes" in _refusal("<a>" + element * rows + "</a>")


def test_too_many_namespace_declarations_are_refused_by_count() -> None:
    names = " ".join(f'xmlns:n{i}="urn:x{i}"' for i in range(safexml.MAX_NAMESPACES + 1))
    assert "namespaces" in _refusal(f"<a {names}><b/></a>")
    assert "namespaces" in _refusal(f"<a {names}><b/></a>".encode("utf-16"))

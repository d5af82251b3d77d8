"""Safe parsing of untrusted XML: no DTDs, no entities, no network, size and count limits."""

from __future__ import annotations

import re

from lxml import etree

from .errors import ModelInvalid, Problem

MAX_XML_BYTES = 5 * 1024 * 1024
# Work on a tree grows with its elements and attributes, not its bytes: 1.6 MB can hold
# 200,000 attributes. BPMN elements carry a handful each; the shipped services stay far below.
MAX_ELEMENTS = 50_000
MAX_ATTRIBUTES = 200_000
MAX_ATTRIBUTES_PER_ELEMENT = 200
# Namespace declarations are not attributes to lxml, but every element's nsmap copies them.
MAX_NAMESPACES = 500
_XMLNS = (b"xmlns", "xmlns".encode("utf-16-le"), "xmlns".encode("utf-16-be"))
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_MESSAGE = (
    "The file contains a document type declaration (DOCTYPE/ENTITY), which is not allowed."
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def _check_counts(root: etree._Element, filename: str | None) -> None:
    """Refuse trees with more elements or attributes than a diagram needs (linear walk)."""
    elements = attributes = 0
    for element in root.iter():
        elements += 1
        # len(attrib) walks the attribute list once; keys() and items() would be
        # quadratic in lxml (one lookup per attribute), so never use them here.
        count = len(element.attrib) if isinstance(element.tag, str) else 0
        attributes += count
        if count > MAX_ATTRIBUTES_PER_ELEMENT:
            raise ModelInvalid(
                [
                    Problem(
                        f"An element has {count} attributes; at most "
                        f"{MAX_ATTRIBUTES_PER_ELEMENT} are allowed.",
                        line=element.sourceline,
                        file=filename,
                    )
                ]
            )
        if elements > MAX_ELEMENTS or attributes > MAX_ATTRIBUTES:
            raise ModelInvalid(
                [
                    Problem(
                        f"The file has more than {MAX_ELEMENTS} elements or "
                        f"{MAX_ATTRIBUTES} attributes.",
                        file=filename,
                    )
                ]
            )


def parse_xml(
    data: bytes | str, *, filename: str | None = None, max_bytes: int = MAX_XML_BYTES
) -> etree._Element:
    """Parse `data` into an element tree or raise ModelInvalid with a clear problem."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise ModelInvalid(
            [Problem(f"The file is larger than {max_bytes // 1024} KB.", file=filename)]
        )
    if max(raw.count(marker) for marker in _XMLNS) > MAX_NAMESPACES:
        raise ModelInvalid(
            [Problem(f"The file declares more than {MAX_NAMESPACES} namespaces.", file=filename)]
        )
    # Document type declarations are the vehicle of XXE and entity-expansion
    # bombs; BPMN and DMN never need them, so refuse them outright.
    if _DTD.search(raw):
        raise ModelInvalid([Problem(_DTD_MESSAGE, file=filename)])
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as err:
        line = err.lineno if isinstance(err.lineno, int) else None
        raise ModelInvalid(
            [Problem(f"The XML is not well-formed: {err.msg}", line=line, file=filename)]
        ) from None
    if root is None:
        raise ModelInvalid([Problem("The file is empty.", file=filename)])
    # The byte pattern above misses UTF-16/32 input; the parsed tree does not.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ModelInvalid([Problem(_DTD_MESSAGE, file=filename)])
    _check_counts(root, filename)
    return root

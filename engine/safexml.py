"""Safe parsing of untrusted XML: no DTDs, no entities, no network, a size limit."""

from __future__ import annotations

import re

from lxml import etree

from .errors import ModelInvalid, Problem

MAX_XML_BYTES = 5 * 1024 * 1024
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


def parse_xml(
    data: bytes | str, *, filename: str | None = None, max_bytes: int = MAX_XML_BYTES
) -> etree._Element:
    """Parse `data` into an element tree or raise ModelInvalid with a clear problem."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise ModelInvalid(
            [Problem(f"The file is larger than {max_bytes // 1024} KB.", file=filename)]
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
    return root

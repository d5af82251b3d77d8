"""Letters as HTML from the platform templates, and as tagged PDF (PDF/UA-1, WeasyPrint).

A letter body comes from designer/templates/letters/ (every value escaped); the PDF wraps
it in letters/document.html (`<html lang>`, `<title>`) and WeasyPrint writes a tagged PDF
with the document language and title. Nothing is fetched while rendering.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import nh3
from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup
from weasyprint import HTML, URLFetcher

from designer.notify.messages import local_date

PDF_VARIANT = "pdf/ua-1"
TAGS = {
    "a", "article", "br", "caption", "header", "h1", "h2", "h3", "h4", "h5", "li", "p",
    "section", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"*": {"class", "lang"}, "a": {"href"}, "th": {"scope"}}
SCHEMES = {"http", "https", "mailto"}
_HEADING = re.compile(r"<(/?)h([1-5])\b")


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (blank lines between), each with its lines joined."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def body(template: str, **context: Any) -> str:
    """A letter body from a template under designer/templates/letters/."""
    return render_template(f"letters/{template}", **context)


def document(body_html: str, *, lang: str, title: str, author: str) -> str:
    """A whole HTML document around a letter body (for the PDF)."""
    return render_template(
        "letters/document.html", body=Markup(body_html), lang=lang, title=title, author=author
    )


def pdf(document_html: str) -> bytes:
    """A tagged PDF (PDF/UA-1) of a whole HTML document; no resource is fetched."""
    fetcher = URLFetcher(allowed_protocols=())
    return bytes(HTML(string=document_html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT))


def simple_pdf(
    title: str, text: str, *, lang: str, municipality: str, case_no: str, when: datetime
) -> bytes:
    """A plain letter (the `letter` connector's title and text) as a tagged PDF."""
    with force_locale(lang):
        html = body(
            "simple.html",
            lang=lang,
            title=title,
            paragraphs=paragraphs(text),
            municipality=municipality,
            case_no=case_no,
            date=local_date(when, lang),
        )
    return pdf(document(html, lang=lang, title=title, author=municipality))


def _cleaned(html: str) -> str:
    """A letter body with only the letter templates' tags, attributes and link schemes
    (nh3: ammonia's HTML parser and allow-list; disallowed tags are dropped, their text kept,
    scripts and styles dropped whole)."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES)


def page_html_of(html: str, shift: int = 1) -> Markup:
    """A letter body for a web page: cleaned again, its headings `shift` levels down."""
    clean = _cleaned(html or "")
    shifted = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + shift, 6)}", clean)
    return Markup(shifted)  # noqa: S704 - cleaned by nh3 just above

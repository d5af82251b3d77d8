"""Tests for forms.markup.render_markdown."""

from __future__ import annotations

import lxml.html
import pytest
from markupsafe import Markup

from forms import render_markdown


def test_renders_basic_markdown() -> None:
    html = render_markdown("## Tittel\n\nLes **dette** og *dette*.\n\n- en\n- to\n\n`x`")
    assert isinstance(html, Markup)
    assert "<h2>Tittel</h2>" in html
    assert "<strong>dette</strong>" in html and "<em>dette</em>" in html
    assert "<ul>" in html and "<li>en</li>" in html and "<code>x</code>" in html


def test_keeps_safe_links() -> None:
    html = render_markdown('[Kommunen](https://kommune.no "Hjem") [E-post](mailto:a@b.no)')
    links = lxml.html.fromstring(f"<div>{html}</div>").findall(".//a")
    assert [a.get("href") for a in links] == ["https://kommune.no", "mailto:a@b.no"]
    assert links[0].get("title") == "Hjem"


@pytest.mark.parametrize(
    "source",
    [
        "[klikk](javascript:alert(1))",
        '<a href="javascript:alert(1)">klikk</a>',
        "[klikk](JaVaScRiPt:alert(1))",
        "[klikk](data:text/html;base64,PHNjcmlwdD4=)",
        "[klikk](vbscript:msgbox(1))",
    ],
)
def test_drops_dangerous_links(source: str) -> None:
    html = render_markdown(source)
    assert "klikk" in html
    assert "javascript" not in html.lower() and "data:" not in html
    assert "vbscript" not in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<p onclick="alert(1)">x</p>',
        '<p style="color:red">x</p>',
        "<iframe src='https://evil.example'></iframe>",
        "<!-- <script> -->",
    ],
)
def test_strips_dangerous_html(source: str) -> None:
    html = render_markdown(source)
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert not tree.xpath(".//script | .//img | .//iframe | .//*[@onclick]")
    assert "style=" not in html and "onerror" not in html and "<script" not in html


def test_headings_are_kept_between_h2_and_h4() -> None:
    html = render_markdown("# En\n\n#### Fire\n\n###### Seks")
    assert "<h2>En</h2>" in html and "<h4>Fire</h4>" in html and "<h4>Seks</h4>" in html
    assert "<h1" not in html and "<h6" not in html


def test_empty_input() -> None:
    assert render_markdown("") == Markup("")
    assert render_markdown(None) == Markup("")

"""A stored letter body shown on a web page is cleaned again: only the letter templates'
markup survives, whatever a tampered or imported row holds."""

from __future__ import annotations

from designer.integrations import pdf

TAMPERED = (
    '<section class="letter" lang="nb"><h1>Vedtak</h1>'
    "<p>Du får <strong>innvilget</strong> søknaden.<script>alert(1)</script></p>"
    '<p onclick="alert(2)">Klage <a href="javascript:alert(3)">her</a> eller '
    '<a href="https://skien.kommune.no/klage">på nett</a>.</p>'
    '<img src=x onerror="alert(4)"><style>p{display:none}</style><!-- note -->'
    '<table><tr><th scope="row" style="color:red">Sum</th><td>1 078 kr</td></tr></table>'
    "</section>"
)


def test_scripts_handlers_and_foreign_links_are_removed_the_letter_kept() -> None:
    html = str(pdf.page_html_of(TAMPERED))
    for bad in ("<script", "alert(1)", "onclick", "javascript:", "<img", "onerror", "<style",
                "display:none", "style=", "<!--"):  # fmt: skip
        assert bad not in html, bad
    assert '<section class="letter" lang="nb">' in html
    assert "<strong>innvilget</strong>" in html
    assert 'href="https://skien.kommune.no/klage"' in html
    assert '<th scope="row">Sum</th><td>1 078 kr</td>' in html


def test_headings_move_down_below_the_page_heading() -> None:
    html = str(pdf.page_html_of("<h1>Vedtak</h1><h2>Grunngiving</h2><h5>x</h5>", shift=2))
    assert html == "<h3>Vedtak</h3><h4>Grunngiving</h4><h6>x</h6>"

"""render_markdown: Markdown to sanitised HTML for text components and instructions."""

from __future__ import annotations

import re

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "ul", "ol", "li", "strong", "em", "a", "h2", "h3", "h4", "br", "code"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Form pages own the <h1>; clamp author headings into the allowed h2-h4 range.
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _shift_heading(match: re.Match[str]) -> str:
    level = min(max(int(match.group(2)), 2), 4)
    return f"<{match.group(1)}h{level}>"


def render_markdown(text: str | None) -> Markup:
    """Render Markdown and keep only a small, safe set of tags and link schemes."""
    html = markdown.markdown(text or "", output_format="html")
    html = _HEADING.sub(_shift_heading, html)
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_PROTOCOLS),
        strip_comments=True,
    )
    return Markup(cleaned)

"""Jinja integration: register what forms/macros.html needs on an environment."""

from __future__ import annotations

from typing import Any

import jinja2

from .formview import error_links, form_items, form_view
from .i18n import ui_text
from .markup import render_markdown
from .view import HIDDEN_FIELD_TYPES, has_errors


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Register the ``markdown`` filter and the ``forms_*`` globals on ``env``."""
    env.filters["markdown"] = render_markdown
    env.globals.update(
        forms_items=form_items,
        forms_view=form_view,
        forms_error_links=error_links,
        forms_has_errors=has_errors,
        forms_ui=ui_text,
        forms_hidden_types=HIDDEN_FIELD_TYPES,
    )
    return env


def make_environment(**options: Any) -> jinja2.Environment:
    """A stand-alone autoescaping environment with the forms templates installed."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("forms", "templates"),
        autoescape=True,
        **options,
    )
    return install(env)

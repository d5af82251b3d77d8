"""Multi-page forms: one top-level group per page, navigation without JavaScript.

A definition with ``"properties": {"pages": true}`` (or ``"true"``) and only
groups at the top level shows one group per page. Pages are numbered from 1.
Every page posts the whole form: fields of the other pages travel along as
hidden inputs (render_form writes them), so nothing is kept on the server
between steps. The buttons are ``name="nav"`` (with the form's prefix) and value
``back``, ``next`` or ``submit``; the current page is posted as ``_page``.

A view handles every page the same way::

    form = FormClass()
    step = forms.page_step(form, definition)
    if step.submit and form.validate_on_submit():
        ...  # typed_data(form, definition) holds every page's answers
    return render(form)  # render_form shows step.page, or the first page with errors
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .definition import FormDefinition, iter_components
from .kinds import INPUT_TYPES
from .repeat import list_action
from .visibility import named_inputs, visibility

PAGE_FIELD = "_page"
NAV_FIELD = "nav"
HIDDEN_FIELD = "_hidden"


@dataclass(frozen=True)
class PageStep:
    """Where a submission leads: the page to show, and whether to submit now."""

    page: int
    submit: bool


def page_count(definition: FormDefinition) -> int:
    """The number of pages (1 for an ordinary form)."""
    return len(definition.components) if definition.multipage else 1


def page_components(definition: FormDefinition, page: int) -> list[dict[str, Any]]:
    """The components shown on ``page`` (the page's group for multi-page forms)."""
    if not definition.multipage:
        return definition.components
    return [definition.components[page - 1]]


def page_keys(definition: FormDefinition, page: int) -> frozenset[str]:
    """The data keys of the inputs on ``page``."""
    return frozenset(
        component["key"]
        for component in iter_components(page_components(definition, page))
        if component["type"] in INPUT_TYPES
    )


def posted(form: Any, name: str) -> str | None:
    """The submitted value of a control named ``name`` (with the form's prefix)."""
    formdata = getattr(form, "_forms_formdata", None)
    if not formdata:
        return None
    value = formdata.get(f"{getattr(form, '_prefix', '')}{name}")
    return value if isinstance(value, str) else None


def _clamp(page: int, definition: FormDefinition) -> int:
    return min(max(page, 1), page_count(definition))


def current_page(form: Any, definition: FormDefinition) -> int:
    """The page to show: set by ``page_step``, else the posted ``_page``, else 1.

    After a failed submission it is the first page with errors, if the page
    asked for has none.
    """
    page = getattr(form, "_forms_page", None)
    if page is None:
        raw = posted(form, PAGE_FIELD) or ""
        page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 1
    page = _clamp(page, definition)
    if not _page_has_errors(form, definition, page):
        return first_error_page(form, definition) or page
    return page


def _page_has_errors(form: Any, definition: FormDefinition, page: int) -> bool:
    return any(form[key].errors for key in page_keys(definition, page) if key in form)


def first_error_page(form: Any, definition: FormDefinition) -> int | None:
    """The first page with a field error, or None."""
    for page in range(1, page_count(definition) + 1):
        if _page_has_errors(form, definition, page):
            return page
    return None


def validate_page(form: Any, definition: FormDefinition, page: int) -> bool:
    """Validate only the fields on ``page`` (and the form's own, such as CSRF)."""
    form._forms_only = page_keys(definition, _clamp(page, definition))
    try:
        return bool(form.validate())
    finally:
        form._forms_only = None


def revealed(form: Any, definition: FormDefinition) -> bool:
    """True when the submitted answers show fields the page had hidden.

    The form posts the names of the fields hidden when it was sent (``_hidden``;
    live.js keeps it current). Without JavaScript a citizen who answers "yes"
    only sees the follow-up questions after a round trip: this tells the view
    to show the page again rather than skip them.
    """
    posted_names = posted(form, HIDDEN_FIELD)
    if not posted_names:
        return False
    was_hidden = set(posted_names.split())
    components = page_components(definition, current_page(form, definition))
    visible = visibility(form, definition)
    return any(
        name in was_hidden and not hidden
        for name, hidden in named_inputs(form, components, visible)
    )


def page_step(form: Any, definition: FormDefinition) -> PageStep:
    """Handle back/next/add-row/remove-row; say which page to show or to submit.

    Going back does not validate; going forward validates the current page and
    stays there if it has errors. A submission that added or removed a row, or
    that shows fields the page had hidden (see ``revealed``), stays on the page
    without validating. ``submit`` is True when the last page (or an ordinary
    form) was sent: the view then validates the whole form.
    """
    page = current_page(form, definition)
    submit = False
    formdata = getattr(form, "_forms_formdata", None)
    if formdata and not list_action(form) and not revealed(form, definition):
        nav = posted(form, NAV_FIELD)
        if nav == "back":
            page = _clamp(page - 1, definition)
        elif page < page_count(definition):
            if validate_page(form, definition, page):
                page += 1
        else:
            submit = True
    form._forms_page = page
    return PageStep(page, submit)

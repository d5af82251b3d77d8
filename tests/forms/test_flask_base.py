"""build_form_class with Flask-WTF's FlaskForm as base, as the designer uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from forms import FormDefinition, build_form_class, typed_data

flask = pytest.importorskip("flask")
flask_wtf = pytest.importorskip("flask_wtf")


@pytest.fixture
def flask_app() -> Iterator[Any]:
    """A bare Flask app: just enough for Flask-WTF's CSRF and request data."""
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=True)
    yield app


def test_csrf_token_comes_from_the_base(
    flask_app: Any,
    render_form: Callable[..., str],
    parse: Callable[[str], Any],
    sample_definition: FormDefinition,
) -> None:
    with flask_app.test_request_context("/", method="GET"):
        form_class = build_form_class(sample_definition, base=flask_wtf.FlaskForm)
        form = form_class()
        assert "csrf_token" in form
        tree = parse(render_form(form, sample_definition))
        token = tree.find("form")[0]
        assert token.get("name") == "csrf_token" and token.get("type") == "hidden"
        assert token.get("value")


def test_missing_csrf_token_is_reported_in_bokmal(
    flask_app: Any,
    render_form: Callable[..., str],
    parse: Callable[[str], Any],
    sample_definition: FormDefinition,
) -> None:
    posted = {"name": "Kari", "fnr": "17058512311", "colour": "red", "consent": "y"}
    with flask_app.test_request_context("/", method="POST", data=posted):
        form = build_form_class(sample_definition, base=flask_wtf.FlaskForm)()
        assert not form.validate_on_submit()
        assert list(form.errors) == ["csrf_token"]
        tree = parse(render_form(form, sample_definition))
        items = tree.find_class("error-summary")[0].findall(".//li")
        assert [li.text_content() for li in items] == [
            "Skjemaet er utløpt. Last inn siden på nytt og prøv igjen."
        ]


def test_valid_post_with_token(flask_app: Any, sample_definition: FormDefinition) -> None:
    with flask_app.test_request_context("/"):
        token = flask_wtf.csrf.generate_csrf()
        saved_session = dict(flask.session)
    posted = {
        "csrf_token": token,
        "name": "Kari",
        "fnr": "17058512311",
        "colour": "red",
        "consent": "y",
    }
    form_class = build_form_class(sample_definition, base=flask_wtf.FlaskForm, locale="en")
    with flask_app.test_request_context("/", method="POST", data=posted):
        flask.session.update(saved_session)
        form = form_class()
        assert form.validate_on_submit(), form.errors
        assert "csrf_token" not in typed_data(form, sample_definition)
        assert typed_data(form, sample_definition)["name"] == "Kari"


def test_designer_flow_with_uploads_lists_and_csrf(flask_app: Any) -> None:
    import io

    from forms import bind_options, list_action, page_step
    from tests.forms.conftest import definition_of

    definition = definition_of(
        [
            {"type": "select", "key": "where", "valuesKey": "places"},
            {
                "type": "dynamiclist",
                "path": "items",
                "components": [{"type": "textfield", "key": "what"}],
            },
            {"type": "filepicker", "key": "doc", "accept": ".pdf"},
        ]
    )
    form_class = build_form_class(definition, base=flask_wtf.FlaskForm)
    with flask_app.test_request_context("/"):
        token = flask_wtf.csrf.generate_csrf()
        saved_session = dict(flask.session)

    def posted(**extra: Any) -> dict[str, Any]:
        return {
            "csrf_token": token,
            "where": "b",
            "items-0-what": "Stol",
            "doc": (io.BytesIO(b"%PDF-1.4 hei"), "vedlegg.pdf"),
            # A crafted request: a file where text is expected.
            "items-1-what": (io.BytesIO(b"x"), "x.txt"),
            **extra,
        }

    with flask_app.test_request_context("/", method="POST", data=posted(**{"items-add": "1"})):
        flask.session.update(saved_session)
        form = bind_options(form_class(), definition, {"places": ["a", "b"]})
        # The file sent as items-1-what is dropped: one row, plus the added one.
        assert list_action(form) and len(form["items"].entries) == 2
        assert not page_step(form, definition).submit
    with flask_app.test_request_context("/", method="POST", data=posted()):
        flask.session.update(saved_session)
        form = bind_options(form_class(), definition, {"places": ["a", "b"]})
        assert page_step(form, definition).submit
        assert form.validate_on_submit(), form.errors
        data = typed_data(form, definition)
        assert data["where"] == "b" and data["items"] == [{"what": "Stol"}]
        assert data["doc"].info.filename_safe == "vedlegg.pdf"
        assert data["doc"].storage.read() == b"%PDF-1.4 hei"
    with flask_app.test_request_context("/", method="POST", data={"where": "b"}):
        form = bind_options(form_class(), definition, {"places": ["a", "b"]})
        assert page_step(form, definition).submit and not form.validate_on_submit()
        assert list(form.errors) == ["csrf_token"]

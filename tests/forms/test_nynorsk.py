"""Forms in nynorsk (issue 14): messages, buttons, markers and summaries from the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class, summary
from tests.forms.conftest import definition_of
from tests.forms.test_pages import PAGES
from tests.forms.test_uploads import PDF, upload

Render = Callable[..., str]
Parse = Callable[[str], Any]
MakeDefinition = Callable[..., FormDefinition]


def errors_of(form: Any) -> list[str]:
    return [message for messages in form.errors.values() for message in messages]


def test_validation_messages(submit: Callable[..., Any], make_definition: MakeDefinition) -> None:
    definition = make_definition(
        [
            {"type": "textfield", "key": "name", "label": "Namn", "validate": {"required": True}},
            {"type": "number", "key": "n", "label": "Tal", "validate": {"min": 1000}},
            {"type": "number", "key": "x", "label": "Sum", "decimalDigits": 1},
            {
                "type": "textfield",
                "key": "fnr",
                "label": "Fødselsnummer",
                "properties": {"type": "fodselsnummer"},
            },
            {
                "type": "datetime",
                "subtype": "date",
                "key": "d",
                "dateLabel": "Dato",
                "properties": {"minDate": "2025-05-17"},
            },
            {"type": "checkbox", "key": "ok", "label": "Samtykke", "validate": {"required": True}},
        ]
    )
    posted = {"n": "999", "x": "1,25", "fnr": "123", "d": "2025-05-16"}
    form = submit(definition, posted, locale="nn")
    assert form.errors == {
        "name": ["«Namn» må fyllast ut."],
        "n": ["Talet må vere 1\u00a0000 eller høgare."],
        "x": ["Bruk høgst 1 desimal."],
        "fnr": ["Fødselsnummeret er ikkje gyldig. Sjekk at du har skrive 11 siffer rett."],
        "d": ["Datoen kan ikkje vere før 17.05.2025."],
        "ok": ["Du må krysse av for «Samtykke»."],
    }
    assert errors_of(submit(definition, {**posted, "d": "17/05/2025"}, locale="nn"))[-2:] == [
        "Skriv inn ein gyldig dato, til dømes 17.05.2025.",
        "Du må krysse av for «Samtykke».",
    ]
    assert submit(definition, posted, locale="nb").errors["name"] == ["«Namn» må fylles ut."]
    english = submit(definition, posted, locale="en")
    assert english.errors["n"] == ["The number must be 1,000 or more."]


def test_required_marker_error_summary_and_send(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    form = build_form_class(sample_definition, locale="nn")(MultiDict({"fnr": "123"}))
    form.validate()
    tree = parse(render_form(form, sample_definition, "nn"))
    assert {m.text for m in tree.find_class("required-marker")} == {"(må fyllast ut)"}
    assert tree.get_element_by_id("error-summary-title").text == "Det er feil i skjemaet"
    links = [a.text_content() for a in tree.find_class("error-summary")[0].iter("a")]
    assert links[0] == "«Fullt navn» må fyllast ut."
    assert links[1].startswith("Fødselsnummer: Fødselsnummeret er ikkje gyldig")
    assert tree.get_element_by_id("fnr-error").text_content().startswith("Feil: ")
    assert [b.text for b in tree.find("form").findall(".//button")] == ["Send"]
    assert tree.xpath(".//select/option")[0].text == "Vel …"


def test_pages_say_next_and_step(render_form: Render, parse: Parse) -> None:
    paged = definition_of(PAGES, properties={"pages": True})
    form = build_form_class(paged, locale="nn")()
    tree = parse(render_form(form, paged, "nn", submit_label="Send søknaden"))
    assert tree.xpath(".//p[@class='form-steps__status']")[0].text == "Steg 1 av 3"
    buttons = tree.xpath(".//div[@class='form-actions']/button")
    assert [(b.get("value"), b.text) for b in buttons] == [("next", "Neste")]


def test_file_limits_and_messages(
    render_form: Render, parse: Parse, make_definition: MakeDefinition
) -> None:
    definition = make_definition(
        [
            {
                "type": "filepicker",
                "key": "doc",
                "label": "Vedlegg",
                "accept": ".pdf",
                "properties": {"maxSizeMB": 0.001},
            }
        ]
    )
    form = build_form_class(definition, locale="nn")(
        MultiDict([("doc", upload(PDF + b"z" * 2000, "stor.pdf"))])
    )
    form.validate()
    assert form.errors == {
        "doc": ["«stor.pdf» er for stor (0 MB). Største tillatne storleik er 0,001 MB."]
    }
    tree = parse(render_form(form, definition, "nn"))
    assert tree.get_element_by_id("doc-limits").text == (
        "Tillatne filtypar: PDF. Største filstorleik: 0,001 MB."
    )


def test_summary(make_definition: MakeDefinition) -> None:
    definition = make_definition(
        [
            {"type": "number", "key": "income", "label": "Inntekt"},
            {"type": "checkbox", "key": "ok", "label": "Samtykke"},
            {"type": "datetime", "subtype": "date", "key": "d", "dateLabel": "Dato"},
        ]
    )
    data = {"income": 1_200_000, "ok": True, "d": date(2025, 5, 17).isoformat()}
    values = [row["value"] for row in summary(definition, data, locale="nn")]
    assert values == ["1\u00a0200\u00a0000", "Ja", "17.05.2025"]
    assert [row["value"] for row in summary(definition, {"ok": False}, locale="nn")] == ["Nei"]

"""Tests for the Jinja macros (forms/templates/forms/macros.html) and forms.view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.fields import HiddenField

from forms import FormDefinition, build_form_class, summary
from forms.jinja import install

Render = Callable[..., str]
Parse = Callable[[str], Any]
XSS = "<script>alert(1)</script>"


def rendered(
    render_form: Render,
    parse: Parse,
    definition: FormDefinition,
    posted: Any = None,
    locale: str = "nb",
    **options: Any,
) -> tuple[str, Any]:
    form = build_form_class(definition, locale=locale)(
        MultiDict(posted) if posted is not None else None
    )
    if posted is not None:
        form.validate()
    html = render_form(form, definition, locale, **options)
    return html, parse(html)


def controls(tree: Any) -> list[Any]:
    return tree.xpath(".//input[not(@type='hidden')] | .//select | .//textarea")


def test_form_element(render_form: Render, parse: Parse, sample_definition: FormDefinition) -> None:
    html, tree = rendered(render_form, parse, sample_definition)
    form = tree.find("form")
    assert form.get("class") == "form" and form.get("method") == "post"
    assert form.get("novalidate") is not None
    assert form.get("action") is None and form.get("enctype") is None
    button = form.findall(".//button")
    assert len(button) == 1 and button[0].get("type") == "submit"
    assert button[0].get("class") == "btn btn-primary" and button[0].text == "Send"
    assert not tree.xpath(".//*[@class='error-summary']")


def test_form_options(render_form: Render, parse: Parse, sample_definition: FormDefinition) -> None:
    _, tree = rendered(
        render_form,
        parse,
        sample_definition,
        action="/søk?a=1&b=2",
        submit_label="Send inn",
        method="get",
        enctype="multipart/form-data",
    )
    form = tree.find("form")
    assert form.get("action") == "/søk?a=1&b=2" and form.get("method") == "get"
    assert form.get("enctype") == "multipart/form-data"
    assert form.find(".//button").text == "Send inn"


def test_every_control_has_a_label(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    _, tree = rendered(render_form, parse, sample_definition, posted={})
    ids = [c.get("id") for c in controls(tree)]
    assert len(ids) == len(set(ids)) and all(ids)
    label_for = {label.get("for") for label in tree.iter("label")}
    assert set(ids) <= label_for
    assert label_for <= set(ids)
    all_ids = tree.xpath(".//@id")
    assert len(all_ids) == len(set(all_ids)), "ids must be unique"


def test_required_markers(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    _, tree = rendered(render_form, parse, sample_definition)
    markers = tree.find_class("required-marker")
    assert [m.text for m in markers] == ["(må fylles ut)"] * 4
    name_label = tree.xpath(".//label[@for='name']")[0]
    assert name_label.text_content() == "Fullt navn (må fylles ut)"
    assert tree.get_element_by_id("name").get("aria-required") == "true"
    assert tree.xpath(
        ".//fieldset[legend[starts-with(., 'Farge')]]//span[@class='required-marker']"
    )
    assert "required" not in {a for el in tree.iter() for a in el.attrib}
    _, english = rendered(render_form, parse, sample_definition, locale="en")
    assert english.find_class("required-marker")[0].text == "(required)"
    assert english.xpath(".//label[@for='name']")[0].text_content().startswith("Full name")


def test_hints_and_describedby(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    postings: list[dict[str, str] | None] = [None, {}]
    for posted in postings:
        _, tree = rendered(render_form, parse, sample_definition, posted=posted)
        ids = set(tree.xpath(".//@id"))
        described = tree.xpath(".//*[@aria-describedby]")
        assert described
        for element in described:
            for ref in element.get("aria-describedby").split():
                assert ref in ids
        hint = tree.get_element_by_id("name-hint")
        assert hint.get("class") == "hint" and hint.text == "Som i folkeregisteret"
        assert "name-hint" in tree.get_element_by_id("name").get("aria-describedby")


def test_errors_are_shown_per_field(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    _, tree = rendered(
        render_form, parse, sample_definition, posted={"fnr": "123", "count": "mange"}
    )
    fnr = tree.get_element_by_id("fnr")
    assert fnr.get("aria-invalid") == "true"
    assert fnr.get("aria-describedby") == "fnr-error"
    assert fnr.get("value") == "123"
    error = tree.get_element_by_id("fnr-error")
    assert error.get("class") == "field-error"
    assert error.find("span").get("class") == "visually-hidden"
    assert error.text_content() == (
        "Feil: Fødselsnummeret er ikke gyldig. Sjekk at du har skrevet 11 siffer riktig."
    )
    field_div = fnr.getparent()
    assert field_div.get("class") == "field field--error"
    assert tree.get_element_by_id("count").get("value") == "mange"
    assert tree.get_element_by_id("story").get("aria-invalid") is None


def test_error_summary(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    _, tree = rendered(render_form, parse, sample_definition, posted={"fnr": "123"})
    form = tree.find("form")
    summary_box = form[0]
    assert summary_box.get("class") == "error-summary"
    assert summary_box.get("role") == "alert" and summary_box.get("tabindex") == "-1"
    assert summary_box.get("aria-labelledby") == "error-summary-title"
    title = tree.get_element_by_id("error-summary-title")
    assert title.tag == "h2" and title.text == "Det er feil i skjemaet"
    links = summary_box.findall(".//a")
    targets = [a.get("href") for a in links]
    assert targets == ["#name", "#fnr", "#colour-0", "#consent"]
    ids = set(tree.xpath(".//@id"))
    assert all(t[1:] in ids for t in targets)
    texts = [a.text_content() for a in links]
    assert texts[0] == "«Fullt navn» må fylles ut."
    assert texts[1].startswith("Fødselsnummer: Fødselsnummeret er ikke gyldig")
    _, english = rendered(render_form, parse, sample_definition, posted={}, locale="en")
    assert english.get_element_by_id("error-summary-title").text == "There is a problem"


def test_choices_are_fieldsets(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    _, tree = rendered(render_form, parse, sample_definition, posted={"colour": "nope"})
    for name in ("colour", "extras"):
        inputs = tree.xpath(f".//input[@name='{name}']")
        assert len(inputs) == 2
        for element in inputs:
            fieldset = element.xpath("ancestor::fieldset[1]")[0]
            assert fieldset.get("class").split()[0] == "field"
            assert fieldset[0].tag == "legend"
            option = element.getparent()
            assert option.get("class") == "option"
            assert option.getparent().get("class") == "options"
            assert option.find("label").get("for") == element.get("id")
    colour = tree.xpath(".//input[@name='colour']")[0].xpath("ancestor::fieldset[1]")[0]
    assert colour.get("aria-describedby") == "colour-hint colour-error"
    assert colour.get("class") == "field field--error"
    assert tree.xpath(".//input[@name='colour']/@type") == ["radio", "radio"]
    assert tree.xpath(".//input[@name='extras']/@type") == ["checkbox", "checkbox"]


def test_checked_state_is_kept(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    posted = [("colour", "blue"), ("extras", "ice"), ("consent", "y"), ("size", "l")]
    _, tree = rendered(render_form, parse, sample_definition, posted=posted)
    assert tree.xpath(".//input[@checked]/@id") == ["colour-1", "extras-1", "consent"]
    assert tree.xpath(".//option[@selected]/@value") == ["l"]


def test_groups_text_and_separator(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    _, tree = rendered(render_form, parse, sample_definition)
    group = tree.find_class("group")[0]
    assert group.tag == "fieldset" and group[0].tag == "legend"
    assert group[0].text == "Valg"
    assert group.xpath(".//input[@name='colour']")
    text = tree.find_class("form-text")[0]
    assert text.find("h2").text == "Om søknaden"
    assert text.find(".//strong").text == "dette"
    assert tree.findall(".//hr")


def test_hidden_fields_come_first(
    render_form: Render, parse: Parse, make_definition: Callable[..., FormDefinition]
) -> None:
    class Base(wtforms.Form):
        token = HiddenField(default="abc")

    definition = make_definition([{"type": "textfield", "key": "a", "label": "A"}])
    form = build_form_class(definition, base=Base)()
    tree = parse(render_form(form, definition))
    hidden = tree.find("form")[0]
    assert hidden.get("type") == "hidden" and hidden.get("value") == "abc"


def test_input_attributes(
    render_form: Render, parse: Parse, make_definition: Callable[..., FormDefinition]
) -> None:
    definition = make_definition(
        [
            {
                "type": "textfield",
                "key": "fnr",
                "properties": {"type": "fodselsnummer"},
            },
            {
                "type": "textfield",
                "key": "post",
                "properties": {"type": "postnummer", "autocomplete": "postal-code"},
            },
            {
                "type": "textfield",
                "key": "mail",
                "validate": {"validationType": "email"},
                "properties": {"autocomplete": "email"},
            },
            {
                "type": "textfield",
                "key": "tel",
                "validate": {"validationType": "phone"},
            },
            {"type": "number", "key": "amount"},
            {
                "type": "datetime",
                "subtype": "date",
                "key": "born",
                "properties": {
                    "autocomplete": "bday",
                    "minDate": "1900-01-01",
                    "maxDate": "today",
                },
            },
        ]
    )
    _, tree = rendered(render_form, parse, definition)
    by_id = {c.get("id"): c for c in controls(tree)}
    assert by_id["fnr"].get("inputmode") == "numeric"
    assert by_id["post"].get("autocomplete") == "postal-code"
    assert by_id["mail"].get("type") == "email"
    assert by_id["mail"].get("autocomplete") == "email"
    assert by_id["tel"].get("type") == "tel"
    assert by_id["amount"].get("inputmode") == "decimal"
    assert by_id["born"].get("type") == "date"
    assert by_id["born"].get("min") == "1900-01-01" and by_id["born"].get("max")


def test_no_inline_script_or_style(
    render_form: Render, parse: Parse, sample_definition: FormDefinition
) -> None:
    html, tree = rendered(render_form, parse, sample_definition, posted={})
    assert "<script" not in html.lower() and "style=" not in html.lower()
    handlers = [a for el in tree.iter() for a in el.attrib if a.startswith("on")]
    assert handlers == []


def test_everything_is_escaped(
    render_form: Render, parse: Parse, make_definition: Callable[..., FormDefinition]
) -> None:
    definition = make_definition(
        [
            {"type": "text", "text": f"Hei {XSS} [x](javascript:alert(1))"},
            {
                "type": "group",
                "label": XSS,
                "components": [
                    {
                        "type": "textfield",
                        "key": "a",
                        "label": XSS,
                        "description": XSS,
                        "validate": {"required": True},
                    },
                ],
            },
            {
                "type": "radio",
                "key": "b",
                "label": XSS,
                "description": XSS,
                "values": [{"label": XSS, "value": '"><script>alert(2)</script>'}],
            },
            {
                "type": "select",
                "key": "c",
                "label": XSS,
                "values": [{"label": XSS, "value": "x"}],
            },
        ]
    )
    html, tree = rendered(
        render_form,
        parse,
        definition,
        posted={"a": "", "b": "<b>", "c": XSS},
        action='"><script>alert(3)</script>',
        submit_label=XSS,
    )
    assert not tree.xpath(".//script")
    assert "<script" not in html
    assert "javascript:" not in html
    assert tree.xpath(".//label[@for='a']")[0].text_content().startswith(XSS)
    assert XSS in tree.find_class("hint")[0].text_content()
    assert tree.find(".//button").text == XSS


def test_render_summary(
    env: jinja2.Environment, parse: Parse, sample_definition: FormDefinition
) -> None:
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}{{ fm.render_summary(rows, title) }}'
    )
    rows = summary(sample_definition, {"name": XSS, "consent": True, "count": 3})
    tree = parse(template.render(rows=rows, title="Oppsummering"))
    assert tree[0].tag == "h2" and tree[0].text == "Oppsummering"
    dl = tree.find("dl")
    assert dl.get("class") == "summary"
    pairs = [(d.findtext("dt"), d.findtext("dd")) for d in dl]
    assert pairs == [
        ("Fullt navn", XSS),
        ("Antall", "3"),
        ("Jeg bekrefter at opplysningene er riktige", "Ja"),
    ]
    assert not tree.xpath(".//script")
    untitled = parse(template.render(rows=rows, title=None))
    assert untitled[0].tag == "dl"


def test_install_registers_filter_and_globals() -> None:
    env = install(jinja2.Environment(autoescape=True))
    assert env.from_string("{{ text|markdown }}").render(text="**x**") == (
        "<p><strong>x</strong></p>"
    )
    assert {"forms_items", "forms_error_links", "forms_ui"} <= set(env.globals)


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_error_summary_macro_alone(
    env: jinja2.Environment,
    parse: Parse,
    locale: str,
    sample_definition: FormDefinition,
) -> None:
    form = build_form_class(sample_definition, locale=locale)(MultiDict())
    form.validate()
    form.form_errors.append("Noe gikk galt.")
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}{{ fm.error_summary(form, definition, locale) }}'
    )
    tree = parse(template.render(form=form, definition=sample_definition, locale=locale))
    items = tree.findall(".//li")
    assert items[-1].text == "Noe gikk galt." and items[-1].find("a") is None

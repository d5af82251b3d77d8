"""DMN decision tables: hit policies, incidents, explanations on the timeline, validation."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import bpmn, dmn, runtime, steps
from engine.errors import StepFailed
from engine.models import Instance, ProcessModel, ProcessVersion
from engine.scripting import SCRIPT_ENGINE
from tests.engine.helpers import DATA, events_of, process_xml, run_journey

DMN_DATA = DATA / "dmn"
KINDERGARTEN = (DMN_DATA / "kindergarten_price.dmn").read_text(encoding="utf-8")
LEISURE = (DMN_DATA / "leisure_support.dmn").read_text(encoding="utf-8")
Rule = tuple[tuple[str, ...], tuple[str, ...], str]


def _cell(tag: str, id_: str, text: str) -> str:
    return f'<{tag} id="{id_}"><text>{escape(text)}</text></{tag}>'


def table(policy: str, rules: list[Rule], **options: Any) -> str:
    """A DMN 1.3 document with one decision 'd' (rules: input cells, output cells, annotation).

    Options: inputs, outputs (tuples of expressions and names), aggregation, and defaults
    and values (outputValues), both by output name.
    """
    agg = f' aggregation="{options["aggregation"]}"' if options.get("aggregation") else ""
    xml = [
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" '
        'name="Tests" namespace="http://flytverk.no/dmn">',
        f'<decision id="d" name="Testtabell"><decisionTable id="t" hitPolicy="{policy}"{agg}>',
    ]
    for i, expr in enumerate(options.get("inputs", ("x",))):
        xml.append(
            f'<input id="i{i}" label="{expr}">{_cell("inputExpression", f"e{i}", expr)}</input>'
        )
    for i, name in enumerate(options.get("outputs", ("y",))):
        inner = [
            _cell(tag, f"{tag}{i}", options[key][name])
            for key, tag in (("values", "outputValues"), ("defaults", "defaultOutputEntry"))
            if name in options.get(key, {})
        ]
        xml.append(f'<output id="o{i}" name="{name}">{"".join(inner)}</output>')
    for r, (cells, results, note) in enumerate(rules, 1):
        xml.append(f'<rule id="r{r}"><description>{escape(note)}</description>')
        xml += [_cell("inputEntry", f"r{r}i{i}", c) for i, c in enumerate(cells)]
        xml += [_cell("outputEntry", f"r{r}o{i}", c) for i, c in enumerate(results)]
        xml.append("</rule>")
    return "\n".join([*xml, "</decisionTable></decision></definitions>"])


def rule_task(decision_id: str = "d", after: str = "") -> str:
    """A process: start -> business rule task 'decide' -> (after) -> end."""
    middle = after or '<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end" />'
    return process_xml(
        '<bpmn:startEvent id="start" />\n'
        '<bpmn:businessRuleTask id="decide" name="Beregn"><bpmn:extensionElements>'
        f"<spiffworkflow:calledDecisionId>{decision_id}</spiffworkflow:calledDecisionId>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>\n"
        '<bpmn:endEvent id="end" />\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide" />\n' + middle
    )


def run(dmn_xml: str, **data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a table through a real workflow; return the workflow data and the step summary."""
    parsed = bpmn.parse({"process.bpmn": rule_task()}, {"d.dmn": dmn_xml})
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(data)
    log = steps.advance(workflow)
    [summary] = [s for _, element_id, s in log.events if element_id == "decide"]
    return {k: v for k, v in workflow.data.items() if k not in data}, summary


def fails(dmn_xml: str, **data: Any) -> str:
    """The message a table fails with (as the runtime would put it on the incident)."""
    with pytest.raises(WorkflowTaskException) as caught:
        run(dmn_xml, **data)
    assert isinstance(caught.value.__context__, dmn.DecisionError)
    return str(caught.value.args[0])


BANDS = [((">= 10",), ('"high"',), "Stor"), ((">= 5",), ('"medium"',), "Middels")]


def test_unique_takes_the_one_match_and_explains_it() -> None:
    result, summary = run(table("UNIQUE", [(("< 5",), ('"low"',), "Lav"), *BANDS[:1]]), x=3)
    assert result == {"y": "low"}
    assert summary["type"] == "BusinessRuleTask" and summary["name"] == "Beregn"
    assert summary["decision"] == "d" and summary["decision_name"] == "Testtabell"
    assert summary["hit_policy"] == "UNIQUE" and summary["inputs"] == {"x": 3}
    assert summary["rules"] == [{"id": "r1", "row": 1, "annotation": "Lav", "output": {"y": "low"}}]
    assert summary["result"] == {"y": "low"} and summary["default"] is False


def test_unique_with_several_matches_names_them_all() -> None:
    # The outputs of conflicting rules are never evaluated (r3 would divide by zero).
    message = fails(table("UNIQUE", [*BANDS, ((">= 0",), ("1 / 0",), "")]), x=12)
    assert message.startswith(
        "In decision 'Testtabell' (d) (hit policy UNIQUE) 3 rules matched: "
        "'r1' (row 1), 'r2' (row 2) and 'r3' (row 3), for x=12. Only one rule may match"
    )


@pytest.mark.parametrize("policy", ["UNIQUE", "FIRST", "ANY", "PRIORITY"])
def test_no_match_lists_the_inputs(policy: str) -> None:
    dmn_xml = table(policy, BANDS, values={"y": '"high", "medium"'})
    message = fails(dmn_xml, x=1)
    assert message.startswith("No rule in decision 'Testtabell' (d) matched: x=1.")


def test_no_match_uses_the_default_output() -> None:
    result, summary = run(table("UNIQUE", BANDS, defaults={"y": '"none"'}), x=1)
    assert result == {"y": "none"}
    assert summary["rules"] == [] and summary["default"] is True
    assert (
        dmn.explain(summary)
        == "Ingen regel i tabellen «Testtabell» passet, så standardverdien ble brukt."
    )


def test_first_takes_the_first_match_and_evaluates_no_further() -> None:
    rules = [*BANDS, ((">= 0",), ("1 / 0",), "Aldri")]
    result, summary = run(table("FIRST", rules), x=7)
    assert result == {"y": "medium"} and [r["id"] for r in summary["rules"]] == ["r2"]


def test_any_accepts_agreeing_rules_and_refuses_disagreeing_ones() -> None:
    rules = [((">= 5",), ('"ok"',), "A"), (("< 10",), ('"ok"',), "B"), ((">= 9",), ('"no"',), "C")]
    result, summary = run(table("ANY", rules), x=7)
    assert result == {"y": "ok"} and [r["id"] for r in summary["rules"]] == ["r1", "r2"]
    message = fails(table("ANY", rules), x=9)
    assert "ANY" in message and "'r1' (row 1) and 'r3' (row 3)" in message


def test_priority_and_output_order_follow_the_output_values() -> None:
    rules = [
        ((">= 0",), ('"medium"',), ""),
        ((">= 5",), ('"high"',), ""),
        (("< 9",), ('"low"',), ""),
    ]
    values = {"y": '"high", "medium", "low"'}
    assert run(table("PRIORITY", rules, values=values), x=7)[0] == {"y": "high"}
    assert run(table("OUTPUT ORDER", rules, values=values), x=7)[0] == {
        "y": ["high", "medium", "low"]
    }
    message = fails(table("PRIORITY", rules, values={"y": '"high", "low"'}), x=1)
    assert "'medium'" in message and "not one of its output values" in message


def test_rule_order_and_collect_give_lists_in_rule_order() -> None:
    rules = [((">= 0",), ("1",), ""), (("-",), ("2",), ""), ((">= 5",), ("3",), "")]
    assert run(table("RULE ORDER", rules), x=1)[0] == {"y": [1, 2]}
    assert run(table("COLLECT", rules), x=6)[0] == {"y": [1, 2, 3]}
    assert run(table("COLLECT", rules[2:]), x=1)[0] == {"y": []}
    assert run(table("RULE ORDER", rules[2:]), x=1)[0] == {"y": []}


@pytest.mark.parametrize(
    ("aggregation", "hit", "miss"),
    [("SUM", 15, None), ("MIN", 5, None), ("MAX", 10, None), ("COUNT", 2, 0)],
)
def test_collect_aggregations(aggregation: str, hit: int, miss: int | None) -> None:
    rules = [((">= 1",), ("10",), ""), ((">= 2",), ("5",), ""), ((">= 3",), ("",), "")]
    dmn_xml = table("COLLECT", rules, aggregation=aggregation)
    assert run(dmn_xml, x=3)[0] == {"y": hit}
    assert run(dmn_xml, x=0)[0] == {"y": miss}


def test_sum_of_text_is_a_clear_error() -> None:
    rules = [(("-",), ('"a"',), ""), (("-",), ("1",), "")]
    assert "cannot be combined with SUM" in fails(table("COLLECT", rules, aggregation="SUM"), x=1)


def test_cells_are_python_tests() -> None:
    rules = [
        (('in ["a", "b"]', "2 <= ? <= 5"), ('"listed"', "x.upper()"), ""),
        (('"c"', "-"), ('"equal"', "None"), ""),
        (('in ["?"]', "-"), ('"other"', ""), ""),
    ]
    dmn_xml = table("FIRST", rules, inputs=("x", "n"), outputs=("kind", "label.upper"))
    assert run(dmn_xml, x="b", n=3)[0] == {"kind": "listed", "label": {"upper": "B"}}
    assert run(dmn_xml, x="c")[0] == {"kind": "equal", "label": {"upper": None}}
    assert run(dmn_xml, x="?")[0]["kind"] == "other"


def test_an_input_that_cannot_be_evaluated_is_named() -> None:
    dmn_xml = table("UNIQUE", BANDS, inputs=("missing_value",))
    assert "the input 'missing_value' could not be evaluated (NameError" in fails(dmn_xml, x=1)
    # An input no rule tests is not needed.
    assert run(table("UNIQUE", [(("-",), ("1",), "")], inputs=("gone",)))[0] == {"y": 1}


@pytest.mark.parametrize(
    ("household", "price", "core", "reason"),
    [
        ((500_000, 3, 1), 2500, True, "20 timer gratis kjernetid"),
        ((500_000, 3, 2), 1750, True, "30 % søskenmoderasjon"),
        ((610_000, 4, 3), 1500, True, "50 % søskenmoderasjon"),
        ((500_000, 1, 1), 2500, False, "satt ned til 6 % av inntekten"),
        ((610_000, 1, 1), 3000, False, "makspris"),
        ((900_000, 3, 2), 2100, False, "makspris"),
    ],
)
def test_kindergarten_price(
    household: tuple[int, int, int], price: int, core: bool, reason: str
) -> None:
    data = dict(zip(("household_income", "child_age", "sibling_no"), household, strict=True))
    result, summary = run(KINDERGARTEN.replace('id="kindergarten_price"', 'id="d"'), **data)
    assert result["monthly_price"] == price and result["free_core_hours"] is core
    assert reason in dmn.explain(summary, "nb")
    assert list(summary["inputs"].values()) == list(household)


def test_annotation_entries_columns_and_comments_are_read() -> None:
    dmn_xml = LEISURE.replace('id="leisure_support"', 'id="d"')
    costs = {"household_income": 300_000, "activity_fee": 4000, "equipment_cost": 800}
    result, summary = run(dmn_xml, costs=["fee", "equipment"], **costs)
    assert result == {"support": 3800}
    assert (summary["hit_policy"], summary["aggregation"]) == ("COLLECT", "SUM")
    assert [r["output"] for r in summary["rules"]] == [{"support": 3000}, {"support": 800}]
    assert dmn.explain(summary) == (
        "Husholdningsinntekten er under 450 000 kr, så kontingenten dekkes med inntil "
        "3 000 kr. Utstyret dekkes med inntil 1 500 kr."
    )


# Explanations


def _summary(*annotations: str, **extra: Any) -> dict[str, Any]:
    rules = [
        {"id": f"r{i}", "row": i, "annotation": a, "output": {"price": 1750}}
        for i, a in enumerate(annotations, 1)
    ]
    return {"decision": "d", "decision_name": "Barnehagepris", "rules": rules, **extra}


def test_explain_fills_in_values_in_the_citizens_language() -> None:
    summary = _summary(
        "Prisen blir {price} kr fordi inntekten er {Husholdningsinntekt} kr. Kjernetid: {core}.",
        inputs={"Husholdningsinntekt": 500000},
        result={"price": 1750, "core": True},
    )
    assert dmn.explain(summary, "nb") == (
        "Prisen blir 1\u00a0750 kr fordi inntekten er 500\u00a0000 kr. Kjernetid: ja."
    )
    assert dmn.explain(summary, "en").endswith("er 500,000 kr. Kjernetid: yes.")
    assert "{unknown}" in dmn.explain(_summary("Ukjent {unknown}."))


def test_explain_falls_back_to_naming_the_rule() -> None:
    assert dmn.explain(_summary("")) == "Regel r1 i tabellen «Barnehagepris» ble brukt."
    assert dmn.explain(_summary("", ""), "nn") == (
        "Reglane r1 og r2 i tabellen «Barnehagepris» vart brukte."
    )
    assert dmn.explain(_summary(""), "en-GB") == (
        "Rule r1 of the table “Barnehagepris” was applied."
    )
    assert dmn.explain(_summary("Grunn.", "", "Grunn.")) == (
        "Grunn. Regel r2 i tabellen «Barnehagepris» ble brukt."
    )
    assert dmn.explain(_summary(), "en") == "No rule of the table “Barnehagepris” matched."


def test_explain_in_nynorsk() -> None:
    summary = _summary(
        "Prisen blir {monthly} kr i månaden, inntekta er {income} kr. Kjernetid: {core}.",
        inputs={"income": 1_200_000.0},
        result={"monthly": 1250.5, "core": False},
    )
    assert dmn.explain(summary, "nn") == (
        "Prisen blir 1\u00a0250,5 kr i månaden, inntekta er 1\u00a0200\u00a0000 kr. Kjernetid: nei."
    )
    assert dmn.explain({**_summary(), "default": True}, "nn_NO") == (
        "Ingen regel i tabellen «Barnehagepris» passa, så standardverdien vart brukt."
    )
    assert dmn.explain(_summary(), "nn") == "Ingen regel i tabellen «Barnehagepris» passa."
    assert dmn.explain(_summary(""), "nn") == "Regel r1 i tabellen «Barnehagepris» vart brukt."


def test_explain_rounds_computed_numbers_and_keeps_big_ones() -> None:
    result = {"big": 10**30, "odd": 0.1 + 0.2, "exact": 1234.5678}
    summary = _summary("{price} / {big} / {odd} / {exact}", result=result)
    assert dmn.explain(summary, "en") == (
        "1,750 / 1,000,000,000,000,000,000,000,000,000,000 / 0.3 / 1,234.5678"
    )
    assert dmn.explain(_summary("{x}", result={"x": float("inf")}), "nb") == "inf"


# Through the runtime: the timeline and incidents


def install_with_decisions(
    session: Session, bpmn_xml: str, decisions: dict[str, str]
) -> ProcessVersion:
    """A published version whose files hold DMN decisions (as the designer stores them)."""
    files = {f"decisions/{name}": text for name, text in decisions.items()}
    parsed = bpmn.parse({"process.bpmn": bpmn_xml}, files)
    model = ProcessModel(tenant_id=1, key="kindergarten", name_nb="Barnehage")
    session.add(model)
    session.flush()
    version = ProcessVersion(
        tenant_id=1,
        model_id=model.id,
        number=1,
        process_id=parsed.process_id,
        bpmn=bpmn_xml,
        files=files,
        content_hash=parsed.content_hash,
    )
    session.add(version)
    session.commit()
    return version


@pytest.fixture
def kindergarten(session: Session, tenant_id: int) -> ProcessVersion:
    """The kindergarten price process with its decision table."""
    bpmn_xml = (DMN_DATA / "kindergarten_price.bpmn").read_text(encoding="utf-8")
    return install_with_decisions(session, bpmn_xml, {"kindergarten_price.dmn": KINDERGARTEN})


def test_the_decision_and_its_reason_are_on_the_timeline(
    session: Session, kindergarten: ProcessVersion
) -> None:
    data = {"household_income": 500_000, "child_age": 3, "sibling_no": 2}
    instance = runtime.start(session, kindergarten, data=data, actor="kari")
    assert instance.status == "completed" and instance.outcome == "priced"
    assert runtime.current_data(session, instance)["monthly_price"] == 1750
    [(kind, element_id, summary)] = [e for e in events_of(session, instance.id) if e[1] == "price"]
    assert kind == "step" and summary["type"] == "BusinessRuleTask"
    assert (summary["decision"], summary["hit_policy"]) == ("kindergarten_price", "FIRST")
    assert summary["name"] == "Beregn barnehagepris" and summary["inputs"]["Søskennummer"] == 2
    [rule] = summary["rules"]
    assert rule["id"] == "core_second" and rule["output"]["sibling_discount"] == 30
    assert "30 % søskenmoderasjon" in rule["annotation"]
    assert dmn.explain(summary, "nb") == rule["annotation"]


@pytest.mark.parametrize(
    ("dmn_xml", "data", "expected"),
    [
        (table("UNIQUE", BANDS), {"x": 12}, "'r1' (row 1) and 'r2' (row 2)"),
        (table("UNIQUE", BANDS), {"x": 1}, "No rule in decision 'Testtabell' (d) matched: x=1."),
        (table("FIRST", BANDS), {"x": 1}, "No rule in decision 'Testtabell' (d) matched: x=1."),
    ],
    ids=["unique-conflict", "unique-no-match", "first-no-match"],
)
def test_a_table_without_a_result_is_an_incident(
    session: Session, tenant_id: int, dmn_xml: str, data: dict[str, Any], expected: str
) -> None:
    version = install_with_decisions(session, rule_task(), {"d.dmn": dmn_xml})
    with pytest.raises(StepFailed) as caught:
        runtime.start(session, version, data=data, actor="kari")
    assert caught.value.element_id == "decide" and expected in caught.value.message
    assert caught.value.message.startswith("An automated step failed in 'Beregn': ")
    instance = caught.value.instance
    assert isinstance(instance, Instance) and instance.status == "incident"
    kind, element_id, summary = events_of(session, instance.id)[-1]
    assert (kind, element_id, summary["message"]) == ("incident", "decide", caught.value.message)


def test_first_and_collect_sum_through_a_journey(
    session: Session, tenant_id: int, restore: bool
) -> None:
    wait = (
        '<bpmn:userTask id="check" name="Kontroller" />\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="check" />\n'
        '<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />'
    )
    version = install_with_decisions(
        session, rule_task("leisure_support", after=wait), {"leisure.dmn": LEISURE}
    )
    data = {"household_income": 1, "costs": ["fee"], "activity_fee": 500, "equipment_cost": 0}
    outcome = run_journey(session, version, data, [("check", {"ok": True})], restore=restore)
    assert outcome.status == "completed" and outcome.data["support"] == 500
    steps_ = [s for kind, element_id, s in outcome.events if element_id == "decide"]
    assert len(steps_) == 1 and [r["id"] for r in steps_[0]["rules"]] == ["fee"]
    assert outcome.tasks == [("check", "completed")]


# Validation


def problems(dmn_xml: str, bpmn_xml: str | None = None) -> list[Any]:
    """The problems of a bundle with one DMN file 'd.dmn'."""
    return bpmn.validate({"process.bpmn": bpmn_xml or rule_task()}, {"d.dmn": dmn_xml})


def test_shipped_fixtures_are_valid() -> None:
    bpmn_xml = (DMN_DATA / "kindergarten_price.bpmn").read_text(encoding="utf-8")
    assert bpmn.validate({"p.bpmn": bpmn_xml}, {"k.dmn": KINDERGARTEN, "l.dmn": LEISURE}) == []


def test_every_mistake_in_a_file_is_reported_with_its_place() -> None:
    text = (DMN_DATA / "broken.dmn").read_text(encoding="utf-8")
    found = problems(text.replace('id="broken"', 'id="d"'))
    assert {p.file for p in found} == {"d.dmn"}
    assert [(p.element_id, p.line) for p in found] == [
        ("literal", 27), ("d", 6), ("d", 6), ("d", 7), ("d", 13),
        ("r_cells", 18), ("r_cells", 19), ("r_short", 21), ("literal", 27),
    ]  # fmt: skip
    messages = [p.message for p in found]
    assert messages[0].startswith("'d.dmn' holds 2 decisions")
    assert messages[1].startswith("Decision 'd': unknown hit policy 'SOMETIMES'; use one of")
    assert messages[2].startswith("Decision 'd': unknown aggregation 'AVG'")
    assert "expression 'income +' of input column 'Inntekt' is not a valid" in messages[3]
    assert "the default '(' of output column 'price'" in messages[4]
    assert messages[5].startswith(
        "Decision 'd': rule 1 ('r_cells'), column 'Alder': the cell '> 5 and < 10' is not a "
        "valid test: invalid syntax. Write a Python test such as '< 615590'"
    )
    assert "rule 1 ('r_cells'), column 'price': the output '1 +' is not" in messages[6]
    assert "rule 2 ('r_short') has 1 input and 1 output cells" in messages[7]
    assert messages[8].startswith("Decision 'literal' has no decision table")


@pytest.mark.parametrize(
    ("dmn_xml", "expected"),
    [
        (table("FIRST", BANDS, aggregation="SUM"), "SUM needs the hit policy COLLECT"),
        (table("COLLECT", [], outputs=("a", "b"), aggregation="MAX"), "exactly one output"),
        (table("PRIORITY", BANDS), "the hit policy PRIORITY needs output values"),
        (table("OUTPUT ORDER", BANDS, values={"y": "("}), "output values '(' of output"),
        ('<definitions xmlns="http://example.com/other"/>', "is not a DMN 1.1, 1.2 or 1.3"),
    ],
)
def test_table_problems(dmn_xml: str, expected: str) -> None:
    [problem] = problems(dmn_xml)
    assert expected in problem.message and problem.file == "d.dmn" and problem.line


def test_a_decision_id_twice_is_a_problem() -> None:
    dmn_xml = table("UNIQUE", BANDS)
    found = bpmn.validate({"p.bpmn": rule_task()}, {"a.dmn": dmn_xml, "b.dmn": dmn_xml})
    assert [p.message for p in found] == [
        "The decision id 'd' is used in both 'a.dmn' and 'b.dmn'."
    ]


def test_a_missing_decision_is_a_problem_on_the_task() -> None:
    [problem] = problems(table("UNIQUE", BANDS), rule_task("nowhere"))
    assert 'No DMN Diagram available with id "nowhere"' in problem.message
    assert problem.element_id == "decide" and problem.line == 7
    [problem] = problems(
        table("UNIQUE", BANDS),
        rule_task("").replace(
            "<spiffworkflow:calledDecisionId></spiffworkflow:calledDecisionId>", ""
        ),
    )
    assert "calls no decision" in problem.message and problem.element_id == "decide"


def test_the_library_parser_would_crash_on_annotation_columns() -> None:
    # Why engine.dmn has its own table parser: dmn-js and DMN 1.3 write these elements.
    from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(rule_task("leisure_support").encode(), filename="p.bpmn")
    parser.add_dmn_str(LEISURE.encode(), filename="l.dmn")
    with pytest.raises(Exception, match="Unknown type in decision table"):
        parser.get_spec("p")

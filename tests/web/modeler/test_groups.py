"""Groups for user tasks: the picker's list, a chosen group, and lanes that name no group."""

from __future__ import annotations

from tests.web.modeler.test_modeler import _draft, _model_id, _save

REVIEW_PROPS = """<bpmn:userTask id="review" name="Vurder søknaden">"""


def _choose(xml: str, group: str) -> str:
    """Give the review task a chosen group (as the picker writes it)."""
    head, rest = xml.split(REVIEW_PROPS, 1)
    prop = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f'<spiffworkflow:property name="candidateGroup" value="{group}" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
    )
    if "<bpmn:extensionElements>" in rest.split("</bpmn:userTask>", 1)[0]:
        rest = rest.replace(
            "<spiffworkflow:properties>",
            "<spiffworkflow:properties>"
            f'<spiffworkflow:property name="candidateGroup" value="{group}" />',
            1,
        )
        return head + REVIEW_PROPS + rest
    return head + REVIEW_PROPS + prop + rest


def _warnings(response) -> list[dict]:  # type: ignore[no-untyped-def]
    return [p for p in response.get_json()["problems"] if p.get("warning")]


def test_the_picker_lists_the_tenants_groups_and_no_citizen_lane(app, login_as):
    owner = login_as("eier")
    body = owner.get(f"/modeler/{_model_id(app)}/groups").get_json()
    # The demo users' groups (the meal service's kitchen, drivers and allocation office too).
    assert body["groups"] == sorted(
        ["Kjøkkenet", "Saksbehandler", "Sjåfører", "Teamleder", "Tildelingskontoret"]
    )
    assert body["property"] == "candidateGroup"
    assert 'data-groups-url="/modeler/' in owner.get(f"/modeler/{_model_id(app)}/edit").get_data(
        as_text=True
    )


def test_a_shipped_service_has_no_group_warnings(app, login_as):
    owner = login_as("eier")
    assert _warnings(owner.get(f"/modeler/{_model_id(app)}/draft")) == []


def test_a_lane_naming_no_group_is_a_warning_on_the_lane_that_does_not_stop_publishing(
    app, login_as
):
    owner = login_as("eier")
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    typo = draft["bpmn"].replace('name="Saksbehandler"', 'name="Saksbehandlere"')
    saved = _save(owner, model_id, typo, draft["revision"])
    assert saved.status_code == 200
    [warning] = _warnings(saved)
    assert warning["element_id"] == "lane_caseworker"
    assert "Saksbehandlere" in warning["message"] and warning["code"] == "group_unknown"
    assert [p for p in saved.get_json()["problems"] if not p.get("warning")] == []
    assert _warnings(owner.get(f"/modeler/{model_id}/draft")) == [warning]
    published = owner.submit(f"/modeler/{model_id}/publish", {"comment": "Skrivefeil"})
    assert published.status_code == 302


def test_a_chosen_group_wins_over_the_lane_and_an_unknown_one_is_flagged_on_the_task(app, login_as):
    owner = login_as("eier")
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    typo = draft["bpmn"].replace('name="Saksbehandler"', 'name="Saksbehandlere"')
    chosen = _save(owner, model_id, _choose(typo, "teamleder"), draft["revision"])
    assert _warnings(chosen) == []  # the chosen group (any case) reaches people
    unknown = _save(
        owner, model_id, _choose(draft["bpmn"], "Byggesak"), chosen.get_json()["revision"]
    )
    [warning] = _warnings(unknown)
    assert warning["element_id"] == "review"
    assert "Vurder søknaden" in warning["message"] and "Byggesak" in warning["message"]

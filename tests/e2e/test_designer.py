"""Issue 3's journey in real Chromium: draw, attach forms, validate, publish, run as a citizen."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click(".user-menu button")
    page.wait_for_selector(".flash")


def _select(page, element_id: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(
        """id => { const m = window.flytverkModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""",
        element_id,
    )
    page.wait_for_selector(".bio-properties-panel-header")


def _selected_id(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("() => window.flytverkModeler.get('selection').get()[0].id")


def _context(page, action: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f'.djs-context-pad [data-action="{action}"]')


def _leave_label_editing(page) -> None:  # type: ignore[no-untyped-def]
    if page.locator(".djs-direct-editing-parent").is_visible():
        page.keyboard.press("Escape")


def _new_form(page, title: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Lag nytt skjema…").click()
    page.fill("#flytverk-form-new-title", title)
    page.fill("#flytverk-form-new-name", name)
    page.get_by_role("button", name="Opprett skjema").click()
    page.wait_for_function(
        "n => document.querySelector('#bio-properties-panel-flytverk-form').value === n", arg=name
    )


def _save(page) -> int:  # type: ignore[no-untyped-def]
    before = page.get_attribute("#modeler-app", "data-revision")
    page.click('button[data-action="save"]')
    page.wait_for_function(
        "r => document.getElementById('modeler-app').dataset.revision !== r", arg=before
    )
    return int(page.get_attribute("#modeler-app", "data-problem-count") or "0")


def test_process_owner_draws_publishes_and_the_service_runs(live_server, page):
    base = live_server
    log_in(page, base, "eier")
    page.fill("#create-name", "Søknad om ledsagerbevis")
    page.click("text=Opprett og åpne redigereren")
    page.wait_for_selector('#modeler-app[data-ready="true"]')
    assert page.locator("#modeler-app .bjs-powered-by").is_visible()  # the bpmn.io watermark

    # Start -> user task -> exclusive gateway -> two end events, with palette and context pad.
    _select(page, "start")
    _context(page, "append.append-task")
    _leave_label_editing(page)
    task_id = _selected_id(page)
    _context(page, "replace")
    page.click('.djs-popup [data-id="replace-with-user-task"]')
    task_id = _selected_id(page)
    _context(page, "append.gateway")
    _leave_label_editing(page)
    gateway_id = _selected_id(page)
    _context(page, "append.end-event")
    _leave_label_editing(page)
    approved_end = _selected_id(page)
    _select(page, gateway_id)
    _context(page, "append.end-event")
    _leave_label_editing(page)
    # A pool with a caseworker lane, drawn with the palette's participant tool.
    page.click('.djs-palette [data-action="create.participant-expanded"]')
    page.mouse.click(700, 650)
    _leave_label_editing(page)
    page.evaluate(
        """taskId => { const m = window.flytverkModeler; const modeling = m.get('modeling');
        const reg = m.get('elementRegistry');
        modeling.updateLabel(reg.get(taskId), 'Vurder søknaden');
        const pool = reg.filter(e => e.type === 'bpmn:Participant')[0];
        modeling.addLane(pool, 'bottom');
        const lanes = reg.filter(e => e.type === 'bpmn:Lane');
        const taskLane = lanes.find(l => l.businessObject.flowNodeRef.some(n => n.id === taskId));
        lanes.forEach(l => modeling.updateLabel(l, l === taskLane ? 'Saksbehandler' : 'Innbygger'));
        }""",
        task_id,
    )

    # Saving shows the missing form on the user task.
    assert _save(page) > 0
    assert page.locator(f'.djs-element.has-problem[data-element-id="{task_id}"]').count() == 1
    problem = page.locator(f'button.modeler-problem__link[data-element-id="{task_id}"]')
    assert "skjema" in problem.inner_text().lower() or "form" in problem.inner_text().lower()
    problem.click()
    assert _selected_id(page) == task_id

    # Fix it: forms for the start event and the task, conditions on the gateway.
    _new_form(page, "Vurdering", "vurdering.json")
    _select(page, "start")
    _new_form(page, "Søknad om ledsagerbevis", "soknad.json")
    flows = page.evaluate(
        """gw => window.flytverkModeler.get('elementRegistry').get(gw).outgoing.map(f => f.id)""",
        gateway_id,
    )
    approved_flow = next(
        f
        for f in flows
        if page.evaluate("f => window.flytverkModeler.get('elementRegistry').get(f).target.id", f)
        == approved_end
    )
    other_flow = next(f for f in flows if f != approved_flow)
    _select(page, approved_flow)
    page.fill("#bio-properties-panel-flytverk-condition", 'comment != ""')
    page.keyboard.press("Tab")
    page.wait_for_function(
        """f => { const bo = window.flytverkModeler.get('elementRegistry').get(f).businessObject;
        return bo.conditionExpression && bo.conditionExpression.body === 'comment != ""'; }""",
        arg=approved_flow,
    )
    _select(page, other_flow)
    page.check("#bio-properties-panel-flytverk-default-flow")
    remaining = _save(page)
    # Only the catalogue card's description is left (the card page fixes it).
    assert remaining == 1, page.inner_text(".modeler-problems")
    assert "Skriv en beskrivelse for katalogen" in page.inner_text(".modeler-problems")
    assert page.locator(".djs-element.has-problem").count() == 0

    # The catalogue card: without a description the service would not be found.
    editor_url = page.url
    model_id = re.search(r"/modeler/(\d+)", editor_url).group(1)
    page.goto(f"{base}/modeler/{model_id}/catalogue")
    page.get_by_label("Beskrivelse for katalogen (bokmål)").fill(
        "Ledsagerbevis gir ledsageren gratis inngang der det gjelder."
    )
    page.get_by_role("button", name="Lagre katalogkortet").click()
    page.wait_for_selector("text=Katalogkortet er lagret")
    page.goto(editor_url)
    page.wait_for_selector('#modeler-app[data-ready="true"]')

    # Publish.
    page.click('button[data-action="publish"]')
    page.wait_for_selector("#comment")
    page.fill("#comment", "Første versjon")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Versjon 1 er publisert")
    _logout(page)

    # A citizen applies in the portal...
    log_in(page, base, "kari")
    page.click(".main-nav >> text=Tjenester")
    page.click("text=Søknad om ledsagerbevis")
    page.fill("#comment", "Jeg trenger ledsager på kino.")
    page.click("main form[data-forms] .form-actions .btn-primary")
    page.wait_for_selector(".receipt")
    case_no = page.inner_text(".receipt .case-no").strip()
    assert re.fullmatch(r"\d{4}-\d{6}", case_no)
    _logout(page)

    # ...and the task reaches the caseworker's inbox.
    log_in(page, base, "saksbehandler")
    row = page.locator("tr", has_text=case_no)
    assert "Vurder søknaden" in row.inner_text()

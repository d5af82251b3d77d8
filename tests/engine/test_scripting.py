"""The one script engine: cached code, data before helpers, an import allowlist."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import runtime, store
from engine.errors import StepFailed
from engine.models import Instance
from engine.scripting import ALLOWED_MODULES, SCRIPT_ENGINE, CodeCache, ScriptEnvironment
from tests.engine.helpers import Install, events_of, open_tasks, process_xml


@pytest.fixture
def env() -> ScriptEnvironment:
    return ScriptEnvironment()


def test_code_cache_returns_the_same_code_object() -> None:
    cache = CodeCache()
    first = cache.get("a + 1", "eval")
    assert cache.get("a + 1", "eval") is first
    assert cache.get("a + 1", "exec") is not first
    assert cache.get("a + 2", "eval") is not first


def test_code_cache_is_bounded() -> None:
    cache = CodeCache(size=2)
    a = cache.get("a", "eval")
    cache.get("b", "eval")
    cache.get("a", "eval")  # a becomes the most recent
    cache.get("c", "eval")  # evicts b
    assert cache.get("a", "eval") is a
    assert len(cache._codes) == 2


def test_environment_caches_expressions_it_evaluates(env: ScriptEnvironment) -> None:
    assert env.evaluate("  amount > 10 ", {"amount": 11}) is True
    code = env.codes.get("amount > 10", "eval")
    assert env.evaluate("amount > 10", {"amount": 3}) is False
    assert env.codes.get("amount > 10", "eval") is code


def test_a_data_field_named_like_a_helper_shadows_it(env: ScriptEnvironment) -> None:
    context: dict[str, Any] = {"date": "2026-05-17"}
    assert env.evaluate("date[:4]", context) == "2026"
    env.execute("year = int(date[:4])", context)
    assert context == {"date": "2026-05-17", "year": 2026}


def test_helpers_work_and_do_not_leak_into_data(env: ScriptEnvironment) -> None:
    context: dict[str, Any] = {"days": 3}
    before = dt.date.today()
    env.execute(
        "today = date.today()\nlater = today + timedelta(days=days)\n"
        "parsed = datetime.strptime('17.05.2026', '%d.%m.%Y').date()",
        context,
    )
    assert before <= context["today"] <= dt.date.today()
    assert context["later"] - context["today"] == dt.timedelta(days=3)
    assert context["parsed"] == dt.date(2026, 5, 17)
    assert set(context) == {"days", "today", "later", "parsed"}


def test_script_results_become_data_and_deleted_names_go(env: ScriptEnvironment) -> None:
    context: dict[str, Any] = {"tmp": 1, "keep": 2}
    env.execute("import math\ndef f(x):\n    return x * 2\nresult = f(keep)\ndel tmp", context)
    assert context == {"keep": 2, "result": 4}


def test_allowed_imports_work(env: ScriptEnvironment) -> None:
    context: dict[str, Any] = {}
    env.execute("import json\nfrom decimal import Decimal\nvalue = json.dumps([1])", context)
    assert context == {"value": "[1]"}
    assert {"datetime", "decimal", "math", "re", "json"} <= ALLOWED_MODULES


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "from os import path",
        "import subprocess",
        "__import__('os')",
        "import os.path",
    ],
)
def test_other_imports_are_refused(env: ScriptEnvironment, script: str) -> None:
    with pytest.raises(ImportError, match="is not allowed in process scripts"):
        env.execute(script, {})


def test_only_safe_builtins_are_available(env: ScriptEnvironment) -> None:
    for script in ("open('/etc/passwd')", "eval('1')", "exec('x = 1')", "compile('1', '', 'eval')"):
        with pytest.raises(NameError):
            env.execute(script, {})
    context: dict[str, Any] = {"items": [3, 1, 2]}
    env.execute("ordered = sorted(items)\ntotal = sum(items)", context)
    assert context["ordered"] == [1, 2, 3] and context["total"] == 6


def test_the_script_engine_validates_expressions() -> None:
    SCRIPT_ENGINE.validate("a == 1")
    with pytest.raises(SyntaxError):
        SCRIPT_ENGINE.validate("a ==")


IMPORTING = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:scriptTask id="sneaky" name="Sneaky script">
  <bpmn:script>import os
listing = os.listdir("/")</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sneaky" />
<bpmn:sequenceFlow id="f2" sourceRef="sneaky" targetRef="end" />
""")

DATED = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:scriptTask id="stamp" name="Stamp">
  <bpmn:script>received = datetime.now().date()
deadline = received + timedelta(days=21)
label = date[:4] if isinstance(date, str) else "none"</bpmn:script>
</bpmn:scriptTask>
<bpmn:userTask id="look" name="Look" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="stamp" />
<bpmn:sequenceFlow id="f2" sourceRef="stamp" targetRef="look" />
<bpmn:sequenceFlow id="f3" sourceRef="look" targetRef="end" />
""")


def _causes(err: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def test_import_os_in_a_process_fails_as_an_import_error_step(
    session: Session, install: Install
) -> None:
    version = install(IMPORTING)
    with pytest.raises(StepFailed) as caught:
        runtime.start(session, version, data={}, actor="kari")
    assert any(isinstance(e, ImportError) for e in _causes(caught.value))
    assert "Importing 'os' is not allowed" in caught.value.message
    assert caught.value.element_id == "sneaky"
    instance = caught.value.instance
    assert isinstance(instance, Instance) and instance.status == "incident"
    assert "listing" not in runtime.current_data(session, instance)


@pytest.mark.parametrize("restore", [False, True])
def test_helpers_and_shadowing_inside_a_running_process(
    session: Session, install: Install, tenant_id: int, restore: bool
) -> None:
    version = install(DATED)
    before = dt.date.today().isoformat()
    plain = runtime.start(session, version, data={}, actor="kari")
    shadowed = runtime.start(session, version, data={"date": "2026-05-17"}, actor="kari")
    if restore:
        store.WORKFLOWS.clear()
    plain_data = runtime.current_data(session, plain)
    shadowed_data = runtime.current_data(session, shadowed)
    assert plain_data["label"] == "none" and "date" not in plain_data
    assert shadowed_data["label"] == "2026" and shadowed_data["date"] == "2026-05-17"
    for instance in (plain, shadowed):
        [task] = open_tasks(session, instance.id)
        typed = runtime.task_data(session, instance, task.task_uuid)
        assert before <= typed["received"] <= dt.date.today().isoformat()  # dates shown as ISO
        done = runtime.complete(session, tenant_id, task.id, {}, "sara")
        assert done.status == "completed"
        assert [kind for kind, _, _ in events_of(session, instance.id)][-1] == "completed"

"""Scripts run in sandbox processes: C-level work that no tick can stop ends as a refusal
within the deadline, the server's memory does not grow, and the pool heals itself."""

from __future__ import annotations

import os
import pickle
import threading
import time
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import runtime
from engine.errors import StepFailed
from engine.models import Instance
from engine.sandbox import Limits, ScriptRejected, wire
from engine.sandbox import child as sandbox_child
from engine.sandbox.cheap import is_cheap
from engine.sandbox.pool import POOL
from engine.scripting import ScriptEnvironment, configure
from tests.engine.helpers import Install, events_of, open_tasks, process_xml
from tests.engine.test_dmn import fails, table

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")

WALL = 2.0


@pytest.fixture
def limits(limits: Limits) -> Limits:
    """A 1 s CPU budget and a 2 s deadline (conftest puts the live limits back)."""
    configure(cpu_seconds=1, wall_seconds=WALL)
    return limits


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


MILLION = "x = [0] * 1_000_000\n"
# Each one is a single C call that holds the interpreter: seconds, or gigabytes.
C_LEVEL = [
    "import re\nm = re.match('(a+)+$', 'a' * 27 + 'b')",
    MILLION + "y = max([x] * 2500)",
    MILLION + "y = str([x] * 150)",
    "a = int.from_bytes(b'\\xff' * 1000000, 'big')\n"
    "b = int.from_bytes(b'\\xfe' * 500000, 'big')\nc = a // b",
    "x = format(Decimal('1e1500000000'), 'f')",
    "x = [1]\ny = list(map(x.append, x))",
    "x = ['x' * 1000] * 10 ** 6",
]


@pytest.mark.parametrize("script", C_LEVEL, ids=[s.splitlines()[-1][:40] for s in C_LEVEL])
def test_c_level_work_ends_as_a_refusal_within_the_deadline(
    env: ScriptEnvironment, limits: Limits, script: str
) -> None:
    env.evaluate("sorted([2, 1])", {})  # a warm child, so that only the script is timed
    context: dict[str, Any] = {"amount": 5}
    rss_before, started = _rss(), time.monotonic()
    with pytest.raises(ScriptRejected) as caught:
        env.execute(script, context)
    assert time.monotonic() - started < WALL + 2
    assert _rss() - rss_before < 32 * 2**20, "the server's memory must not grow"
    assert context == {"amount": 5}
    message = str(caught.value)
    assert any(words in message for words in ("longer than", "out of memory", "bytes of data")), (
        message
    )
    assert env.evaluate("sorted([3, 1])[0]", {}) == 1, "the pool has healed"


def test_a_c_level_expression_ends_as_a_refusal(env: ScriptEnvironment, limits: Limits) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptRejected, match="longer than"):
        env.evaluate("__import__('re').match('(a+)+$', 'a' * 27 + 'b')", {})
    assert time.monotonic() - started < WALL + 2


def test_output_size_is_counted_not_built(env: ScriptEnvironment) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptRejected, match="bytes of data"):
        env.execute("x = ['x' * 1000] * 10 ** 6", {})
    with pytest.raises(ScriptRejected, match="larger than the case data"):
        env.evaluate("['x' * 1000] * 10 ** 6", {})
    assert time.monotonic() - started < 2


def test_cheap_conditions_run_in_process_and_start_no_child(env: ScriptEnvironment) -> None:
    POOL.shutdown()
    started = POOL.started
    context = {"amount": 11, "status": "new", "items": [1, 2, 3]}
    for expression in (
        "amount > 10 and status == 'new'",
        "status in ('new', 'open') and not amount < 0",
        "len(items) == 3 and items[-1] * 2 == 6",
        "amount / 2 + 1 if amount % 2 else 0",
    ):
        env.evaluate(expression, context)
    assert POOL.started == started


@pytest.mark.parametrize(
    ("expression", "cheap"),
    [
        ("amount > 10 and status == 'new'", True),
        ("x.total - 5 >= limit // 2", True),
        ("status in ('a', 'b')", True),
        ("amount % 2 == 0 and amount * 1.25 < 10", True),
        ("items[1:] == [2, 3]", True),
        ("status in statuses", False),  # `in` a value of any size
        ("amount ** 2 > 1", False),
        ("x * y > 1", False),
        ("x * 1000 > 1", False),
        ("str(x) == ''", False),
        ("max(x) > 1", False),
        ("f'{x}' == ''", False),
        ("[i for i in x]", False),
        ("(lambda: 1)()", False),
        ("1 << x", False),
        (" and ".join(["a"] * 40), False),  # too long to be sure of
    ],
)
def test_the_cheap_rule(expression: str, cheap: bool) -> None:
    assert is_cheap(expression) is cheap


def test_a_reply_is_unpickled_with_case_data_classes_only() -> None:
    assert wire.safe_loads(pickle.dumps(({1, 2}, b"x", 1.5))) == ({1, 2}, b"x", 1.5)
    with pytest.raises(pickle.UnpicklingError, match="posix.system is not case data"):
        wire.safe_loads(pickle.dumps(os.system))
    err = wire.rebuild_error("SystemExit", ("bye",), None)
    assert type(err) is ScriptRejected, "only exception classes scripts can raise come back"


def test_two_loops_use_the_pool_while_conditions_answer_at_once(
    env: ScriptEnvironment, limits: Limits
) -> None:
    failures: list[ScriptRejected] = []

    def loop() -> None:
        try:
            env.execute("import re\nm = re.match('(a+)+$', 'a' * 27 + 'b')", {})
        except ScriptRejected as err:
            failures.append(err)

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    answers = [env.evaluate("amount > 10", {"amount": n}) for n in range(1000)]
    assert time.monotonic() - started < 0.5
    assert answers.count(True) == 989
    for thread in threads:
        thread.join(timeout=10)
    assert len(failures) == 2


def test_a_killed_child_is_replaced(env: ScriptEnvironment, limits: Limits) -> None:
    env.evaluate("sorted([1])", {})
    child = POOL._idle[-1]
    os.kill(child.process.pid, 9)
    with pytest.raises(ScriptRejected, match="stopped unexpectedly"):
        env.evaluate("sorted([1])", {})
    assert env.evaluate("sorted([2, 1])", {}) == [1, 2]


def test_the_pool_has_at_most_the_configured_processes(
    env: ScriptEnvironment, limits: Limits
) -> None:
    configure(processes=1)
    POOL.shutdown()
    results: list[Any] = []

    def work() -> None:
        results.append(env.evaluate("sum(i for i in range(10))", {}))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [45] * 4
    assert POOL._count <= 1


GATEWAY = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:userTask id="fill" name="Fill in" />
<bpmn:exclusiveGateway id="gw" name="Matches?" />
<bpmn:endEvent id="yes" />
<bpmn:endEvent id="no" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="gw" />
<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="yes">
  <bpmn:conditionExpression>__import__('re').match('(a+)+$', name) is None
  </bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="no">
  <bpmn:conditionExpression>amount &lt; 0</bpmn:conditionExpression>
</bpmn:sequenceFlow>
""")


def test_a_condition_that_loops_in_c_is_an_incident_in_the_last_committed_state(
    session: Session, install: Install, tenant_id: int, limits: Limits
) -> None:
    version = install(GATEWAY)
    instance = runtime.start(session, version, data={}, actor="kari")
    [task] = open_tasks(session, instance.id)
    state_before = instance.state
    started = time.monotonic()
    with pytest.raises(StepFailed) as caught:
        runtime.complete(session, tenant_id, task.id, {"name": "a" * 27 + "b", "amount": 1}, "sara")
    assert time.monotonic() - started < WALL + 2
    assert "longer than" in caught.value.message
    failed = caught.value.instance
    assert isinstance(failed, Instance) and failed.status == "incident"
    assert failed.state == state_before
    assert [t.id for t in open_tasks(session, instance.id)] == [task.id]
    assert events_of(session, instance.id)[-1][:2] == ("incident", "gw")


def test_a_child_is_limited_by_the_os_and_gets_no_secrets(
    env: ScriptEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3cret-for-the-test")
    POOL.shutdown()
    env.evaluate("sorted([1])", {})
    pid = POOL._idle[-1].process.pid
    with open(f"/proc/{pid}/environ", "rb") as environ:
        assert b"s3cret-for-the-test" not in environ.read()
    with open(f"/proc/{pid}/limits") as limits:
        rows = {line[:26].strip(): line[26:].split() for line in limits}
    assert rows["Max address space"][0] != "unlimited"
    assert rows["Max cpu time"][0] != "unlimited"
    assert rows["Max open files"][0] == "16"
    # Below the server's CPU priority: a script busy to its deadline never starves requests.
    server = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = sandbox_child.NICENESS
    assert lowered >= 5 and os.getpriority(os.PRIO_PROCESS, pid) >= server + lowered


def test_other_helpers_go_to_the_sandbox_process_too() -> None:
    env = ScriptEnvironment({"rate": 0.25})
    assert env.evaluate("sorted([rate, 1])[0]", {}) == 0.25
    context: dict[str, Any] = {"amount": 100}
    env.execute("vat = amount * rate", context)
    assert context == {"amount": 100, "vat": 25.0}


def test_a_dmn_cell_that_loops_in_c_fails_within_the_deadline(limits: Limits) -> None:
    cell = "__import__('re').match('(a+)+$', x) is None"
    dmn_xml = table("UNIQUE", [(("-",), (cell,), "")])
    started = time.monotonic()
    assert "longer than" in fails(dmn_xml, x="a" * 27 + "b")
    assert time.monotonic() - started < WALL + 2

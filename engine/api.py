"""The engine's public API: the one module the application imports (with errors and models).

Transitions (each one transaction, committed by the engine, the caller's pending writes
included), reads, notes, retention (scrub, anonymise, purge), transition listeners,
configuration, and the modelling tools (validation, parsing, dialects, diffs, decisions).
See engine/README.md.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from . import (
    bpmn,
    connectors,
    dialects,
    dmn,
    jobs,
    outcomes,
    parameters,
    sandbox,
    scheduler,
    schedules,
    servicetasks,
    tasks,
)
from .connectors import (
    CallContext,
    Connector,
    ConnectorFailed,
    HttpConnector,
    Param,
    Registry,
    host_allowed,
    missing_params,
)
from .decide import decide
from .diff import Change, Diff, diff
from .dmn import DecisionError, dmn_problems, explain
from .dmn.checks import DMN_NAMESPACES
from .dmn.parser import local_name
from .jobs import LEASE_SECONDS, continue_with, retry, retry_incident, run_due, run_one
from .live import current_data, scrub, spec_for, task_data
from .outcomes import (
    KINDS,
    Listener,
    Outcome,
    Written,
    clear_listeners,
    on_transition,
    remove_listener,
)
from .parameters import checked as check_parameters
from .parameters import definitions as parameter_definitions
from .parameters import values_of as parameter_values
from .reads import history, open_tasks
from .retention import CASE_TABLES, anonymise, purge
from .runtime import CLOSED, cancel, complete, receive, start, wake
from .safexml import parse_xml
from .sandbox import configure as configure_sandbox
from .serialization import to_json_value as json_value
from .servicetasks import NEW_JOBS, ConnectorTask
from .store import TEST_SERIES, begin_write, configure_engine, has_writes
from .tasks import save_input
from .transact import record_incident
from .transition import add_event, set_result

__all__ = [
    "CASE_TABLES",
    "CLOSED",
    "DMN_NAMESPACES",
    "KINDS",
    "LEASE_SECONDS",
    "NEW_JOBS",
    "TEST_SERIES",
    "CallContext",
    "Change",
    "Connector",
    "DecisionError",
    "ConnectorFailed",
    "ConnectorTask",
    "Diff",
    "HttpConnector",
    "Listener",
    "Outcome",
    "Param",
    "Registry",
    "Written",
    "add_event",
    "anonymise",
    "begin_write",
    "has_writes",
    "bpmn",
    "cancel",
    "check_parameters",
    "clear_listeners",
    "complete",
    "configure",
    "configure_sandbox",
    "connectors",
    "continue_with",
    "current_data",
    "decide",
    "dialects",
    "diff",
    "dmn",
    "dmn_problems",
    "explain",
    "history",
    "host_allowed",
    "jobs",
    "json_value",
    "local_name",
    "missing_params",
    "on_transition",
    "open_tasks",
    "outcomes",
    "parameter_definitions",
    "parameters",
    "parameter_values",
    "parse_xml",
    "purge",
    "receive",
    "record_incident",
    "save_input",
    "remove_listener",
    "retry",
    "retry_incident",
    "run_due",
    "run_one",
    "sandbox",
    "scheduler",
    "schedules",
    "scrub",
    "set_result",
    "servicetasks",
    "spec_for",
    "start",
    "task_data",
    "tasks",
    "wake",
]


def configure(engine: Engine, *, synchronous: str = "FULL") -> None:
    """Set a database engine up for the engine (SQLite: WAL, busy timeout, foreign keys)."""
    configure_engine(engine, synchronous=synchronous)

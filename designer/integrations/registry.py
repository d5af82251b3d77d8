"""The app's connector registry: every connector beside its test double.

The one place that decides between real and test: a call whose context `is_test` (a
*Testkjør* from the editor) goes to the connector's double, every other call to the real
connector. A connector registered without a double gets a RecordingDouble, so even a
municipality's own connector never runs for real in a test run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask

from designer.integrations import testing
from designer.integrations.archive import ArchiveAdapter, folder_archive
from designer.integrations.http import http_connector
from designer.integrations.letter import CaseOutboxLetters, LetterConnector
from designer.integrations.mail import MailConnector
from designer.integrations.payment import LedgerPayments, PaymentConnector
from designer.integrations.subscription import SubscriptionConnector
from engine import api as engine_api
from engine.api import CallContext, Connector, ConnectorTask, missing_params
from engine.errors import Problem


class Switch:
    """A registered connector: the real one, or its double when the call is a test."""

    def __init__(self, real: Connector, double: Connector) -> None:
        self.real, self.double = real, double
        self.params, self.label_nb, self.label_en = real.params, real.label_nb, real.label_en

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Call the double for a test run, the real connector otherwise."""
        target = self.double if context.is_test else self.real
        return target.call(params, context)


@dataclass
class Registry(engine_api.Registry):
    """Connectors by name, each with a test double."""

    connectors: dict[str, Connector] = field(default_factory=dict)

    def register(self, name: str, connector: Connector, double: Connector | None = None) -> None:
        """Add (or replace) `name`; test runs call `double` (a RecordingDouble if None)."""
        if isinstance(connector, Switch):
            self.connectors[name] = connector
            return
        self.connectors[name] = Switch(connector, double or testing.RecordingDouble(connector))


# Adapters Flytverk ships, by the short name LETTER_ADAPTER / ARCHIVE_ADAPTER may give.
NAMED = {
    "svarut": "designer.integrations.svarut:svarut_letters",
    "folder": "designer.integrations.archive:folder_archive",
}


def _plugged(app: Flask, setting: str, default: Any) -> Any:
    target = app.config.get(setting)
    if not target:
        return default(app)
    module, _, name = NAMED.get(str(target), str(target)).partition(":")
    return getattr(importlib.import_module(module), name)(app)


def archive_adapter(app: Flask) -> ArchiveAdapter:
    """The archive adapter ARCHIVE_ADAPTER names ("folder", the default, or
    "package.module:factory"), made once per app."""
    found = app.extensions.get("flytverk_archive")
    if found is None:
        found = app.extensions["flytverk_archive"] = _plugged(
            app, "ARCHIVE_ADAPTER", folder_archive
        )
    return found  # type: ignore[no-any-return]


def build_registry(app: Flask) -> Registry:
    """Every connector the app offers, with the configured adapters and their doubles."""
    registry = Registry()
    # engine's HttpConnector infers a fixed-length `params` tuple; it is a Connector.
    http = http_connector(app)
    registry.register("http", cast(Connector, http), testing.HttpDouble(http))
    registry.register("mail", MailConnector(app), testing.mail_double(app))
    registry.register(
        "letter",
        LetterConnector(app, _plugged(app, "LETTER_ADAPTER", CaseOutboxLetters)),
        testing.letter_double(app),
    )
    registry.register(
        "payment",
        PaymentConnector(_plugged(app, "PAYMENT_ADAPTER", LedgerPayments)),
        testing.payment_double(),
    )
    registry.register("subscription", SubscriptionConnector(app))
    return registry


def problems(registry: engine_api.Registry, specs: list[Any]) -> list[Problem]:
    """Service tasks whose connector does not exist or lacks required parameters."""
    found = []
    for spec in specs:
        if not isinstance(spec, ConnectorTask):
            continue
        connector = registry.get(spec.operation_name)
        if connector is None:
            known = ", ".join(sorted(registry.names()))
            found.append(
                Problem(
                    f"There is no connector called '{spec.operation_name}' (there are: {known}).",
                    element_id=spec.bpmn_id,
                )
            )
            continue
        missing = missing_params(connector, spec.operation_params)
        if missing:
            found.append(
                Problem(
                    f"The service task needs the parameter(s): {', '.join(missing)}.",
                    element_id=spec.bpmn_id,
                )
            )
    return found

"""Invoices: the adapter that hands a recurring run's invoices to the finance system.

The default (`LedgerInvoices`) keeps the invoice rows as the finance system's in-tray
(they are read from there, or exported); a municipality plugs its own with
INVOICE_ADAPTER = "package.module:factory". An adapter must be idempotent by
`invoice["reference"]` (case number and period): the worker may send a row again after a
crash between the call and the recorded result.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import Flask


class InvoiceAdapter(Protocol):
    """Hands one invoice to the finance system."""

    def send_invoice(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """Send; return a receipt (JSON-friendly) or raise an exception to try again."""
        ...  # pragma: no cover - protocol


class LedgerInvoices:
    """The invoice rows are the in-tray: nothing leaves Flytverk."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send_invoice(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """Acknowledge: the row stays for the finance system to collect."""
        return {"status": "in_ledger", "reference": invoice["reference"]}


def invoice_adapter(app: Flask) -> InvoiceAdapter:
    """The adapter INVOICE_ADAPTER names (the ledger by default), made once per app."""
    from designer.integrations.registry import _plugged

    found = app.extensions.get("flytverk_invoices")
    if found is None:
        found = app.extensions["flytverk_invoices"] = _plugged(
            app, "INVOICE_ADAPTER", LedgerInvoices
        )
    return found  # type: ignore[no-any-return]

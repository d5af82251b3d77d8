"""Payment orders: the connector (with its checks) and the default ledger adapter."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from designer.extensions import db
from designer.integrations.common import N_
from designer.models import PaymentOrder
from engine.api import CallContext, ConnectorFailed, Param
from forms.validators import is_valid_kontonummer

MAX_PAYMENT = Decimal("1000000")


class PaymentAdapter(Protocol):
    """Orders a payment from the municipality's finance system."""

    def order_payment(self, order: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Order; return a receipt (JSON-friendly) or raise ConnectorFailed."""
        ...  # pragma: no cover - protocol


class LedgerPayments:
    """Default payments: an order row per idempotency key, for the finance system to collect."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def order_payment(self, order: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Record the order (or find the one an earlier attempt recorded)."""
        with self.app.app_context():
            row = PaymentOrder(
                tenant_id=context.tenant_id,
                instance_id=context.instance_id,
                idempotency_key=context.idempotency_key,
                amount=order["amount"],
                account=order["account"],
                recipient=order["recipient"],
                reference=order["reference"],
            )
            db.session.add(row)
            try:
                db.session.commit()  # a worker's call: no request owns this transaction
            except IntegrityError:
                db.session.rollback()
                row = db.session.scalars(
                    select(PaymentOrder).where(
                        PaymentOrder.idempotency_key == context.idempotency_key
                    )
                ).one()
            return {"status": row.status, "payment_id": row.id, "amount": str(row.amount)}


def checked_order(params: dict[str, Any], context: CallContext) -> dict[str, Any]:
    """The order the parameters describe; ConnectorFailed for what no retry can fix."""
    try:
        amount = Decimal(str(params.get("amount"))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ConnectorFailed("The amount is not a number.", retry=False) from None
    if not Decimal(0) < amount <= MAX_PAYMENT:
        raise ConnectorFailed(
            f"The amount {amount} kr is not between 0 and 1 000 000 kr.", retry=False
        )
    account = "".join(ch for ch in str(params.get("account") or "") if ch.isdigit())
    if not is_valid_kontonummer(account):
        raise ConnectorFailed("The account number is not a valid Norwegian account.", retry=False)
    return {
        "amount": amount,
        "account": account,
        "recipient": str(params.get("recipient") or "")[:200],
        "reference": str(params.get("reference") or context.case_no)[:200],
    }


class PaymentConnector:
    """A payment order (through the payment adapter), checked before it is sent."""

    label_nb, label_en = "Betalingsordre", N_("Payment order")
    params: tuple[Param, ...] = (
        Param("amount", "Beløp (kr)", "Amount (NOK)"),
        Param("account", "Kontonummer", "Account number"),
        Param("recipient", "Mottaker", "Recipient", required=False),
        Param("reference", "Referanse", "Reference", required=False),
    )

    def __init__(self, adapter: PaymentAdapter) -> None:
        self.adapter = adapter

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Refuse amounts and accounts no retry can fix; order the rest."""
        return self.adapter.order_payment(checked_order(params, context), context)

"""Every web-side table, so one import registers them all (the engine only knows actor strings)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from designer.services.lanes import is_citizen_lane
from engine.models import Base, utcnow

ROLES = ("citizen", "caseworker", "team_lead", "process_owner", "admin")


class User(Base, UserMixin):
    """A person who logs in: citizen or staff."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    roles: Mapped[str] = mapped_column(String(200), default="citizen")
    groups: Mapped[str] = mapped_column(String(500), default="")
    national_id: Mapped[str | None] = mapped_column(String(11), default=None)
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(4), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def actor(self) -> str:
        """How the engine's history names this person."""
        return f"user:{self.id}"

    @property
    def role_set(self) -> set[str]:
        """The user's roles."""
        return {r for r in self.roles.split(",") if r}

    @property
    def group_list(self) -> list[str]:
        """Groups (lane names) the user works in; citizen lanes are never a staff group."""
        return [g.strip() for g in self.groups.split(",") if g.strip() and not is_citizen_lane(g)]

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of `roles`."""
        return bool(self.role_set.intersection(roles))

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of `password` (method pinned, see login_security)."""
        self.password_hash = generate_password_hash(password, method="scrypt:32768:8:1")

    def check_password(self, password: str) -> bool:
        """True when `password` matches."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class ApplicationDraft(Base):
    """A citizen's unfinished application, saved to continue later."""

    __tablename__ = "application_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id"))
    formdata: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Attachment(Base):
    """An uploaded file, stored outside the web root under a random name."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id"), index=True)
    owner: Mapped[str] = mapped_column(String(100))
    field_key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboxMessage(Base):
    """An e-mail Flytverk sent, tried to send, or (without SMTP) would have sent."""

    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instance.id"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    # Unbounded VARCHAR (TEXT on PostgreSQL): mail bodies have no natural limit.
    body_text: Mapped[str] = mapped_column(String, default="")
    body_html: Mapped[str | None] = mapped_column(String, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    error: Mapped[str | None] = mapped_column(String(1000), default=None)

    @property
    def status(self) -> str:
        """'sent', 'failed', or 'outbox' (kept, not sent: no SMTP server configured)."""
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.error else "outbox"


class ApiToken(Base):
    """A token an integration uses: stored as a SHA-256 hash, scoped, revocable."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    @property
    def actor(self) -> str:
        """How the engine's history names this integration."""
        return f"api:{self.name}"


class PaymentOrder(Base):
    """A payment a service ordered (default payment adapter): the finance system's in-tray.

    One row per idempotency key: a connector job tried again never pays twice.
    """

    __tablename__ = "payment_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    account: Mapped[str] = mapped_column(String(11))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="ordered")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginAttempt(Base):
    """One login failure, refusal, lock or reset request (security data, kept briefly)."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The user's tenant where the username is known; None for unknown usernames.
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(200), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class PasswordResetToken(Base):
    """A one-time password-reset link: only the SHA-256 of the token is stored."""

    __tablename__ = "password_reset_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Fingerprint of the password hash at issue time: any password change voids the token.
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """One staff read or change, append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "tenant_id", "at", "id"),
        Index("ix_audit_event_case", "tenant_id", "case_no", "at"),
        Index("ix_audit_event_actor", "tenant_id", "actor_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # No foreign key: the log outlives accounts; the name is a snapshot for the same reason.
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    case_no: Mapped[str | None] = mapped_column(String(20), default=None)
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SubmissionKey(Base):
    """A one-time key of a submission: a repeat of it finds the first result, not a new case.

    Forms carry a random key in a hidden field (scope `form`); `POST /api/messages` takes an
    `Idempotency-Key` header (scope `api:<token id>`).
    """

    __tablename__ = "submission_key"
    __table_args__ = (UniqueConstraint("tenant_id", "scope", "key", name="uq_submission_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    scope: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100), default="")
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instance.id"), index=True, default=None
    )
    # What the first submission answered (e.g. an API response body), to answer a repeat alike.
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class WorkerLease(Base):
    """Who runs a once-per-installation job (daily retention, digest) and when it last ran."""

    __tablename__ = "worker_lease"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), default="")
    leased_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

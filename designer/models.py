"""Every web-side table, so one import registers them all (the engine only knows actor strings)."""

from __future__ import annotations

from datetime import datetime, timedelta
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
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from engine.models import Base, utcnow

# Compared case-insensitively. A staff group with one of these names is ignored: a
# caseworker must never see, open or complete the citizen's own tasks.
CITIZEN_LANES = frozenset({"søker", "innbygger", "citizen", "applicant"})


def is_citizen_lane(lane: str | None) -> bool:
    """True when tasks in `lane` are answered by the citizen who owns the case."""
    return bool(lane) and str(lane).strip().casefold() in CITIZEN_LANES


# "staff": people who only work a service's lists and tables (a kitchen, drivers), by group.
ROLES = ("citizen", "caseworker", "team_lead", "process_owner", "admin", "staff")
# Werkzeug's default, pinned: a Werkzeug upgrade must not silently change our stored hashes.
# scrypt N=2^15, r=8 uses 32 MiB per check. config PASSWORD_METHOD overrides it (TESTING).
DEFAULT_PASSWORD_METHOD = "scrypt:32768:8:1"


def password_method() -> str:
    """The configured hashing method (config PASSWORD_METHOD), else the pinned scrypt."""
    try:
        from flask import current_app

        return str(current_app.config.get("PASSWORD_METHOD") or DEFAULT_PASSWORD_METHOD)
    except RuntimeError:  # outside an application context
        return DEFAULT_PASSWORD_METHOD


def _names(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """A comma list (or a list) of names, stripped and de-duplicated in order."""
    raw = value.split(",") if isinstance(value, str) else list(value or [])
    names: list[str] = []
    for item in raw:
        name = str(item).strip()
        if name and name not in names:
            names.append(name)
    return names


class UserRole(Base):
    """One role a user holds."""

    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class GroupMember(Base):
    """A user's membership of a group (a lane name) in their tenant."""

    __tablename__ = "group_member"
    __table_args__ = (Index("ix_group_member_tenant_group", "tenant_id", "group_name"),)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    group_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    # The order the groups were given in (shown and audited in that order).
    position: Mapped[int] = mapped_column(Integer, default=0)
    user: Mapped[User] = relationship(back_populates="group_rows")


class User(Base, UserMixin):
    """A person who logs in: citizen or staff."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    national_id: Mapped[str | None] = mapped_column(String(11), default=None)
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(4), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person's own language choice (nb, nn, en); None: the municipality's målform.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    group_rows: Mapped[list[GroupMember]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by=lambda: (GroupMember.position, GroupMember.group_name),
    )

    def __init__(self, **kwargs: Any) -> None:
        # A new user is a citizen unless told otherwise (as the old column default was).
        kwargs.setdefault("roles", "citizen")
        super().__init__(**kwargs)

    @property
    def roles(self) -> str:
        """The roles as a comma list, in ROLES order (set it the same way)."""
        held = self.role_set
        return ",".join([r for r in ROLES if r in held] + sorted(held - set(ROLES)))

    @roles.setter
    def roles(self, value: str | list[str] | tuple[str, ...]) -> None:
        wanted = _names(value)
        kept = {row.role: row for row in self.role_rows if row.role in wanted}
        self.role_rows = [kept.get(role) or UserRole(role=role) for role in wanted]

    @property
    def groups(self) -> str:
        """The groups as a comma list, in the order given (set it the same way)."""
        return ",".join(row.group_name for row in self.group_rows)

    @groups.setter
    def groups(self, value: str | list[str] | tuple[str, ...]) -> None:
        wanted = _names(value)
        # Rows kept are reused: deleting and inserting the same key in one flush would clash.
        kept = {row.group_name: row for row in self.group_rows if row.group_name in wanted}
        rows = []
        for position, name in enumerate(wanted):
            row = kept.get(name) or GroupMember(group_name=name, tenant_id=self.tenant_id)
            row.position = position
            rows.append(row)
        self.group_rows = rows

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
        return {row.role for row in self.role_rows}

    @property
    def group_list(self) -> list[str]:
        """Groups (lane names) the user works in; citizen lanes are never a staff group."""
        return [r.group_name for r in self.group_rows if not is_citizen_lane(r.group_name)]

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of `roles`."""
        return bool(self.role_set.intersection(roles))

    def set_password(self, password: str, method: str | None = None) -> None:
        """Store a salted hash of `password` (config PASSWORD_METHOD unless `method`)."""
        self.password_hash = generate_password_hash(password, method=method or password_method())

    def check_password(self, password: str) -> bool:
        """True when `password` matches."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


@sa_event.listens_for(GroupMember, "before_insert")
def _group_tenant(mapper: Any, connection: Any, target: GroupMember) -> None:
    # A membership set in the constructor may precede the user's tenant_id.
    if target.tenant_id is None and target.user is not None:
        target.tenant_id = target.user.tenant_id


class UserSession(Base):
    """One login. The browser's session names it; logout and revocation delete it."""

    __tablename__ = "user_session"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The password fingerprint at login: a session from before a password change ends.
    password_mark: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


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


FIRST_PAUSE = timedelta(minutes=1)  # then 2, 4, 8 ... minutes
LONGEST_PAUSE = timedelta(hours=6)


def retry_pause(
    tries: int, first: timedelta = FIRST_PAUSE, longest: timedelta = LONGEST_PAUSE
) -> timedelta:
    """The pause after the `tries`-th failed try of a row the worker sends (an e-mail, a
    letter, an archive hand-over): doubling from `first`, never longer than `longest`."""
    return min(first * 2 ** max(tries - 1, 0), longest)


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
    # Delivery by the worker after commit: tries so far, when a worker took it (a claim
    # older than the lease is free again), when to try again (None: do not try again).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None, index=True)
    # A one-time secret in the body (a reset link): blanked once the mail is sent or given up.
    secret: Mapped[str | None] = mapped_column(String(200), default=None)

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


# --- decision letters (issue 15) -------------------------------------------------------
from sqlalchemy import LargeBinary, Text  # noqa: E402


class DecisionLetter(Base):
    """A decision's letter (vedtaksbrev): its HTML, its PDF once rendered, its delivery.

    Written with the decision in the transition's transaction (designer.services.decisions);
    the worker renders the PDF and sends it through the letter adapter after commit.
    """

    __tablename__ = "decision_letter"
    __table_args__ = (
        UniqueConstraint("instance_id", "number", name="uq_decision_letter_number"),
        Index("ix_decision_letter_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per case
    kind: Mapped[str] = mapped_column(String(20))  # decision | review | appeal
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300), default="")
    html: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    # pending (no PDF yet) -> rendered -> sent | failed (given up after the last try)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    error: Mapped[str | None] = mapped_column(String(1000), default=None)
    external_ref: Mapped[str] = mapped_column(String(200), unique=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


# The default letter adapter keeps a letter once per tenant and reference ("letter:<ref>").
Index(
    "uq_outbox_message_letter",
    OutboxMessage.tenant_id,
    OutboxMessage.kind,
    unique=True,
    sqlite_where=OutboxMessage.kind.like("letter:%"),
    postgresql_where=OutboxMessage.kind.like("letter:%"),
)


# --- appeals and manual reviews (issue 15) -----------------------------------------------
OPEN_APPEAL = ("received", "in_review")


class Appeal(Base):
    """A citizen's appeal (klage) of a decision, or their request for a manual review of an
    automated one; worked as a task of the platform appeal process (designer.services.appeals).

    status: received -> in_review -> reversed | confirmed (a review that stands by the
    outcome: a new decision by a person) | upheld_forwarded (sent to the appeal body) |
    reassessing -> reassessed (upheld: the application is handled again as a new case of the
    service, `follow_up_id`, started by the worker) | withdrawn. One open appeal per case
    (the partial unique index below).
    """

    __tablename__ = "appeal"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # review | appeal
    status: Mapped[str] = mapped_column(String(30), default="received")
    owner: Mapped[str] = mapped_column(String(100))  # the citizen's actor
    text: Mapped[str] = mapped_column(String, default="")  # what they disagree with
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # sent after the deadline
    late_reason: Mapped[str] = mapped_column(String, default="")
    # The decision appealed (its date starts the deadline) and the engine instance of the task.
    decision_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    handler_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instance.id"), index=True, default=None
    )
    # The unit's answer: who, when, its reasons; the package sent on to the appeal body.
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    assessment: Mapped[str] = mapped_column(String, default="")
    forwarded_to: Mapped[str] = mapped_column(String(200), default="")
    package: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("instance.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_open(self) -> bool:
        """True while the unit has not answered (received or in review)."""
        return self.status in OPEN_APPEAL


Index(
    "uq_appeal_open",
    Appeal.instance_id,
    unique=True,
    sqlite_where=Appeal.status.in_(OPEN_APPEAL),
    postgresql_where=Appeal.status.in_(OPEN_APPEAL),
)


# --- archive hand-over (issue 15) -----------------------------------------------------
class ArchiveHandover(Base):
    """A finished case's hand-over to the archive: claimed, tried, done (once per case).

    The worker (designer.worker.archive) inserts the row to claim a case, so two workers
    never hand the same case over; `external_key` ("<system>:<case no>") is what the
    archive adapter is idempotent by.
    """

    __tablename__ = "archive_handover"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_key", name="uq_archive_handover_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), unique=True)
    external_key: Mapped[str] = mapped_column(String(200))
    # pending (claimed or waiting for its next try) -> archived | failed (given up)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    error: Mapped[str | None] = mapped_column(String(1000), default=None)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


# --- sharing services between municipalities (issue 16) --------------------------------
class SharedService(Base):
    """A service a municipality offers to the others (*Del med andre kommuner*).

    What is shared is the origin's published versions (never its cases, users or figures);
    the shared catalogue shows the latest. `active` False: withdrawn from the catalogue
    (adopters keep what they have).
    """

    __tablename__ = "shared_service"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)  # the origin
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id"), unique=True)
    licence: Mapped[str] = mapped_column(String(100), default="NLOD-2.0")
    note: Mapped[str] = mapped_column(String, default="")  # for adopters, from the origin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    shared_by: Mapped[str] = mapped_column(String(100))
    shared_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Adoption(Base):
    """A municipality's service adopted from a shared one (*Ta i bruk*), and how it follows.

    `origin_version` is the origin's version number the adopter's service is on;
    `group_map` maps the origin's groups to the adopter's; `status` is "following" (updates
    are offered) or "copy" (the adopter edited the diagram: no more updates).
    """

    __tablename__ = "adoption"
    __table_args__ = (UniqueConstraint("model_id", name="uq_adoption_model"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)  # adopter
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id"))  # adopter's own
    shared_id: Mapped[int] = mapped_column(ForeignKey("shared_service.id"), index=True)
    origin_version: Mapped[int] = mapped_column(Integer)
    group_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="following")
    adopted_by: Mapped[str] = mapped_column(String(100))
    adopted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- subscriptions, case lists' data and recurring work (issue 18) ----------------------
from datetime import date  # noqa: E402

from sqlalchemy import Date  # noqa: E402


class Subscription(Base):
    """A standing order a decision granted (e.g. meals delivered on fixed weekdays).

    `plan` is the standing week: {weekday "0".."6": {"quantity", "choice"}} for the delivery
    `weekdays`; a change to one day is a `SubscriptionDay`. `attributes` are the case data the
    lists show (size, diet, allergies, address, access notes, route, stop, income tier ...).
    """

    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_service", "tenant_id", "model_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    model_id: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), unique=True)
    case_no: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(100), index=True)  # the citizen's actor
    name: Mapped[str] = mapped_column(String(200), default="")  # who receives it
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | ended
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __mapper_args__ = {"version_id_col": version}


class SubscriptionDay(Base):
    """One delivery day changed from the standing week: another order, a pause, or a late
    cancellation (not delivered, but charged)."""

    __tablename__ = "subscription_day"
    __table_args__ = (
        UniqueConstraint("subscription_id", "day", name="uq_subscription_day"),
        Index("ix_subscription_day_day", "tenant_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    choice: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(20), default="order")  # order|pause|late_cancel
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100), default="")


class MenuDay(Base):
    """What can be chosen on one day of a service (a kitchen's menu), entered by staff."""

    __tablename__ = "menu_day"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    model_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    choices: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # choice key -> text
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. the dessert of the day
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Invoice(Base):
    """One subscription's invoice for one period, made by a recurring run; handed to the
    invoice adapter by the worker. One per subscription and period (idempotent)."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period", name="uq_invoice_period"),
        Index("ix_invoice_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    model_id: Mapped[int] = mapped_column(Integer)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    reference: Mapped[str] = mapped_column(String(60))  # case number and period
    recipient: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # ready | sending (claimed by a worker until next_attempt_at) | sent | failed | no_price
    status: Mapped[str] = mapped_column(String(20), default="ready")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class RecurringRun(Base):
    """One period's run of a service's recurring work (e.g. the monthly invoicing)."""

    __tablename__ = "recurring_run"
    __table_args__ = (
        UniqueConstraint("tenant_id", "model_id", "work", "period", name="uq_recurring_run"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    model_id: Mapped[int] = mapped_column(Integer)
    work: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="done")
    count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

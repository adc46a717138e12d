"""Database tables (SQLModel), and row <-> domain. Request bodies are in `bodies`.

No `from __future__ import annotations` here: SQLModel reads the annotations
at class creation. Times are stored as naive UTC and come back aware.
"""

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .columns import UTCDateTime
from .columns import json_column as _json
from .columns import time_column as _time
from .domain import ACTIVE_STATUSES, Entry, Lane
from .protocol import WindowState

_ACTIVE_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(ACTIVE_STATUSES)))

# ---------------------------------------------------------------- tables


class HallRow(SQLModel, table=True):
    __tablename__ = "hall"
    id: str = Field(primary_key=True, max_length=32)
    name: str
    timezone: str
    services: list[str] | None = _json()  # the enabled subset; None = whole catalogue
    policy: dict[str, int] | None = _json()
    hours: dict[str, Any] | None = _json()  # {"weekly": {...}, "closed_dates": [...]}
    announcement: str = Field(default="", sa_column_kwargs={"server_default": ""})  # the lobby line
    # Per-item settings of this hall over the catalogue's: {code: {field: value}}.
    catalogue: dict[str, Any] | None = _json()
    # 专项服务: temporary green channels, extra sessions, today's extension.
    specials: dict[str, Any] | None = _json()
    # 好差评 settings: {"reasons": [...]} (the tags a 差评 may pick).
    feedback: dict[str, Any] | None = _json()
    seq: int = 0  # last event sequence number of this hall
    created_at: datetime = _time(nullable=False)


class WindowRow(SQLModel, table=True):
    __tablename__ = "window"
    hall_id: str = Field(primary_key=True, foreign_key="hall.id")
    number: int = Field(primary_key=True)
    label: str
    accepts_all: bool = True
    services: list[str] | None = _json()
    categories: list[str] | None = _json()
    lane: str = Lane.STANDARD.value
    state: str = WindowState.CLOSED.value
    ticket_id: str | None = None
    state_since: datetime | None = _time()
    version: int = 0


class TicketRow(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("hall_id", "idem_key", name="uq_ticket_idem"),
        Index("ix_ticket_queue", "hall_id", "status"),
        Index("ix_ticket_day", "hall_id", "business_date"),
        # The board's last calls: newest first without sorting the day's tickets.
        Index("ix_ticket_calls", "hall_id", "business_date", "called_at"),
        # One active ticket per person and service: enforced by the database,
        # so two kiosks issuing at the same instant cannot both succeed.
        Index(
            "uq_ticket_person",
            "hall_id",
            "service",
            "id_hash",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
    )
    id: str = Field(primary_key=True, max_length=24)
    hall_id: str = Field(foreign_key="hall.id")
    business_date: date
    number: str
    service: str
    category: str
    priority: str
    status: str
    entry: str = Entry.WALK_IN.value
    arrived_at: datetime = _time(nullable=False)
    issued_at: datetime = _time(nullable=False)
    window: int | None = None
    directed_window: int | None = None
    first_called_at: datetime | None = _time()
    called_at: datetime | None = _time()
    started_at: datetime | None = _time()
    finished_at: datetime | None = _time()
    recalls: int = 0
    outcome: str | None = None
    parent_id: str | None = None
    appointment_at: datetime | None = _time()
    appointment_code: str | None = None
    transferred_to: str | None = None
    id_hash: str | None = None
    id_masked: str | None = None
    idem_key: str | None = None
    issued_by: str | None = None
    note: str | None = None  # a 导办 pre-check note for the clerk (no personal data)
    version: int = 0
    # The citizen's side (issue 16). The 办事指引 answers the holder gave, for
    # the clerk ({question id: answer id}).
    answers: dict[str, Any] | None = _json()
    # 线上取号: a place taken from a phone is called only once its holder has
    # checked in; one passed over while away keeps its place from `passed_at`
    # for the hall's grace time.
    remote: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    checked_in_at: datetime | None = _time()
    passed_at: datetime | None = _time()
    # A green-channel group no ID number shows, claimed at the kiosk: "claimed"
    # until the clerk marks it "confirmed" or "removed".
    green_check: str | None = Field(default=None, max_length=16)
    # Text reminders the holder opted into: the verified phone sealed
    # (`sealed`), the "N ahead" to warn at, and the last reminder sent.
    phone_enc: str | None = None
    remind_ahead: int | None = None
    reminded: str | None = Field(default=None, max_length=16)
    # Why its last call chose it (protocol.CallReason): the board and the
    # holder's page show the neutral line for it.
    call_reason: str | None = Field(default=None, max_length=16)


class TransitionRow(SQLModel, table=True):
    """Append-only record of every ticket transition."""

    __tablename__ = "transition"
    id: int | None = Field(default=None, primary_key=True)
    hall_id: str = Field(index=True)
    ticket_id: str = Field(index=True)
    action: str
    from_status: str | None
    to_status: str
    at: datetime = _time(nullable=False)
    window: int | None = None
    actor: str
    # A call's reason (protocol.CallReason), how many tickets the window could
    # have called that arrived earlier and still waited, and when the first of
    # them arrived (call_reasons.CallWhy). None on every other step.
    reason: str | None = Field(default=None, max_length=16)
    passed: int | None = None
    passed_since: datetime | None = _time()


class EventRow(SQLModel, table=True):
    """The hall's feed: one row per change, seq grows by one per hall."""

    __tablename__ = "event"
    hall_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    type: str
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    ticket_id: str | None = None  # for catch-up queries; not part of the feed
    at: datetime = _time(nullable=False)


class TokenRow(SQLModel, table=True):
    __tablename__ = "token"
    id: str = Field(primary_key=True, max_length=16)
    token_hash: str = Field(unique=True)
    role: str
    hall_id: str | None = None
    window: int | None = None
    label: str = ""
    created_at: datetime = _time(nullable=False)
    expires_at: datetime | None = _time()  # None: until revoked
    revoked_at: datetime | None = _time()
    # A one-time link hands the credential to its device: the link's secret
    # (hashed) until it is opened, and the secret of the token is made then.
    claim_hash: str | None = Field(default=None, max_length=64, index=True)
    claim_expires_at: datetime | None = _time()


class StaffRow(SQLModel, table=True):
    """A member of a hall's staff who signs in with a password (argon2 hash only).
    The name is personal data: shown to the hall's admins and supervisors, never logged."""

    __tablename__ = "staff"
    hall_id: str = Field(primary_key=True, foreign_key="hall.id", max_length=32)
    staff_no: str = Field(primary_key=True, max_length=20)  # 工号
    name: str = Field(max_length=40)
    role: str  # clerk, supervisor, admin
    password_hash: str
    active: bool = True
    failed_logins: int = 0  # since the last success or lock
    locked_until: datetime | None = _time()
    created_at: datetime = _time(nullable=False)


class StaffSessionRow(SQLModel, table=True):
    """A signed-in staff member: only the SHA-256 of the cookie's secret is kept,
    and deleting the row ends the session at once (logout, deactivation)."""

    __tablename__ = "staff_session"
    __table_args__ = (Index("ix_staff_session_member", "hall_id", "staff_no"),)
    token_hash: str = Field(primary_key=True, max_length=64)
    hall_id: str = Field(max_length=32)
    staff_no: str = Field(max_length=20)
    expires_at: datetime = _time(nullable=False)
    created_at: datetime = _time(nullable=False)
    # The window the session is signed in at, if any: the session then acts as it.
    window: int | None = None


class DeviceRow(SQLModel, table=True):
    """The last reported state of a hall device (a ticket machine's printer)."""

    __tablename__ = "device"
    token_id: str = Field(primary_key=True, max_length=16)
    hall_id: str = Field(index=True)
    label: str = ""
    state: str
    detail: str | None = None
    since: datetime = _time(nullable=False)
    seen_at: datetime | None = _time()  # the last heartbeat or report


class RatingRow(SQLModel, table=True):
    """The visitor's grade (1 非常不满意 … 5 非常满意) of one served ticket, with
    its 办件 record: the service, window and 工号 that served it."""

    __tablename__ = "rating"
    ticket_id: str = Field(primary_key=True)
    hall_id: str = Field(index=True)
    business_date: date
    window: int | None
    score: int
    comment: str | None = None
    at: datetime = _time(nullable=False)
    # Added by 0007 (nullable, so older ratings take them).
    reasons: list[str] | None = _json()
    source: str | None = None  # evaluator, phone, kiosk, sms
    service: str | None = None
    staff_no: str | None = None
    phone_enc: str | None = None  # the call-back phone, sealed (`sealed`)
    phone_masked: str | None = None
    changed_at: datetime | None = _time()  # the last change, within the grace time


class CounterRow(SQLModel, table=True):
    """Ticket number sequences, per hall, business day and prefix."""

    __tablename__ = "counter"
    hall_id: str = Field(primary_key=True)
    business_date: date = Field(primary_key=True)
    prefix: str = Field(primary_key=True)
    value: int = 0


class AlertRow(SQLModel, table=True):
    """An alert raised once: (hall, kind, key) is unique, so two runs raise it once."""

    __tablename__ = "alert"
    hall_id: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    business_date: date
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    at: datetime = _time(nullable=False)

    @property
    def public_id(self) -> str:
        """The alert's id in the API: its day, then a digest of (kind, key).

        The key of an over-wait alert is a ticket id, the holder's secret: only a
        short digest of it leaves the server. The day lets a lookup stay inside
        one business day's alerts."""
        digest = hashlib.sha256(f"{self.kind}:{self.key}".encode()).hexdigest()[:12]
        return f"{self.business_date:%Y%m%d}-{digest}"


class AlertAckRow(SQLModel, table=True):
    """A supervisor acknowledged an alert (once): who and when."""

    __tablename__ = "alert_ack"
    hall_id: str = Field(primary_key=True)
    alert_id: str = Field(primary_key=True)  # AlertRow.public_id
    by: str  # the principal's actor (role, token id, hall)
    by_label: str  # the token's label, as the console shows it
    at: datetime = _time(nullable=False)


class DayReportRow(SQLModel, table=True):
    """The day's figures, frozen at closing."""

    __tablename__ = "day_report"
    hall_id: str = Field(primary_key=True)
    business_date: date = Field(primary_key=True)
    figures: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    at: datetime = _time(nullable=False)


class FigureSnapshotRow(SQLModel, table=True):
    """The hall's live figures every few minutes, for the supervisor's charts."""

    __tablename__ = "figure_snapshot"
    hall_id: str = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    business_date: date = Field(index=True)
    waiting: int
    in_progress: int
    served: int
    mean_wait_s: int | None = None
    open_windows: int


class AppointmentRow(SQLModel, table=True):
    """A booking (预约). The name is kept for the clerk; the ID number only hashed
    and masked, the phone only masked."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_slot", "hall_id", "service", "slot_start"),
        Index("ix_appointment_person", "id_hash", "business_date"),
    )
    code: str = Field(primary_key=True, max_length=16)
    hall_id: str = Field(foreign_key="hall.id")
    service: str
    business_date: date
    slot_start: datetime = _time(nullable=False)
    slot_end: datetime = _time(nullable=False)
    name: str
    id_hash: str
    id_masked: str
    phone_masked: str
    priority: str  # the age class the ID number gave, for the ticket at check-in
    form: dict[str, Any] | None = _json()
    answers: dict[str, Any] | None = _json()  # the 办事指引 answers, for the clerk
    status: str  # booked, checked_in, late, cancelled, no_show
    ticket_id: str | None = None
    created_at: datetime = _time(nullable=False)
    # Added later (nullable, so older databases take them): the document the
    # booker identified with (None: a resident ID), and the keyed hash of the
    # verified phone, so missed bookings count against the ID and phone that
    # made them, not against whoever holds the ID.
    document_type: str | None = None
    phone_hash: str | None = None
    # The verified phone, sealed (`sealed`), for the 短信评价 link after the service.
    phone_enc: str | None = None


class PendingBookingRow(SQLModel, table=True):
    """A booking waiting for its phone to answer a one-time code. Short-lived:
    it holds no ID number or phone, only what the booking will keep, and the
    code as a keyed hash."""

    __tablename__ = "pending_booking"
    id: str = Field(primary_key=True, max_length=40)
    hall_id: str = Field(foreign_key="hall.id")
    service: str
    slot_start: datetime = _time(nullable=False)
    name: str
    document_type: str
    id_hash: str
    id_masked: str
    phone_hash: str
    phone_masked: str
    phone_enc: str | None = None
    priority: str
    form: dict[str, Any] | None = _json()
    answers: dict[str, Any] | None = _json()
    code_hash: str
    tries: int = 0
    expires_at: datetime = _time(nullable=False)


class BookingBanRow(SQLModel, table=True):
    """A person who missed too many bookings may not book until `until`."""

    __tablename__ = "booking_ban"
    id_hash: str = Field(primary_key=True)
    until: datetime = _time(nullable=False)
    strikes: int


class AuditRow(SQLModel, table=True):
    """One change made by a person or a token: who, when, what, before and after.
    Written in the transaction of the change; never an ID number or a phone."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_hall_at", "hall_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    hall_id: str | None = Field(default=None, max_length=32)  # None: server-wide
    at: datetime = _time(nullable=False)
    actor: str
    action: str = Field(max_length=40)
    target: str = Field(default="", max_length=80)
    before: dict[str, Any] | None = _json()
    after: dict[str, Any] | None = _json()


class MetaRow(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str

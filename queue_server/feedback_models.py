"""The 好差评 tables: cases, 容缺受理 follow-ups, and the outbox with its
delivery log. No `from __future__ import annotations` (SQLModel reads them)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from .columns import json_column, time_column


class CaseRow(SQLModel, table=True):
    """A 差评 or 「办不成事」 case: opened, verified, rectified, called back,
    closed (or dismissed as 不实). `steps` is its whole record, newest last."""

    __tablename__ = "feedback_case"
    __table_args__ = (Index("ix_case_hall_status", "hall_id", "status"),)
    id: str = Field(primary_key=True, max_length=16)
    hall_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # bad_rating, not_done
    source: str = Field(max_length=16)  # evaluator, phone, kiosk, sms, staff
    ticket_id: str | None = Field(default=None, index=True)
    number: str | None = None
    service: str | None = None
    window: int | None = None
    staff_no: str | None = None
    grade: int | None = None
    reasons: list[str] | None = json_column()
    comment: str | None = None
    phone_enc: str | None = None
    phone_masked: str | None = None
    status: str = Field(max_length=16)
    opened_at: datetime = time_column(nullable=False)
    due_date: date
    assignee: str | None = None  # the supervisor's 工号; None: the hall's supervisors
    closed_at: datetime | None = time_column()
    steps: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    version: int = 0


class FollowupRow(SQLModel, table=True):
    """容缺受理: a matter accepted with non-essential materials missing, due by
    `due_date`; closed when they arrive."""

    __tablename__ = "followup"
    __table_args__ = (Index("ix_followup_hall_open", "hall_id", "closed_at"),)
    ticket_id: str = Field(primary_key=True)
    hall_id: str = Field(max_length=32)
    number: str
    service: str
    window: int | None = None
    staff_no: str | None = None
    id_hash: str | None = None
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due_date: date
    opened_at: datetime = time_column(nullable=False)
    reminded_at: datetime | None = time_column()
    closed_at: datetime | None = time_column()
    closed_by: str | None = None


class OutboxRow(SQLModel, table=True):
    """A message to send outside (the provincial platform, a text message),
    written in the transaction of what it reports; sent at least once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "next_at"),)
    id: int | None = Field(default=None, primary_key=True)
    hall_id: str = Field(max_length=32)
    channel: str = Field(max_length=16)  # province, sms
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = time_column(nullable=False)
    next_at: datetime = time_column(nullable=False)
    attempts: int = 0
    delivered_at: datetime | None = time_column()
    gave_up_at: datetime | None = time_column()
    last_error: str | None = None


class DeliveryRow(SQLModel, table=True):
    """One attempt to send an outbox message: the delivery log."""

    __tablename__ = "outbox_delivery"
    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(index=True)
    hall_id: str = Field(max_length=32, index=True)
    at: datetime = time_column(nullable=False)
    ok: bool
    status: int | None = None
    detail: str = ""
    ms: int = 0

"""The citizen's side (issue 16): phone challenges and home visits.
No `from __future__ import annotations` (SQLModel reads them)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .columns import json_column, time_column


class PhoneChallengeRow(SQLModel, table=True):
    """A one-time code sent to a phone before something is done for it: a
    booking moved or cancelled, a remote place taken, text reminders switched
    on. Short-lived; holds the code and the phone as keyed hashes only."""

    __tablename__ = "phone_challenge"
    id: str = Field(primary_key=True, max_length=40)
    hall_id: str = Field(max_length=32)
    purpose: str = Field(max_length=16)  # move, cancel, remote, remind, visit
    subject: str | None = Field(default=None, max_length=40)  # a booking code, a ticket id
    payload: dict[str, Any] | None = json_column()  # what is done once the code answers
    phone_hash: str
    phone_enc: str | None = None  # sealed, when what follows texts the phone
    code_hash: str
    tries: int = 0
    expires_at: datetime = time_column(nullable=False)


class HomeVisitRow(SQLModel, table=True):
    """送服务上门: a request for a home visit (a person who cannot come, or a
    company with many staff), accepted, scheduled, assigned, then recorded
    like a served ticket (`ticket_id`). The contact's name, phone and address
    are personal data: the name and phone masked, phone and address sealed."""

    __tablename__ = "home_visit"
    __table_args__ = (Index("ix_home_visit_hall_status", "hall_id", "status"),)
    id: str = Field(primary_key=True, max_length=16)
    hall_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # person, company
    service: str = Field(max_length=40)
    reason: str = Field(max_length=16)  # mobility, illness, company, other
    people: int = 1
    contact_masked: str
    phone_masked: str
    phone_hash: str
    phone_enc: str
    address_enc: str
    wanted_date: date
    note: str | None = None
    status: str = Field(max_length=16)  # requested, scheduled, done, declined, cancelled
    scheduled_at: datetime | None = time_column()
    staff_no: str | None = Field(default=None, max_length=20)
    ticket_id: str | None = None
    steps: list[dict[str, Any]] | None = json_column()  # who did what, when
    created_at: datetime = time_column(nullable=False)
    version: int = 0

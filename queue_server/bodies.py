"""Request bodies (pydantic): what each route accepts, checked before any use case runs.

Unknown fields are refused, strings stripped, and times kept within a range
the arithmetic downstream can take.
"""

import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField

from .domain import Lane, PriorityClass
from .identity import DocumentType

MAX_TTL_S = 10 * 366 * 86_400  # ten years
NOTE_MAX = 200  # a 导办 note: a line or two for the clerk, not a file
_AnswerId = Annotated[str, PydanticField(min_length=1, max_length=24)]
# 办事指引 answers, {question id: option id}: a tree has at most 20 questions.
Answers = Annotated[dict[_AnswerId, _AnswerId], PydanticField(max_length=20)]


def readable(name: str) -> str:
    """A person's name as the clerk's screen shows it: control and format
    characters dropped (a right-to-left override would show it reversed, a line
    break split it, zero-width ones hide nothing), and something left."""
    kept = "".join(
        c for c in name if unicodedata.category(c)[0] != "C" and c not in "\u2028\u2029"
    ).strip()
    if not kept:
        raise ValueError("a name of visible characters, please")
    return kept


Readable = AfterValidator(readable)  # on a person's name field


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _times_in_range(cls, value: Any) -> Any:
        """A time far from now (year 1 at +14:00) breaks arithmetic and zone
        conversions downstream: refuse it here, where the field is named."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            try:
                in_range = EARLIEST <= value <= LATEST
            except OverflowError:
                in_range = False
            if not in_range:
                raise ValueError("a time between 1970 and 2200, please")
        return value


class HallIn(Body):
    id: str = PydanticField(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = PydanticField(min_length=1, max_length=100)
    timezone: str | None = PydanticField(default=None, max_length=64)  # IANA names are short
    services: list[str] | None = PydanticField(default=None, max_length=500)


class WindowIn(Body):
    label: str = PydanticField(min_length=1, max_length=40)
    services: list[str] | Literal["all"] | None = None
    categories: list[str] | None = None
    lane: Lane = Lane.STANDARD


class TokenIn(Body):
    role: Literal["kiosk", "window", "display", "supervisor", "admin"]
    hall: str | None = PydanticField(default=None, max_length=32)
    window: int | None = PydanticField(default=None, ge=1, le=999)
    label: str = PydanticField(default="", max_length=60)
    # A lifetime: `ttl_s` seconds from now, or until `expires_at`; neither: until revoked.
    ttl_s: int | None = PydanticField(default=None, ge=60, le=MAX_TTL_S)
    expires_at: AwareDatetime | None = None


class DeviceIn(Body):
    """A device credential handed over by a one-time link: a kiosk, the lobby
    display (or with `window`, the screen above that window), an evaluator."""

    role: Literal["kiosk", "display", "evaluator"]
    label: str = PydanticField(min_length=1, max_length=60)
    window: int | None = PydanticField(default=None, ge=1, le=999)
    expires_in_days: int | None = PydanticField(default=None, ge=1, le=3650)


class TicketIn(Body):
    service: str = PydanticField(min_length=1, max_length=40)
    priority: PriorityClass | None = None
    document_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str | None = PydanticField(default=None, max_length=40)
    # 导办 only: a pre-check note (资料预审) the clerk sees; checked for ID numbers and phones.
    note: str | None = PydanticField(default=None, max_length=NOTE_MAX)
    special: str | None = PydanticField(default=None, max_length=16)  # a temporary green channel
    # A green-channel group no ID number shows ("现役军人"), by its id in the
    # hall's declared groups; the clerk confirms it at the window.
    declared: str | None = PydanticField(default=None, max_length=16)
    answers: Answers | None = None  # 办事指引: checked against the item's tree


class WebhookIn(Body):
    """A webhook subscription: where to POST, which events (webhooks.EVENT_TYPES)."""

    url: str = PydanticField(min_length=1, max_length=500)
    events: list[Annotated[str, PydanticField(max_length=40)]] = PydanticField(
        min_length=1, max_length=40
    )
    description: str = PydanticField(default="", max_length=60)


class GreenChannelIn(Body):
    """A temporary green channel (专项服务): a group, its items, a date range."""

    group_label: str = PydanticField(min_length=1, max_length=20)
    services: list[Annotated[str, PydanticField(max_length=40)]] = PydanticField(
        min_length=1, max_length=50
    )
    from_: date = PydanticField(alias="from")
    to: date


class DeclaredGroupIn(Body):
    """A green-channel group the hall accepts on the visitor's word, checked at the window."""

    id: str = PydanticField(pattern=r"^[a-z][a-z0-9_-]{0,15}$")
    label: str = PydanticField(min_length=1, max_length=20)
    priority: Literal["military", "talent", "disability", "other"]


class DeclaredGroupsIn(Body):
    groups: list[DeclaredGroupIn] = PydanticField(max_length=20)


class CallIn(Body):
    ticket: str = PydanticField(min_length=1, max_length=40)  # a ticket id or its number


Material = Annotated[str, PydanticField(min_length=1, max_length=120)]


class FinishIn(Body):
    outcome: str | None = PydanticField(default=None, max_length=40)
    # 容缺受理 only: the non-essential materials still missing, and when they are due.
    missing: list[Material] = PydanticField(default_factory=list, max_length=20)
    due: date | None = None


class FollowupCloseIn(Body):
    note: str | None = PydanticField(default=None, max_length=200)


class TransferIn(Body):
    service: str | None = PydanticField(default=None, max_length=40)
    window: int | None = PydanticField(default=None, ge=1, le=999)


class TicketRefIn(Body):
    ticket: str = PydanticField(min_length=1, max_length=40)


class StrictBody(Body):
    """A body whose numbers are JSON numbers and switches true or false (the
    settings, a rating): "5" or true for a count is refused, not quietly
    turned into 5 or 1."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


# A reason is a short tag on one line (the console edits the list one per line).
Reason = Annotated[str, PydanticField(min_length=1, max_length=20, pattern=r"^[^\x00-\x1f\x7f]+$")]


class GreenCheckIn(StrictBody):
    """The clerk's verdict on a claimed green channel: true confirms, false removes."""

    confirm: bool


class RatingIn(StrictBody):
    """5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; a bad grade (1, 2)
    names its reasons and may leave a phone for the call-back (回访)."""

    score: int = PydanticField(ge=1, le=5)
    reasons: list[Reason] = PydanticField(default_factory=list, max_length=10)
    comment: str | None = PydanticField(default=None, max_length=500)
    callback_phone: str | None = PydanticField(default=None, max_length=24)
    via: Literal["sms"] | None = None  # the 短信评价 link's page says so


class DeviceStatusIn(Body):
    state: Literal["ok", "offline", "paper_low", "paper_out", "cover_open", "error"]
    detail: str | None = PydanticField(default=None, max_length=200)


REMIND_AHEAD_MAX = 10  # "N ahead" for reminders: the holder's choices are 1 … this


class TradeoffIn(StrictBody):
    """A hall's trade-off in plain words (`tradeoff.PHRASES`); minutes where it takes them."""

    phrase: str = PydanticField(max_length=40)
    minutes: int | None = None  # checked by `tradeoff.settings`, with a message


class PolicyIn(StrictBody):
    green_boost_s: int | None = PydanticField(default=None, ge=0, le=86_400)
    appointment_boost_s: int | None = PydanticField(default=None, ge=0, le=86_400)
    transfer_boost_s: int | None = PydanticField(default=None, ge=0, le=86_400)
    return_boost_s: int | None = PydanticField(default=None, ge=0, le=864_000)
    target_boost_s_per_min: int | None = PydanticField(default=None, ge=0, le=600)
    green_cap_min: int | None = PydanticField(default=None, ge=0, le=120)
    green_calm_cap_min: int | None = PydanticField(default=None, ge=0, le=120)
    green_busy_cap_min: int | None = PydanticField(default=None, ge=0, le=120)
    max_recalls: int | None = PydanticField(default=None, ge=0, le=10)
    no_show_after_s: int | None = PydanticField(default=None, ge=10, le=3600)
    queue_alert_length: int | None = PydanticField(default=None, ge=1, le=10_000)
    slot_minutes: int | None = PydanticField(default=None, ge=5, le=240)
    appointment_share_pct: int | None = PydanticField(default=None, ge=0, le=100)
    checkin_early_min: int | None = PydanticField(default=None, ge=0, le=120)
    checkin_grace_min: int | None = PydanticField(default=None, ge=0, le=120)
    noshow_strikes: int | None = PydanticField(default=None, ge=1, le=100)
    strike_days: int | None = PydanticField(default=None, ge=1, le=3650)
    ban_days: int | None = PydanticField(default=None, ge=0, le=3650)
    booking_horizon_days: int | None = PydanticField(default=None, ge=0, le=365)
    window_shows_staff: int | None = PydanticField(default=None, ge=0, le=1)
    case_due_days: int | None = PydanticField(default=None, ge=1, le=60)
    case_warn_days: int | None = PydanticField(default=None, ge=0, le=30)
    rating_change_min: int | None = PydanticField(default=None, ge=0, le=1440)
    rating_sms: int | None = PydanticField(default=None, ge=0, le=1)
    repeat_visit_days: int | None = PydanticField(default=None, ge=1, le=365)
    followup_remind_days: int | None = PydanticField(default=None, ge=0, le=30)
    remote_share_pct: int | None = PydanticField(default=None, ge=0, le=100)
    remote_grace_min: int | None = PydanticField(default=None, ge=0, le=240)
    visit_horizon_days: int | None = PydanticField(default=None, ge=1, le=365)
    visit_company_min: int | None = PydanticField(default=None, ge=1, le=500)
    remind_ahead: int | None = PydanticField(default=None, ge=1, le=REMIND_AHEAD_MAX)
    retention_days: int | None = PydanticField(default=None, ge=7, le=3650)


class CatalogueItemIn(StrictBody):
    """A hall's own settings of one item; a field left out stays as it is, a
    field sent as null goes back to the catalogue's value."""

    enabled: bool | None = None
    target_wait_minutes: int | None = PydanticField(default=None, ge=1, le=480)
    minutes: int | None = PydanticField(default=None, ge=1, le=480)
    walk_in: bool | None = None
    slot_capacity: int | None = PydanticField(default=None, ge=0, le=1000)
    materials: list[Material] | None = PydanticField(default=None, max_length=40)
    remote: bool | None = None
    # The hall's own 办事指引 tree (checked by guide_trees), or false: none here.
    guide: dict[str, Any] | Literal[False] | None = None


class HoursIn(Body):
    weekly: dict[str, list[list[str]]] = PydanticField(default_factory=dict)
    closed_dates: list[str] = PydanticField(default_factory=list, max_length=1000)
    holidays: Literal["cn"] | None = None  # "cn": closed on 法定节假日, open on 调休 days


class HallPatchIn(Body):
    name: str | None = PydanticField(default=None, min_length=1, max_length=100)
    timezone: str | None = PydanticField(default=None, min_length=1, max_length=64)
    # The lobby line; longer text is refused here, the cleaned line capped by the use case.
    announcement: str | None = PydanticField(default=None, max_length=1000)
    address: str | None = PydanticField(default=None, max_length=200)  # for bookings' calendars


class ExtraSessionIn(Body):
    date: str = PydanticField(max_length=10)
    start: str = PydanticField(max_length=5)
    end: str = PydanticField(max_length=5)
    services: list[str] | None = PydanticField(default=None, max_length=200)  # None: all
    label: str = PydanticField(default="", max_length=40)


class ExtraSessionsIn(Body):
    sessions: list[ExtraSessionIn] = PydanticField(max_length=100)


class ExtendIn(Body):
    until: str = PydanticField(max_length=5)  # "18:30", today in the hall's zone


FormValue = Annotated[str, PydanticField(max_length=200)] | Annotated[int, PydanticField(ge=0)]


class AppointmentIn(Body):
    service: str = PydanticField(min_length=1, max_length=40)
    slot: datetime  # the slot's start, as GET /slots lists it
    name: Annotated[str, PydanticField(min_length=1, max_length=60), Readable]
    document_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str = PydanticField(min_length=1, max_length=40)
    phone: str = PydanticField(pattern=r"^\+?[0-9 -]{7,20}$")
    # checked against the service's fields (catalogue.json); bounded here first
    form: dict[Annotated[str, PydanticField(max_length=40)], FormValue] | None = PydanticField(
        default=None, max_length=20
    )
    answers: Answers | None = None  # 办事指引: checked against the item's tree


class ReminderIn(StrictBody):
    """Text reminders for a ticket: to `phone` (a code proves it), or without one
    to the phone its booking verified."""

    phone: str | None = PydanticField(default=None, min_length=1, max_length=20)
    ahead: int = PydanticField(ge=1, le=REMIND_AHEAD_MAX)


class ReminderConfirmIn(Body):
    challenge: str = PydanticField(min_length=1, max_length=40)
    code: str = PydanticField(min_length=1, max_length=10)


class ConfirmIn(Body):
    pending_id: str = PydanticField(min_length=1, max_length=40)
    code: str = PydanticField(min_length=1, max_length=10)


class ChallengeIn(Body):
    """What a code to the booking's phone is asked for."""

    purpose: Literal["cancel", "move"]


class CancelIn(Body):
    """The booking phone's code (a booking made without a phone takes none)."""

    challenge: str | None = PydanticField(default=None, max_length=40)
    code: str | None = PydanticField(default=None, max_length=10)


class MoveIn(Body):
    slot: datetime  # the new slot's start, as GET /slots lists it
    challenge: str = PydanticField(min_length=1, max_length=40)
    code: str = PydanticField(min_length=1, max_length=10)


class CheckInIn(Body):
    code: str | None = PydanticField(default=None, max_length=16)
    document_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str | None = PydanticField(default=None, max_length=40)


# 工号: visible ASCII but "/", as it is part of a path (…/staff/{staff_no}).
STAFF_NO = r"^[!-.0-~]{1,20}$"
# A city_admin (市级管理员) belongs to one hall's list but manages every hall.
StaffRole = Literal["clerk", "supervisor", "admin", "city_admin"]
# Bounded so that hashing stays cheap; the use case says what is too short.
Password = Annotated[str, PydanticField(max_length=128)]


class StaffIn(Body):
    staff_no: str = PydanticField(pattern=STAFF_NO)
    name: str = PydanticField(min_length=1, max_length=40)
    role: StaffRole
    password: Password


class StaffPatchIn(Body):
    name: str | None = PydanticField(default=None, min_length=1, max_length=40)
    role: StaffRole | None = None
    password: Password | None = None
    active: bool | None = None


class LoginIn(Body):
    hall: str = PydanticField(min_length=1, max_length=32)
    staff_no: str = PydanticField(min_length=1, max_length=20)
    password: Password


class RemoteTicketIn(Body):
    """线上取号: a place in today's queue from a phone (a code is texted first)."""

    service: str = PydanticField(min_length=1, max_length=40)
    phone: str = PydanticField(pattern=r"^\+?[0-9 -]{7,20}$")
    document_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str | None = PydanticField(default=None, max_length=40)


class RemoteConfirmIn(Body):
    challenge: str = PydanticField(min_length=1, max_length=40)
    code: str = PydanticField(min_length=1, max_length=10)


class DoorCheckInIn(Body):
    door: str = PydanticField(min_length=1, max_length=40)  # the code in the door's QR


class RemoteArrivalIn(Body):
    """At the ticket machine: the ticket's QR from the holder's page (its status
    address or id), the ID number the place was taken with, or today's number
    (A023) and then the code texted to the phone that took it."""

    ticket: str | None = PydanticField(default=None, max_length=200)
    number: str | None = PydanticField(default=None, max_length=12)
    challenge: str | None = PydanticField(default=None, max_length=40)
    code: str | None = PydanticField(default=None, max_length=10)
    document_type: DocumentType = DocumentType.RESIDENT_ID
    id_number: str | None = PydanticField(default=None, max_length=40)

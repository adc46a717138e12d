"""The booking lifecycle, pure: its transition table and the times each move
needs. Every case is a row in a table with a fixed `now`; no server, no mocks.
"""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from queue_server.appointments import (
    BOOKING_TRANSITIONS,
    Booking,
    BookingAction,
    BookingStatus,
    apply_booking,
    booking_status_zh,
    check_in_action,
    next_booking_status,
)
from queue_server.domain import Hall, Policy
from queue_server.errors import Conflict, InvalidTransition

B = BookingStatus
A = BookingAction

# Checking in opens 15 minutes before the slot; the grace period is 10 minutes.
HALL = Hall(id="h1", name="测试大厅", timezone="Asia/Shanghai", policy=Policy())
SLOT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Shanghai
DAY_BEFORE = datetime(2026, 11, 25, 15, 59, tzinfo=UTC)  # Wednesday 23:59
SAME_DAY = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # Thursday 00:00
EARLY = SLOT - timedelta(minutes=16)
OPENS = SLOT - timedelta(minutes=15)
GRACE_ENDS = SLOT + timedelta(minutes=10)
LATE = GRACE_ENDS + timedelta(seconds=1)

# The design, written out on its own: the table must say exactly this.
EXPECTED_MOVES = {
    (B.BOOKED, A.CHECK_IN): B.CHECKED_IN,
    (B.BOOKED, A.CHECK_IN_LATE): B.LATE,
    (B.BOOKED, A.CANCEL): B.CANCELLED,
    (B.BOOKED, A.MISS): B.NO_SHOW,
}

# The code each refused action answers with (the booking pages decide by it).
REFUSAL_CODES = {
    A.CANCEL: "appointment_not_cancellable",
    A.CHECK_IN: "appointment_not_active",
    A.CHECK_IN_LATE: "appointment_not_active",
    A.MISS: "invalid_transition",
}

# When each legal move is allowed: the booker cancels the day before, the
# visitor checks in inside the window or after it, the job marks a no-show late.
ALLOWED_AT = {A.CANCEL: DAY_BEFORE, A.CHECK_IN: SLOT, A.CHECK_IN_LATE: LATE, A.MISS: LATE}

ALL_PAIRS = list(itertools.product(BookingStatus, BookingAction))
IDS = [f"{s}-{a}" for s, a in ALL_PAIRS]


def booking(status: BookingStatus = B.BOOKED) -> Booking:
    return Booking(
        code="K7QX2M9P", business_date=date(2026, 11, 26), slot_start=SLOT, status=status
    )


def test_the_table_is_the_design() -> None:
    assert BOOKING_TRANSITIONS == EXPECTED_MOVES


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS, ids=IDS)
def test_next_booking_status_follows_the_table_or_refuses(
    status: BookingStatus, action: BookingAction
) -> None:
    expected = EXPECTED_MOVES.get((status, action))
    if expected is not None:
        assert next_booking_status(status, action) is expected
        return
    with pytest.raises(InvalidTransition) as refused:
        next_booking_status(status, action, code="K7QX2M9P")
    assert refused.value.code == REFUSAL_CODES[action]
    assert booking_status_zh(status) in str(refused.value)
    assert status.value in refused.value.en
    assert isinstance(refused.value, Conflict)  # 409: the state does not allow it


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS, ids=IDS)
def test_apply_booking_follows_the_table_or_refuses_changing_nothing(
    status: BookingStatus, action: BookingAction
) -> None:
    before = booking(status)
    expected = EXPECTED_MOVES.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as refused:
            apply_booking(before, action, hall=HALL, now=ALLOWED_AT[action])
        assert refused.value.code == REFUSAL_CODES[action]
    else:
        after = apply_booking(before, action, hall=HALL, now=ALLOWED_AT[action])
        assert after == booking(expected)
    assert before == booking(status)


@pytest.mark.parametrize(
    ("action", "message", "en"),
    [
        (
            A.CANCEL,
            "该预约已取消，不能取消",
            "this appointment is cancelled; it cannot be cancelled",
        ),
        (A.CHECK_IN, "预约K7QX2M9P已取消", "appointment K7QX2M9P is cancelled"),
        (A.CHECK_IN_LATE, "预约K7QX2M9P已取消", "appointment K7QX2M9P is cancelled"),
    ],
)
def test_refusals_keep_the_words_visitors_have_always_read(
    action: BookingAction, message: str, en: str
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        apply_booking(booking(B.CANCELLED), action, hall=HALL, now=ALLOWED_AT[action])
    assert (str(refused.value), refused.value.en) == (message, en)


def test_without_a_code_the_refusal_names_this_booking() -> None:
    with pytest.raises(InvalidTransition) as refused:
        next_booking_status(B.NO_SHOW, A.CHECK_IN)
    assert (str(refused.value), refused.value.en) == (
        "该预约已过期未到",
        "this appointment is no_show",
    )


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("action", "now", "code"),
    [
        (A.CANCEL, DAY_BEFORE, None),
        (A.CANCEL, SAME_DAY, "cancel_too_late"),
        (A.CANCEL, LATE, "cancel_too_late"),
        (A.CHECK_IN, EARLY, "checkin_too_early"),
        (A.CHECK_IN, OPENS, None),
        (A.CHECK_IN, GRACE_ENDS, None),
        (A.CHECK_IN, LATE, "checkin_timing"),
        (A.CHECK_IN_LATE, EARLY, "checkin_too_early"),
        (A.CHECK_IN_LATE, SLOT, "checkin_timing"),
        (A.CHECK_IN_LATE, LATE, None),
        (A.MISS, SLOT, "appointment_not_missed"),
        (A.MISS, GRACE_ENDS, "appointment_not_missed"),
        (A.MISS, LATE, None),
    ],
)
def test_each_move_has_its_time(action: BookingAction, now: datetime, code: str | None) -> None:
    if code is None:
        assert apply_booking(booking(), action, hall=HALL, now=now).status is not B.BOOKED
    else:
        with pytest.raises(InvalidTransition) as refused:
            apply_booking(booking(), action, hall=HALL, now=now)
        assert refused.value.code == code


def test_too_early_says_when_check_in_opens() -> None:
    with pytest.raises(InvalidTransition) as refused:
        apply_booking(booking(), A.CHECK_IN, hall=HALL, now=EARLY)
    assert str(refused.value) == "您预约的是10:00，签到从15分钟前开始，请稍后再来签到"
    assert refused.value.details == {"slot_start": "2026-11-26T10:00:00+08:00"}


def test_the_state_is_refused_before_the_time() -> None:
    """A cancelled booking checked in early hears that it is cancelled."""
    with pytest.raises(InvalidTransition) as refused:
        apply_booking(booking(B.CANCELLED), A.CHECK_IN, hall=HALL, now=EARLY)
    assert refused.value.code == "appointment_not_active"


@pytest.mark.parametrize(
    ("now", "action"),
    [(EARLY, A.CHECK_IN), (OPENS, A.CHECK_IN), (GRACE_ENDS, A.CHECK_IN), (LATE, A.CHECK_IN_LATE)],
)
def test_check_in_action_follows_the_arrival(now: datetime, action: BookingAction) -> None:
    assert check_in_action(HALL, SLOT, now) is action

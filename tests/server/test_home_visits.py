"""送服务上门: the home visit's lifecycle and checks, as pure functions."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_server.errors import Conflict, InvalidInput, NotFound
from queue_server.home_visits import (
    ENDED,
    MOVES,
    Mover,
    VisitAction,
    VisitKind,
    VisitReason,
    VisitRequest,
    VisitStatus,
    check_request,
    check_schedule,
    next_moves,
    next_status,
    visit_times,
)
from queue_server.hours import Hours, parse_hours
from queue_server.identity import mask_name

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)  # a Wednesday
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=ZONE)
S = VisitStatus
A = VisitAction

# (from, action, by) -> to; every other combination is refused.
ALLOWED = {
    (S.REQUESTED, A.SCHEDULE, Mover.HALL): S.SCHEDULED,
    (S.SCHEDULED, A.SCHEDULE, Mover.HALL): S.SCHEDULED,  # another time or member
    (S.SCHEDULED, A.DONE, Mover.HALL): S.DONE,
    (S.REQUESTED, A.DECLINE, Mover.HALL): S.DECLINED,
    (S.SCHEDULED, A.DECLINE, Mover.HALL): S.DECLINED,
    (S.REQUESTED, A.CANCEL, Mover.REQUESTER): S.CANCELLED,
    (S.SCHEDULED, A.CANCEL, Mover.REQUESTER): S.CANCELLED,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
@pytest.mark.parametrize("by", list(Mover))
def test_the_transition_table(status: S, action: A, by: Mover) -> None:
    wanted = ALLOWED.get((status, action, by))
    if wanted is not None:
        assert next_status(status, action, by) is wanted
        return
    with pytest.raises(Conflict) as refused:
        next_status(status, action, by)
    assert refused.value.code == "wrong_visit_state"


def test_an_ended_visit_moves_no_more_and_says_so() -> None:
    for status in ENDED:
        assert next_moves(status, Mover.HALL) == [] == next_moves(status, Mover.REQUESTER)
    with pytest.raises(Conflict) as refused:
        next_status(S.DONE, A.CANCEL, Mover.REQUESTER)
    assert "「已办结」" in str(refused.value) and "申请已结束" in str(refused.value)
    # The requester cannot schedule; the hall cannot cancel in the requester's name.
    assert next_moves(S.REQUESTED, Mover.REQUESTER) == [A.CANCEL]
    assert A.CANCEL not in next_moves(S.REQUESTED, Mover.HALL)
    assert set(MOVES) == set(A)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李", "李*"),
        (" 王五 ", "王*"),
        # a long name (a passport's) does not run off a phone's screen as a row of stars
        ("MUHAMMAD ABDULLAH BIN HASSAN AL-RASHID", "M***"),
    ],
)
def test_names_are_masked_to_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def request(**change: object) -> VisitRequest:
    fields: dict[str, object] = {
        "kind": VisitKind.PERSON,
        "service": "HZ-SFZ-HL",
        "reason": VisitReason.MOBILITY,
        "people": 1,
        "wanted_date": TODAY + timedelta(days=3),
    } | change
    return VisitRequest(**fields)  # type: ignore[arg-type]


def check(req: VisitRequest) -> None:
    check_request(req, today=TODAY, horizon_days=30, company_min=5, offered={"HZ-SFZ-HL"})


@pytest.mark.parametrize(
    "req",
    [
        request(),
        request(reason=VisitReason.ILLNESS, people=2),
        request(kind=VisitKind.COMPANY, reason=VisitReason.COMPANY, people=5),
        request(kind=VisitKind.COMPANY, reason=VisitReason.COMPANY, people=500),
        request(wanted_date=TODAY + timedelta(days=1)),
        request(wanted_date=TODAY + timedelta(days=30)),
    ],
)
def test_requests_that_pass(req: VisitRequest) -> None:
    check(req)


@pytest.mark.parametrize(
    ("req", "code"),
    [
        (request(kind=VisitKind.COMPANY), "visit_reason"),  # a company for mobility
        (request(reason=VisitReason.COMPANY), "visit_reason"),  # a person as a company
        (request(kind=VisitKind.COMPANY, reason=VisitReason.COMPANY, people=4), "visit_people"),
        (request(people=0), "visit_people"),
        (request(people=501), "visit_people"),
        (request(wanted_date=TODAY), "visit_date"),  # not today: the hall plans ahead
        (request(wanted_date=TODAY + timedelta(days=31)), "visit_date"),
    ],
)
def test_requests_refused(req: VisitRequest, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(req)
    assert refused.value.code == code


def test_an_item_the_hall_does_not_offer_is_refused() -> None:
    with pytest.raises(NotFound) as refused:
        check(request(service="CRJ-HZ-SC"))
    assert refused.value.code == "service_not_offered"


WORKING = [["09:00", "12:00"], ["14:00", "17:30"]]
WEEKDAYS = parse_hours({d: WORKING for d in ("mon", "tue", "wed", "thu", "fri")}, [])


def schedule(at: datetime, hours: Hours = WEEKDAYS, staff_no: str = "A001") -> None:
    check_schedule(
        at, hours, ZONE, now=NOW, horizon_days=30, staff_no=staff_no, staff={"A001", "S01"}
    )


def test_a_visit_goes_in_the_hall_s_working_hours_with_its_staff() -> None:
    schedule(datetime(2026, 11, 26, 14, 30, tzinfo=ZONE))
    schedule(datetime(2026, 11, 25, 10, 0, tzinfo=ZONE))  # later today
    schedule(datetime(2026, 11, 30, 9, 0, tzinfo=ZONE).astimezone(UTC))  # any offset
    for at in (
        datetime(2026, 11, 26, 12, 30, tzinfo=ZONE),  # the midday break
        datetime(2026, 11, 28, 10, 0, tzinfo=ZONE),  # Saturday
        datetime(2026, 11, 25, 9, 0, tzinfo=ZONE),  # already past
        datetime(2026, 12, 28, 10, 0, tzinfo=ZONE),  # beyond 30 days
    ):
        with pytest.raises(InvalidInput) as refused:
            schedule(at)
        assert refused.value.code == "visit_time", at
    with pytest.raises(InvalidInput) as stranger:
        schedule(datetime(2026, 11, 26, 14, 30, tzinfo=ZONE), staff_no="X9")
    assert stranger.value.code == "unknown_staff"


def test_a_hall_without_hours_sends_visits_on_working_days() -> None:
    schedule(datetime(2026, 11, 27, 20, 0, tzinfo=ZONE), hours=Hours())  # Friday evening
    with pytest.raises(InvalidInput):
        schedule(datetime(2026, 11, 29, 10, 0, tzinfo=ZONE), hours=Hours())  # Sunday


DAY_START = datetime.combine(TODAY, time(0), ZONE)


def times(
    scheduled: datetime, started: datetime | None = None, ended: datetime | None = None
) -> tuple[datetime, datetime]:
    return visit_times(scheduled, started, ended, now=NOW, day_start=DAY_START, minutes=20)


def test_a_visit_s_times_fall_on_today() -> None:
    eight = datetime(2026, 11, 25, 8, 0, tzinfo=ZONE)
    assert times(eight) == (eight, NOW)  # began when scheduled, ended when recorded
    yesterday = datetime(2026, 11, 24, 15, 0, tzinfo=ZONE)
    assert times(yesterday) == (NOW - timedelta(minutes=20), NOW)  # the item's usual length
    began, ended = eight + timedelta(minutes=10), eight + timedelta(minutes=50)
    assert times(eight, began, ended) == (began, ended)
    for wrong in ((ended, began), (yesterday, None), (began, NOW + timedelta(minutes=1))):
        with pytest.raises(InvalidInput) as refused:
            times(eight, *wrong)
        assert refused.value.code == "visit_times"

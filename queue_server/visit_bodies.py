"""Request bodies of 送服务上门 (home visits): the request, its phone code,
and the hall's moves."""

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Strict
from pydantic import Field as PydanticField

from .bodies import STAFF_NO, Body, Readable
from .home_visits import PEOPLE_MAX, VisitKind, VisitReason


class VisitIn(Body):
    kind: VisitKind
    service: str = PydanticField(min_length=1, max_length=40)
    reason: VisitReason
    people: Annotated[int, Strict()] = PydanticField(ge=1, le=PEOPLE_MAX)  # a JSON number
    contact_name: Annotated[str, PydanticField(min_length=1, max_length=40), Readable]
    phone: str = PydanticField(pattern=r"^\+?[0-9 -]{7,20}$")
    address: str = PydanticField(min_length=4, max_length=200)
    wanted_date: date
    note: str | None = PydanticField(default=None, max_length=200)


class VisitCodeIn(Body):
    challenge: str = PydanticField(min_length=1, max_length=40)
    code: str = PydanticField(min_length=1, max_length=10)


class VisitScheduleIn(Body):
    at: AwareDatetime
    staff_no: str = PydanticField(pattern=STAFF_NO)


class VisitDeclineIn(Body):
    reason: str = PydanticField(min_length=1, max_length=200)


class VisitDoneIn(Body):
    outcome: str = PydanticField(min_length=1, max_length=40)
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None

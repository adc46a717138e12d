"""Request bodies of the 好差评 case desk (`case_desk`): the moves of a case,
its assignment, a 「办不成事」 report and the hall's 好差评 settings."""

from typing import Annotated

from pydantic import Field

from .bodies import Body, Reason

TEXT_MAX = 500  # what a supervisor writes into a case's record: a paragraph
Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]


class CaseVerifyIn(Body):
    """核实: what the supervisor found, and whether the complaint is founded."""

    finding: Text
    founded: bool | None = None


class CaseRectifyIn(Body):
    """整改: the measures taken."""

    measures: Text


class CaseCallbackIn(Body):
    """回访: whether the visitor was reached, what was said, the visitor's new
    satisfaction (1-5, required when reached: `case_desk`) and who called."""

    reached: bool
    result: Text
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    by: str | None = Field(default=None, min_length=1, max_length=20)


class CaseCloseIn(Body):
    """办结, with an optional note."""

    note: str | None = Field(default=None, max_length=TEXT_MAX)


class CaseDismissIn(Body):
    """认定不实: why the complaint is unfounded (kept in the record)."""

    reason: Text


class CaseAssignIn(Body):
    """Hand a case to one of the hall's supervisors (by 工号)."""

    staff_no: str = Field(min_length=1, max_length=32)


class NotDoneIn(Body):
    """「办不成事」: a visitor says a matter could not be done. `ticket_id` is
    the holder's ticket (required from the phone page; staff may give today's
    number, A023, instead), `service` the item."""

    ticket_id: str | None = Field(default=None, min_length=1, max_length=64)
    service: str | None = Field(default=None, min_length=1, max_length=64)
    comment: Text
    callback_phone: str | None = Field(default=None, max_length=24)


class FeedbackIn(Body):
    """The hall's 好差评 settings: the reasons a 差评 may give."""

    reasons: list[Reason] = Field(min_length=1, max_length=12)

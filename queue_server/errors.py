"""Every refusal the server gives, in one tree (standard library only).

Each error has a stable machine-readable `code` (a class default, or a finer
one passed in), a message for the person in the hall (Chinese) and the same in
English for operators and clients that ask for it. The classes say what went
wrong, not how to answer it: the one table from class to HTTP status and
websocket close code is `edge.STATUS`.

    QueueError
    ├── NotFound            unknown hall, window, ticket, token, booking …
    ├── Forbidden           the caller's role or hall does not allow it
    ├── Unauthorized        no credential, or one we do not know
    ├── InvalidInput        the request is malformed or its values are wrong
    │   ├── BadJson, BadCharacters, ClientGone
    ├── Conflict            valid, but the current state does not allow it
    │   ├── InvalidTransition, DuplicateTicket, HallClosed, TooLateToday,
    │   ├── AppointmentOnly
    │   └── StaleState      a concurrent writer won; the caller retries
    ├── TooMany             too many attempts: TooManyFailures, RateLimited,
    │                       AccountLocked (a staff member's password, 5 times wrong)
    ├── PayloadTooLarge, BodyTimeout, NotJson   (the edge's own refusals)
    ├── Unavailable         a service we depend on (the SMS provider) failed;
    │                       nothing was done, try again later
"""


class QueueError(Exception):
    """Base of every refusal: a person-readable message and a stable code."""

    code = "bad_request"

    def __init__(
        self, message: str, *, en: str | None = None, code: str | None = None, **details: str
    ) -> None:
        """`message` is for the hall's staff and visitors (Chinese); `en` the same in
        English for operators and clients that ask for it; `code` a finer stable
        name than the class's, for clients that must tell refusals apart;
        `details` machine-readable facts for the client (e.g. opens_at)."""
        super().__init__(message)
        self.en = en or message
        if code is not None:
            self.code = code
        self.details = details

    def message_for(self, english: bool) -> str:
        return self.en if english else str(self)


class NotFound(QueueError):
    code = "not_found"


class Forbidden(QueueError):
    code = "forbidden"


class Unauthorized(QueueError):
    code = "unauthorized"


class InvalidInput(QueueError):
    code = "invalid_input"


class BadJson(InvalidInput):
    code = "bad_json"


class BadCharacters(InvalidInput):
    code = "bad_characters"


class ClientGone(InvalidInput):
    """Nobody reads the answer; a refusal, not an error worth a traceback."""

    code = "client_gone"


class Conflict(QueueError):
    """The request is valid but the current state does not allow it."""

    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class DuplicateTicket(Conflict):
    code = "duplicate_ticket"


class HallClosed(Conflict):
    code = "hall_closed"


class TooLateToday(Conflict):
    code = "too_late_today"


class AppointmentOnly(Conflict):
    code = "appointment_only"


class StaleState(Conflict):
    """Someone else changed the row between our read and our write; retry."""

    code = "stale_state"


class TooMany(QueueError):
    """Too many attempts from one caller; `details` may say when to retry."""

    code = "too_many"


class TooManyFailures(TooMany):
    code = "too_many_failures"


class RateLimited(TooMany):
    code = "rate_limited"


class AccountLocked(TooMany):
    code = "account_locked"


class PayloadTooLarge(QueueError):
    code = "payload_too_large"


class BodyTimeout(QueueError):
    code = "body_timeout"


class NotJson(QueueError):
    code = "unsupported_media_type"


class Unavailable(QueueError):
    """A service the request needs (the SMS provider) did not answer or refused:
    nothing was done or claimed done; the caller tries again later."""

    code = "unavailable"

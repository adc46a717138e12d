"""The outbox's delivery rules, pure: what an answer means and when to try again.

An attempt ends in one of three ways (`Verdict`): delivered, try again later,
or give up now. The provincial platform's answers (docs/province.md):

- 2xx: taken. 409: the platform already holds this record (its idempotency
  key came before): taken too.
- 408, 429, 5xx, no answer (refused, reset, timed out), 401/403 (our token is
  wrong or expired: fixing the setting lets the waiting records through), and
  a redirect (the URL is set wrong): try again with backoff.
- Any other 4xx (400, 404, 413, 422 …): the platform refuses the record itself;
  sending it again will not change that, so it is given up at once and shows
  as failed in the delivery log.

Retries back off exponentially: `FIRST_DELAY_S` × 2^(attempts−1), at most
`MAX_DELAY_S`, each ±20 % at random so that many messages failed together do
not come back together; after `MAX_ATTEMPTS` attempts the message is given up.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

FIRST_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
JITTER = 0.2
MAX_ATTEMPTS = 20  # about 13 hours of trying: a night's outage of the platform is survived


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give_up"


# Statuses that say "later" (timeout, too many requests) or "our credentials or
# address are wrong" (a setting to fix): the record itself is not refused.
_RETRY_4XX = frozenset({401, 403, 408, 429})


def verdict_of(status: int | None) -> Verdict:
    """What an HTTP answer means for the record; None: no answer at all."""
    if status is None or status >= 500 or status in _RETRY_4XX:
        return Verdict.RETRY
    if 200 <= status < 300 or status == 409:
        return Verdict.DELIVERED
    if 400 <= status < 500:
        return Verdict.GIVE_UP
    return Verdict.RETRY  # 1xx, 3xx: the address is set wrong; fixing it lets them through


def backoff(attempts: int, rand: float, retry_after_s: float | None = None) -> timedelta:
    """The wait before attempt `attempts` + 1, after `attempts` (≥ 1) have failed.

    `rand` in [0, 1) spreads it by ±`JITTER`; a platform's Retry-After is
    honoured when longer (never past `MAX_DELAY_S`)."""
    base = min(FIRST_DELAY_S * 2 ** (max(attempts, 1) - 1), MAX_DELAY_S)
    wait = base * (1 - JITTER + 2 * JITTER * rand)
    if retry_after_s is not None:
        wait = max(wait, min(retry_after_s, MAX_DELAY_S))
    return timedelta(seconds=wait)


def retry_after(header: str | None) -> float | None:
    """Seconds of a Retry-After header given in seconds (its date form is ignored)."""
    if header is None or not header.strip().isdigit():
        return None
    return float(header.strip())


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt's result, as the delivery log keeps it."""

    verdict: Verdict
    status: int | None  # the HTTP status; None: no answer, or not HTTP (a text message)
    detail: str  # short: "HTTP 503", "connection refused", "sent"
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.DELIVERED


def next_step(outcome: Outcome, attempts: int) -> Verdict:
    """After `attempts` attempts (this one included): retry, or give up when the
    record is refused or the attempts are spent."""
    if outcome.verdict is Verdict.RETRY and attempts >= MAX_ATTEMPTS:
        return Verdict.GIVE_UP
    return outcome.verdict

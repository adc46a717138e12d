"""The outbox's delivery rules (`delivery.py`): what each answer of the
provincial platform means, and the backoff between attempts."""

import pytest

from queue_server.delivery import (
    MAX_ATTEMPTS,
    Outcome,
    Verdict,
    backoff,
    next_step,
    retry_after,
    verdict_of,
)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (201, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (409, Verdict.DELIVERED),  # the platform holds it already (same Idempotency-Key)
        (400, Verdict.GIVE_UP),
        (404, Verdict.GIVE_UP),
        (413, Verdict.GIVE_UP),
        (422, Verdict.GIVE_UP),
        (401, Verdict.RETRY),  # our token: a setting to fix
        (403, Verdict.RETRY),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (502, Verdict.RETRY),
        (503, Verdict.RETRY),
        (301, Verdict.RETRY),  # the address is set wrong
        (None, Verdict.RETRY),  # no answer
    ],
)
def test_what_an_answer_means(status: int | None, verdict: Verdict) -> None:
    assert verdict_of(status) is verdict


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 24, 36), (2, 48, 72), (3, 96, 144), (7, 1536, 2304), (8, 2880, 4320), (19, 2880, 4320)],
)
def test_backoff_doubles_from_30_s_to_an_hour_with_jitter(
    attempts: int, low: float, high: float
) -> None:
    waits = [backoff(attempts, r).total_seconds() for r in (0.0, 0.5, 0.999999)]
    assert low <= waits[0] < waits[1] < waits[2] <= high
    assert waits[1] == min(30 * 2 ** (attempts - 1), 3600)


def test_retry_after_is_honoured_up_to_an_hour() -> None:
    assert backoff(1, 0.5, retry_after("120")).total_seconds() == 120
    assert backoff(1, 0.5, retry_after("86400")).total_seconds() == 3600
    assert backoff(3, 0.5, retry_after("5")).total_seconds() == 120  # never sooner
    assert retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None


def test_a_failure_is_given_up_after_the_last_attempt_a_refusal_at_once() -> None:
    failed = Outcome(Verdict.RETRY, 503, "HTTP 503")
    assert next_step(failed, MAX_ATTEMPTS - 1) is Verdict.RETRY
    assert next_step(failed, MAX_ATTEMPTS) is Verdict.GIVE_UP
    assert next_step(Outcome(Verdict.GIVE_UP, 422, "HTTP 422"), 1) is Verdict.GIVE_UP
    assert next_step(Outcome(Verdict.DELIVERED, 200, "HTTP 200"), MAX_ATTEMPTS) is Verdict.DELIVERED

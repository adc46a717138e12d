"""Sending the outbox: the provincial platform's records and the text messages.

`OutboxSender.deliver_due(now)` is one round (the scheduler runs one every
interval, in a job of its own beside the hall's jobs; tests call it with their
clock). Each due message is first claimed in a short transaction of its own
(its next attempt pushed `LEASE` ahead, only if nobody else moved it), so two
server processes do not both send it; it is then sent outside any
transaction, and the attempt is recorded (`DeliveryRow`) with the message
marked delivered, given a next attempt with backoff, or given up
(`delivery.py` decides which). A process that dies between the claim and the
record leaves the message to be tried again when the lease ends: delivery is
at least once, and the platform dedupes by the Idempotency-Key.

A platform that is down or slow costs each round one attempt of at most
`TIMEOUT_S`: the other messages of that channel wait for the next round
(their attempts are not spent); a round takes the channels in turns and
stops starting sends after `BUDGET_S`, so no hall's messages, and no
channel's, wait long behind another's.
"""

import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from . import outbox, webhook_guard, webhook_url, webhooks
from .appointments import mask_phone
from .delivery import Outcome, Verdict, backoff, next_step, retry_after, verdict_of
from .feedback_models import DeliveryRow, OutboxRow
from .protocol import Event
from .sms import Sms, SmsFailed, SmsProvider
from .store import Tx
from .transactions import Runner

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("queue_server.outbox")

LEASE = timedelta(minutes=2)  # longer than any one attempt can take
BATCH = 50
TIMEOUT_S = 5.0
BUDGET_S = 15.0
USER_AGENT = "yichuang-outbox/1"


@dataclass(frozen=True, slots=True)
class Taken:
    """A message claimed for one attempt, read before its transaction ended."""

    id: int
    hall_id: str
    channel: str
    kind: str
    payload: dict[str, Any]
    attempt: int  # this attempt's number, from 1


def idempotency_key(hall_id: str, outbox_id: int) -> str:
    """The same for every attempt of one record, different for every record."""
    return f"yichuang-{hall_id}-{outbox_id}"


class OutboxSender:
    def __init__(
        self,
        runner: Runner,
        sms: SmsProvider,
        *,
        rand: Callable[[], float] = random.random,
        timeout_s: float = TIMEOUT_S,
        budget_s: float = BUDGET_S,
    ) -> None:
        self.runner = runner
        self.settings = runner.settings
        self.sms = sms
        self.rand = rand
        self.timeout_s = timeout_s
        self.budget_s = budget_s

    def deliver_due(self, now: datetime) -> dict[str, int]:
        """One round: try every message due at `now`; how many were delivered,
        set to retry and given up (and found taken by another process)."""
        done: Counter[str] = Counter()
        due = self._due(now)
        if not due:
            return {}
        import httpx  # here, not at start-up: it loads rich (for its command line) with it

        started, silent = time.monotonic(), set[str]()
        with httpx.Client(timeout=self.timeout_s, headers={"User-Agent": USER_AGENT}) as client:
            for row in due:
                if time.monotonic() - started > self.budget_s:
                    done["left_for_next_round"] += 1
                    continue
                if _lane(row.channel, row.payload) in silent:
                    continue
                taken = self._claim(row, now)
                if taken is None:
                    done["taken_elsewhere"] += 1
                    continue
                began = time.monotonic()
                outcome = self._send(client, taken)
                ms = round((time.monotonic() - began) * 1000)
                if outcome.status is None and outcome.verdict is Verdict.RETRY:
                    # No answer: the others of its lane (a channel, a subscriber) wait a round.
                    silent.add(_lane(taken.channel, taken.payload))
                done[self._record(taken, outcome, ms, now).value] += 1
        return dict(done)

    def _due(self, now: datetime) -> list[OutboxRow]:
        """The due messages of each channel, taken in turns: a platform that is
        down, slow or not configured never keeps the text messages waiting, nor
        they it. Without a platform address its records wait (pending)."""
        channels = [outbox.SMS, outbox.WEBHOOK]
        channels += [outbox.PROVINCE] if self.settings.province_url else []
        with self.runner.store.read() as tx:
            lists = [tx.outbox_due(now, BATCH, channel) for channel in channels]
        return [row for turn in zip_longest(*lists) for row in turn if row is not None]

    def _claim(self, row: OutboxRow, now: datetime) -> Taken | None:
        def work(tx: Tx, _now: datetime, _events: list[Event]) -> Taken | None:
            if not tx.claim_outbox(row, now + LEASE):
                return None
            assert row.id is not None
            return Taken(
                row.id, row.hall_id, row.channel, row.kind, dict(row.payload), row.attempts + 1
            )

        return self.runner.write(None, work)

    # ------------------------------------------------------------ sending

    def _send(self, client: "httpx.Client", taken: Taken) -> Outcome:
        if taken.channel == outbox.PROVINCE:
            return self._post(client, taken)
        if taken.channel == outbox.SMS:
            return self._text(taken)
        if taken.channel == outbox.WEBHOOK:
            return self._deliver_hook(client, taken)
        return Outcome(Verdict.GIVE_UP, None, f"unknown channel {taken.channel!r}")

    def _post(self, client: "httpx.Client", taken: Taken) -> Outcome:
        """POST the record to the platform (docs/province.md)."""
        assert self.settings.province_url is not None
        headers = {"Idempotency-Key": idempotency_key(taken.hall_id, taken.id)}
        if self.settings.province_token:
            headers["Authorization"] = f"Bearer {self.settings.province_token}"
        body = json.dumps(taken.payload, ensure_ascii=False).encode()
        return self._http(client, self.settings.province_url, body, headers, taken.attempt)

    def _deliver_hook(self, client: "httpx.Client", taken: Taken) -> Outcome:
        """POST an event to a hall's subscriber, signed with its secret (webhooks.py)."""
        with self.runner.store.read() as tx:
            hooks = tx.specials(taken.hall_id).get(webhooks.KEY) or []
        hook = next((h for h in hooks if h["id"] == taken.payload.get("webhook")), None)
        if hook is None:
            return Outcome(Verdict.GIVE_UP, None, "the subscription was removed")
        if (inside := self._inside(hook["url"])) is not None:
            return Outcome(Verdict.GIVE_UP, None, f"the receiver is inside the network ({inside})")
        secret = self.runner.sealer.open(hook["secret"])
        if secret is None:
            return Outcome(Verdict.GIVE_UP, None, "the secret cannot be opened (key changed)")
        body = json.dumps(taken.payload, ensure_ascii=False).encode()
        headers = {
            "X-Yichuang-Signature": webhooks.sign(secret, body),
            "X-Yichuang-Delivery": str(taken.payload["id"]),
            "X-Yichuang-Event": taken.kind,
        }
        return self._http(client, hook["url"], body, headers, taken.attempt)

    def _inside(self, url: str) -> str | None:
        """Checked again before each delivery: a name may point inside by now."""
        if self.settings.webhook_private:
            return None
        return webhook_guard.inside_address(webhook_url.host_of(url))

    def _http(
        self, client: "httpx.Client", url: str, body: bytes, headers: dict[str, str], attempt: int
    ) -> Outcome:
        """One POST of a JSON body; what its answer (or its silence) means."""
        import httpx

        headers = headers | {
            "Content-Type": "application/json; charset=utf-8",
            "X-Yichuang-Attempt": str(attempt),
        }
        try:
            answer = client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outcome(Verdict.RETRY, None, f"no answer within {self.timeout_s:g} s")
        except httpx.InvalidURL as error:  # a subscription kept from before URLs were checked
            return Outcome(
                Verdict.GIVE_UP, None, _short(f"no request can go to this address: {error}")
            )
        except httpx.TransportError as error:
            return Outcome(Verdict.RETRY, None, f"no answer: {_short(str(error) or repr(error))}")
        status = answer.status_code
        detail = f"HTTP {status}"
        if not 200 <= status < 300:
            detail += f": {_short(answer.text)}" if answer.text.strip() else ""
        wait = retry_after(answer.headers.get("retry-after"))
        return Outcome(verdict_of(status), status, detail, wait)

    def _text(self, taken: Taken) -> Outcome:
        """A text message; the phone is opened only here, and kept out of every record."""
        phone = self.runner.sealer.open(str(taken.payload.get("phone", "")))
        if phone is None:
            return Outcome(Verdict.GIVE_UP, None, "the phone cannot be opened (key changed)")
        try:
            message = Sms.from_payload(taken.payload)
        except (KeyError, TypeError, ValueError) as error:  # no kind this version knows
            return Outcome(Verdict.GIVE_UP, None, _short(f"unreadable message: {error!r}"))
        try:
            self.sms.send(phone, message)
        except SmsFailed as error:  # the provider says whether to try again
            said = str(error).replace(phone, mask_phone(phone))
            return Outcome(Verdict.RETRY if error.retry else Verdict.GIVE_UP, None, _short(said))
        except Exception as error:  # any other failure: try again later
            said = f"{type(error).__name__}: {error}".replace(phone, mask_phone(phone))
            return Outcome(Verdict.RETRY, None, _short(said))
        return Outcome(Verdict.DELIVERED, None, "sent")

    # ------------------------------------------------------------ the record

    def _record(self, taken: Taken, outcome: Outcome, ms: int, now: datetime) -> Verdict:
        """Log the attempt and move the message on: delivered, retry, given up."""

        def work(tx: Tx, _now: datetime, _events: list[Event]) -> Verdict:
            row = tx.outbox(taken.id)
            if row is None:  # dropped while it was out (its ticket was rated): sent is sent
                return Verdict.DELIVERED
            row.attempts = max(row.attempts, taken.attempt)
            tx.add_delivery(
                DeliveryRow(
                    outbox_id=taken.id,
                    hall_id=taken.hall_id,
                    at=now,
                    ok=outcome.ok,
                    status=outcome.status,
                    detail=outcome.detail,
                    ms=ms,
                )
            )
            step = next_step(outcome, row.attempts)
            if step is Verdict.DELIVERED:
                row.delivered_at, row.last_error = now, None
            elif step is Verdict.RETRY:
                wait = backoff(row.attempts, self.rand(), outcome.retry_after_s)
                row.next_at, row.last_error = now + wait, outcome.detail
            else:
                row.gave_up_at, row.last_error = now, outcome.detail
            if step is not Verdict.RETRY and "phone" in row.payload:
                # Sent or given up, the phone has no more use here.
                row.payload = {k: v for k, v in row.payload.items() if k != "phone"}
            tx.save_outbox(row)
            return step

        step = self.runner.write(None, work)
        what = f"message {taken.id} ({taken.channel} {taken.kind}, hall {taken.hall_id})"
        if step is Verdict.GIVE_UP:
            log.warning(
                "outbox: %s given up after %d attempt(s): %s", what, taken.attempt, outcome.detail
            )
        elif step is Verdict.RETRY:
            log.info("outbox: %s attempt %d failed: %s", what, taken.attempt, outcome.detail)
        return step


def _lane(channel: str, payload: dict[str, Any]) -> str:
    """Messages that wait together when their receiver does not answer."""
    return f"{channel}:{payload.get('webhook')}" if channel == outbox.WEBHOOK else channel


def _short(text: str, limit: int = 160) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"

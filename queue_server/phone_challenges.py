"""One-time codes to a phone before something is done for its holder.

A new booking has its own pending request (`booking_requests`). Everything
else a visitor does from a phone with no account (move or cancel a booking,
take a remote place, switch on text reminders, ask for a home visit) first
proves the phone: `send` texts a short-lived code and keeps a challenge;
`redeem` checks the answer in the hall's write transaction and only then
runs what the caller asked, so a right code and its effect commit together.

The challenge keeps the code and the phone as keyed hashes, and the phone
sealed for what follows (a reminder text): never the number in the clear.
Wrong codes are counted and the count is committed even though the call is
refused; requests are limited per address and per phone, codes per address.
"""

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import col

from . import otp
from .appointments import mask_phone
from .citizen_models import PhoneChallengeRow
from .errors import InvalidInput, NotFound, QueueError, StaleState
from .protocol import Event
from .services import HallServices
from .sms import Sms, SmsKind, SmsProvider, send_now
from .store import Tx

PURPOSES = ("move", "cancel", "remote", "remind", "visit")
R = TypeVar("R")
Then = Callable[[Tx, PhoneChallengeRow, datetime, list[Event]], R]


class PhoneChallenges:
    def __init__(self, services: HallServices, sms: SmsProvider, limits: otp.Limits) -> None:
        self.services = services
        self.sms = sms
        # The booking requests' own limits: a phone's codes are counted together,
        # whatever they are for, so nobody gets 3 of each kind to a stranger's phone.
        self.limits = limits

    def send(
        self,
        hall_id: str,
        purpose: str,
        phone: str,
        client: str,
        *,
        subject: str | None = None,
        payload: dict[str, Any] | None = None,
        what: str = "办理",
        kiosk: str | None = None,
    ) -> dict[str, Any]:
        """Text a code to `phone` for `purpose` ("您{what}的验证码为…"); the challenge.

        Asked by a ticket machine (`kiosk`, its token id), the machine's own
        limit applies instead of its address's: it asks for the hall's visitors."""
        assert purpose in PURPOSES, purpose
        self.limits.check(*(("kiosk", kiosk) if kiosk else ("address", client)))
        number = otp.normalise_phone(phone)
        self.limits.check("phone", number)
        key = self.services.id_key()
        challenge_id, code = secrets.token_urlsafe(18), otp.new_code()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> None:
            tx.hall(hall_id)  # an unknown hall is a 404, before any text is sent
            tx.drop_challenges(col(PhoneChallengeRow.expires_at) <= now)
            tx.add_challenge(
                PhoneChallengeRow(
                    id=challenge_id,
                    hall_id=hall_id,
                    purpose=purpose,
                    subject=subject,
                    payload=payload,
                    phone_hash=otp.phone_hash(key, number),
                    phone_enc=self.services.sealer.seal(number),
                    code_hash=otp.code_hash(key, challenge_id, code),
                    expires_at=now + otp.CODE_TTL,
                )
            )

        self.services.write(hall_id, work)
        minutes = int(otp.CODE_TTL.total_seconds() // 60)
        # At once, never through the outbox: a provider that fails is a 503, not a code
        # said to be sent.
        send_now(self.sms, number, Sms.of(SmsKind.CODE, what=what, code=code, minutes=minutes))
        return {
            "challenge": challenge_id,
            "phone_masked": mask_phone(number),
            "expires_in_s": int(otp.CODE_TTL.total_seconds()),
            "message": f"验证码已发送至 {mask_phone(number)}，请在{minutes}分钟内输入",
        }

    def redeem(
        self, hall_id: str, challenge_id: str, code: str, purpose: str, client: str, then: Then[R]
    ) -> R:
        """Check the code for `purpose` and run `then` in the same transaction.

        The code is spent once right, whatever `then` decides; a refusal from
        `then` is raised after the commit, as a wrong code's counted try is."""
        self.limits.check("confirm", client)
        key = self.services.id_key()

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[Any, QueueError | None]:
            row = tx.challenge(challenge_id)
            if row is None or row.hall_id != hall_id or row.purpose != purpose:
                return None, _expired()
            if row.expires_at <= now:
                tx.drop_challenges(col(PhoneChallengeRow.id) == row.id)
                return None, _expired()
            if not otp.code_matches(key, row.id, code, row.code_hash):
                return None, _wrong_code(tx, row)
            tx.drop_challenges(col(PhoneChallengeRow.id) == row.id)
            try:
                return then(tx, row, now, events), None
            except StaleState:
                raise
            except QueueError as refused:
                return None, refused

        result, refused = self.services.write(hall_id, work)
        if refused is not None:
            raise refused
        return result  # type: ignore[no-any-return]


def _expired() -> NotFound:
    return NotFound(
        "验证码已失效，请重新获取",
        en="this code has expired or is unknown; ask for a new one",
        code="otp_expired",
    )


def _wrong_code(tx: Tx, row: PhoneChallengeRow) -> InvalidInput:
    row.tries += 1
    spent, refusal = otp.wrong_code(row.tries, ("请重新获取", "ask for a new one"))
    if spent:
        tx.drop_challenges(col(PhoneChallengeRow.id) == row.id)
    else:
        tx.add_challenge(row)
    return refusal

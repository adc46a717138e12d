"""Phone challenges: a code texted to a phone proves it before anything is done
for its holder (moving a booking, a remote place, reminders, a home visit)."""

import re
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server import otp
from queue_server.citizen_models import PhoneChallengeRow
from queue_server.errors import Conflict, InvalidInput, NotFound, RateLimited
from queue_server.phone_challenges import PhoneChallenges
from queue_server.settings import Settings
from queue_server.sms import MemorySms
from queue_server.store import Tx
from tests.conftest import Clock
from tests.server.conftest import ADMIN, Hall
from tests.server.test_appointments import booking_settings

PHONE = "13812345678"
CLIENT = "203.0.113.9"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


@pytest.fixture
def challenges(client: TestClient, hall: Hall) -> PhoneChallenges:
    found: PhoneChallenges = client.app_state["phone_challenges"]
    return found


def code_texted(challenges: PhoneChallenges, phone: str = PHONE) -> str:
    sms = challenges.sms
    assert isinstance(sms, MemorySms)
    found = re.search(r"验证码为(\d{6})", sms.last_to(phone))
    assert found, sms.sent
    return found.group(1)


def seen(tx: Tx, row: PhoneChallengeRow, now: datetime, events: list[Any]) -> dict[str, Any]:
    """What a caller's `then` gets: the subject, the payload and the phone it proved."""
    return {"subject": row.subject, "payload": row.payload, "phone_enc": row.phone_enc}


def test_the_right_code_runs_the_request_once_and_is_spent(challenges: PhoneChallenges) -> None:
    sent = challenges.send(
        "h1", "move", "+86 138-1234-5678", CLIENT, subject="ABCD2345", payload={"to": "10:00"}
    )
    assert sent["phone_masked"] == "138****5678"
    assert "138****5678" in sent["message"]
    text = challenges.sms.last_to(PHONE)  # type: ignore[attr-defined]
    assert "【一窗】您办理的验证码为" in text and "5分钟内有效" in text
    code = code_texted(challenges)

    got = challenges.redeem("h1", sent["challenge"], code, "move", CLIENT, seen)
    assert got["subject"] == "ABCD2345" and got["payload"] == {"to": "10:00"}
    # The phone is sealed for what follows (a reminder), never kept in the clear.
    assert PHONE not in got["phone_enc"]
    assert challenges.services.sealer.open(got["phone_enc"]) == PHONE

    with pytest.raises(NotFound) as again:  # spent: a replay does nothing
        challenges.redeem("h1", sent["challenge"], code, "move", CLIENT, seen)
    assert again.value.code == "otp_expired"


def test_wrong_codes_are_counted_and_end_the_challenge(challenges: PhoneChallenges) -> None:
    sent = challenges.send("h1", "remote", PHONE, CLIENT)
    code = code_texted(challenges)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput) as refused:
            challenges.redeem("h1", sent["challenge"], wrong, "remote", CLIENT, seen)
        assert str(refused.value) == f"验证码不正确，还可再试{left}次"
    with pytest.raises(InvalidInput) as last:
        challenges.redeem("h1", sent["challenge"], wrong, "remote", CLIENT, seen)
    assert last.value.code == "otp_exhausted"
    with pytest.raises(NotFound):  # even the right code is too late now
        challenges.redeem("h1", sent["challenge"], code, "remote", CLIENT, seen)


def test_a_code_proves_only_its_purpose_and_hall_and_expires(
    challenges: PhoneChallenges, clock: Clock, hall: Hall
) -> None:
    Hall(hall.c, "h2")
    sent = challenges.send("h1", "cancel", PHONE, CLIENT, subject="ABCD2345")
    code = code_texted(challenges)
    with pytest.raises(NotFound):  # a cancel code cannot move anything
        challenges.redeem("h1", sent["challenge"], code, "move", CLIENT, seen)
    with pytest.raises(NotFound):  # nor act in another hall
        challenges.redeem("h2", sent["challenge"], code, "cancel", CLIENT, seen)
    clock.advance(5 * 60 + 1)
    with pytest.raises(NotFound):
        challenges.redeem("h1", sent["challenge"], code, "cancel", CLIENT, seen)


def test_a_refusal_after_the_code_spends_it(challenges: PhoneChallenges) -> None:
    sent = challenges.send("h1", "move", PHONE, CLIENT)
    code = code_texted(challenges)

    def full(tx: Tx, row: PhoneChallengeRow, now: datetime, events: list[Any]) -> None:
        raise Conflict("该时段已约满", en="that slot is full", code="slot_full")

    with pytest.raises(Conflict):
        challenges.redeem("h1", sent["challenge"], code, "move", CLIENT, full)
    with pytest.raises(NotFound):
        challenges.redeem("h1", sent["challenge"], code, "move", CLIENT, seen)


def test_bad_phones_and_unknown_halls_send_nothing(challenges: PhoneChallenges) -> None:
    with pytest.raises(InvalidInput) as bad:
        challenges.send("h1", "visit", "12345", CLIENT)
    assert bad.value.code == "phone_format"
    with pytest.raises(NotFound):
        challenges.send("nowhere", "visit", PHONE, CLIENT)
    assert challenges.sms.sent == []  # type: ignore[attr-defined]


def test_codes_to_one_phone_are_limited(challenges: PhoneChallenges) -> None:
    # The server's limits (booking_limit_phone, 3 in 10 minutes by default),
    # whichever address asks: nobody floods a stranger's phone with codes.
    challenges.limits = otp.Limits(address="100/minute", id_number="100/minute", phone="3/10minute")
    for _ in range(3):
        challenges.send("h1", "remind", PHONE, CLIENT)
    with pytest.raises(RateLimited) as limited:
        challenges.send("h1", "remind", PHONE, "198.51.100.1")
    assert str(limited.value) == "发送到该手机的验证码过多，请稍后再试"
    challenges.send("h1", "remind", "13900001111", "198.51.100.1")  # another phone is fine


def test_a_ticket_machine_texting_its_visitors_has_a_limit_of_its_own(
    challenges: PhoneChallenges,
) -> None:
    # One address may ask for 10 codes a minute (the booking default); a kiosk
    # checking in the hall's remote places by number asks for each arrival.
    challenges.limits = otp.Limits(address="10/minute", id_number="100/minute", phone="3/10minute")
    phones = [f"139{n:08d}" for n in range(21)]
    for phone in phones[:20]:
        challenges.send("h1", "remote", phone, CLIENT, kiosk="kiosk-1")
    with pytest.raises(RateLimited) as limited:
        challenges.send("h1", "remote", phones[20], CLIENT, kiosk="kiosk-1")
    assert "本机发送验证码过于频繁" in str(limited.value)
    challenges.send("h1", "remote", phones[20], CLIENT, kiosk="kiosk-2")  # another machine
    for phone in phones[:10]:  # the machines' texts did not use up their address's
        challenges.send("h1", "remind", phone, CLIENT)
    with pytest.raises(RateLimited):
        challenges.send("h1", "remind", phones[10], CLIENT)


def test_booking_codes_and_other_codes_to_one_phone_share_one_limit(
    db_url: str, clock: Clock
) -> None:
    # A stranger's phone gets 3 codes in 10 minutes in all, whether they are
    # asked by bookings or by anything else (a home visit, reminders), not 3 of each.
    from queue_server.app import create_app
    from tests.server.test_appointments import ask, person
    from tests.server.test_day import WEEKDAYS, set_hours
    from tests.server.test_visit_api import REQUEST

    settings = Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        sms_url="memory:",
        booking_limit_address="1000/minute",
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        hall = Hall(client)
        set_hours(hall, WEEKDAYS)
        booked = [ask(hall, id_number=person(n), phone=PHONE).status_code for n in range(1, 4)]
        assert booked == [202] * 3
        visit = client.post("/api/halls/h1/home-visits", json=REQUEST | {"phone": PHONE})
        assert visit.status_code == 429, visit.json()
        assert visit.json()["message"] == "发送到该手机的验证码过多，请稍后再试"

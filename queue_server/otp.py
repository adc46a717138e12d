"""Guards on public booking: one-time codes to the booker's phone, and rate limits.

Booking is public, so without guards one client can book a whole day under
invented or other people's ID numbers. A booking is confirmed only once the
phone answers a short-lived code (few tries); requests are limited per client
address, per ID number and per phone (which also keeps anyone from flooding a
stranger's phone with codes). The limits are counted in memory, per process
(the `limits` library).
"""

import hashlib
import hmac
import math
import re
import secrets
import time
from datetime import timedelta

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .errors import InvalidInput, RateLimited

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
CODE_TRIES = 5
CONFIRM_PER_ADDRESS = "30/minute"  # code guesses from one address, over all bookings
# Bookings looked at by their code from one address: a page load is one or two,
# and guessing 8-character codes stays hopeless (32^8 of them).
LOOKUP_PER_ADDRESS = "60/minute;600/hour"
# Codes a ticket machine texts (线上取号签到 by number): one for each of the
# hall's arrivals who asks, each to the phone that took that place, so the
# machine is counted as itself, not as one visitor's address.
TEXTS_PER_KIOSK = "20/minute;300/hour"

_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{7,14}")  # E.164


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(key: bytes, pending_id: str, code: str) -> str:
    """The code as stored: keyed and bound to its pending booking."""
    return hmac.new(key, f"otp:{pending_id}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_hash(key: bytes, phone: str) -> str:
    return hmac.new(key, f"phone:{phone}".encode(), hashlib.sha256).hexdigest()


def code_matches(key: bytes, pending_id: str, code: str, stored: str) -> bool:
    return hmac.compare_digest(code_hash(key, pending_id, code.strip()), stored)


def normalise_phone(raw: str) -> str:
    """A mobile number that can take a text: 11 digits in the mainland
    (13812345678, +86 allowed), else + and the country code (+85291234567)."""
    phone = re.sub(r"[\s-]", "", raw)
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MAINLAND_MOBILE.fullmatch(phone) or _INTERNATIONAL.fullmatch(phone):
        return phone
    raise InvalidInput(
        "请填写能接收短信的手机号码（境外号码请以+和国家或地区代码开头）",
        en="give a mobile number that can receive a text (abroad: + and the country code)",
        code="phone_format",
    )


def wrong_code(tries: int, start_over: tuple[str, str]) -> tuple[bool, InvalidInput]:
    """After `tries` wrong answers to one code: (is the code spent, the refusal).
    `start_over` says what to do then, in Chinese and English."""
    left = CODE_TRIES - tries
    if left <= 0:
        return True, InvalidInput(
            f"验证码错误次数过多，{start_over[0]}",
            en=f"too many wrong codes; {start_over[1]}",
            code="otp_exhausted",
        )
    return False, InvalidInput(
        f"验证码不正确，还可再试{left}次",
        en=f"wrong code; {left} tries left",
        code="otp_wrong",
        tries_left=str(left),
    )


class Limits:
    """Moving-window limits per (what, who); `check` raises RateLimited."""

    def __init__(self, *, address: str, id_number: str, phone: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rules: dict[str, list[RateLimitItem]] = {
            "address": parse_many(address),
            "id": parse_many(id_number),
            "phone": parse_many(phone),
            "confirm": parse_many(CONFIRM_PER_ADDRESS),
            "lookup": parse_many(LOOKUP_PER_ADDRESS),
            "kiosk": parse_many(TEXTS_PER_KIOSK),
        }

    def check(self, what: str, who: str) -> None:
        for rule in self._rules[what]:
            if not self._limiter.hit(rule, what, who):
                reset = self._limiter.get_window_stats(rule, what, who).reset_time
                raise _refusal(what, rule, max(1, math.ceil(reset - time.time())))


def _refusal(what: str, rule: RateLimitItem, retry_after_s: int) -> RateLimited:
    zh = {
        "address": "预约请求过于频繁，请稍后再试",
        "id": "该证件号码的预约请求过于频繁，请稍后再试",
        "phone": "发送到该手机的验证码过多，请稍后再试",
        "confirm": "验证码尝试过于频繁，请稍后再试",
        "lookup": "查询预约过于频繁，请稍后再试",
        "kiosk": "本机发送验证码过于频繁，请稍后再试，或扫描手机上的号码二维码签到",
    }[what]
    return RateLimited(
        zh,
        en=f"too many requests ({rule}); try again in {retry_after_s} s",
        retry_after_s=str(retry_after_s),
    )

"""Text messages (短信) to visitors' phones, through a provider chosen by URL.

`log:` (development) writes each message to the server log with the phone
masked: the one-time code can be read there and nothing is sent. `memory:`
keeps the messages for tests to read. A real provider (a later issue) is one
more class with `send`.
"""

import logging
from dataclasses import dataclass, field
from typing import Protocol

from .appointments import mask_phone

log = logging.getLogger("queue_server.sms")


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone` (digits, + and country code for abroad)."""


class LogSms:
    """Development: the message goes to the server log, never to a phone."""

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS (development, not sent) to %s: %s", mask_phone(phone), text)


@dataclass
class MemorySms:
    """Tests: every message kept, newest last."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_to(self, phone: str) -> str:
        return next(text for to, text in reversed(self.sent) if to == phone)


def sms_for(url: str) -> SmsProvider:
    if url == "log:":
        return LogSms()
    if url == "memory:":
        return MemorySms()
    raise SystemExit(f"QUEUE_SMS_URL={url!r} is not a known SMS provider (log: or memory:)")

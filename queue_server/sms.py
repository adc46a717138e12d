"""Text messages (短信) to visitors' phones, through a provider chosen by URL.

A message is a kind and its parameters (`Sms`), not free text: the SMS clouds
of the mainland send only templates approved beforehand, each with an id and
numbered parameters. Each kind (`TEMPLATES`) has its readable text, which the
development providers show and which the cloud's template should say, and
the parameters the cloud gets, in order.

`log:` (development) writes each message to the server log with the phone
masked: the one-time code can be read there and nothing is sent. `memory:`
keeps the messages for tests to read. `tencent:` sends through Tencent
Cloud's SMS (`sms_tencent`, its official SDK), with the settings `QUEUE_SMS_*`.

A provider that cannot send raises `SmsFailed`, saying whether a later
attempt may succeed. Messages that may wait go through the outbox, which
retries them with backoff; a one-time code cannot wait, so `send_now` tries
it a few times at once and then refuses the request with a clear 503.
"""

import logging
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from .appointments import mask_phone
from .errors import InvalidInput, Unavailable
from .settings import Settings

log = logging.getLogger("queue_server.sms")


class SmsKind(StrEnum):
    CODE = "code"
    AHEAD = "remind_ahead"
    CALLED = "remind_called"
    RATING_LINK = "rating_link"
    FOLLOWUP = "followup_reminder"
    VISIT_SCHEDULED = "visit_scheduled"
    VISIT_DECLINED = "visit_declined"
    FREE = "text"  # free text: the development providers only; a template cloud refuses it


@dataclass(frozen=True, slots=True)
class Template:
    text: str  # str.format over the parameters: what log: and memory: show
    sent: tuple[str, ...]  # the parameters a template cloud gets, in its template's order


# The cloud's template for each kind should read like `text`, with {1}, {2} …
# for the `sent` parameters in order (README, 短信服务).
TEMPLATES: dict[SmsKind, Template] = {
    SmsKind.CODE: Template(
        "【一窗】您{what}的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
        ("code", "minutes"),
    ),
    SmsKind.AHEAD: Template(
        "【一窗】{hall}：您的{number}号前面还有{ahead}人，请回到等候区留意叫号。",
        ("hall", "number", "ahead"),
    ),
    SmsKind.CALLED: Template(
        "【一窗】{hall}：请{number}号到{window}号窗口办理。", ("hall", "number", "window")
    ),
    # The cloud's template holds the address up to the ticket's id: clouds refuse
    # links in parameters.
    SmsKind.RATING_LINK: Template(
        "【一窗】您在{hall}办理的{item}已办结，请为本次服务评价：{link}", ("hall", "item", "ticket")
    ),
    SmsKind.FOLLOWUP: Template(
        "【一窗】您在{hall}办理的{item}已容缺受理，尚缺：{missing}。"
        "请于{due}前到任一综合窗口补交。",
        ("hall", "item", "missing", "due"),
    ),
    # The cloud's template holds the page's address up to the hall: "…/visit/{5}".
    SmsKind.VISIT_SCHEDULED: Template(
        "【一窗】您申请的上门服务（{item}）已安排在{when}，{hall}工作人员（工号 {staff_no}）"
        "将上门办理，请备好材料。查看或取消：{link}",
        ("item", "when", "hall", "staff_no", "visit"),
    ),
    SmsKind.VISIT_DECLINED: Template(
        "【一窗】很抱歉，您申请的上门服务（{item}）未能安排：{reason}。如有疑问请联系{hall}。",
        ("item", "reason", "hall"),
    ),
    SmsKind.FREE: Template("{text}", ()),
}


def _fields(template: Template) -> frozenset[str]:
    named = {name for _, name, _, _ in string.Formatter().parse(template.text) if name}
    return frozenset(named | set(template.sent))


@dataclass(frozen=True, slots=True)
class Sms:
    """One message: its kind and every parameter its template names."""

    kind: SmsKind
    params: Mapping[str, str]

    def __post_init__(self) -> None:
        wanted, given = _fields(TEMPLATES[self.kind]), set(self.params)
        if given != wanted:
            raise ValueError(f"a {self.kind} text takes {sorted(wanted)}, not {sorted(given)}")

    @classmethod
    def of(cls, kind: SmsKind, **params: object) -> "Sms":
        return cls(kind, {name: str(value) for name, value in params.items()})

    @property
    def text(self) -> str:
        return TEMPLATES[self.kind].text.format_map(self.params)

    def template_params(self) -> list[str]:
        return [self.params[name] for name in TEMPLATES[self.kind].sent]

    def payload(self) -> dict[str, Any]:
        """As the outbox keeps it (beside the sealed phone)."""
        return {"kind": self.kind.value, "params": dict(self.params)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "Sms":
        """An outbox message's text; one queued as bare `text` is free text."""
        if isinstance(sms := payload.get("sms"), Mapping):
            return cls(SmsKind(sms["kind"]), {k: str(v) for k, v in sms["params"].items()})
        return as_sms(str(payload.get("text", "")))


def as_sms(message: "Sms | str") -> Sms:
    return message if isinstance(message, Sms) else Sms.of(SmsKind.FREE, text=message)


class SmsFailed(Exception):
    """The provider did not send. `retry`: a later attempt may succeed (no
    answer, a rate limit, the account or a setting to fix); else the message
    or the number is refused for good. `phone`: the number cannot take texts.
    The text of the error never holds the phone (masked)."""

    def __init__(self, detail: str, *, retry: bool, phone: bool = False) -> None:
        super().__init__(detail)
        self.retry = retry
        self.phone = phone


class SmsProvider(Protocol):
    def send(self, phone: str, message: Sms | str) -> None:
        """Send `message` to `phone` (digits, + and country code for abroad);
        SmsFailed when it was not sent. A `str` is free text (development only)."""


class LogSms:
    """Development: the message goes to the server log, never to a phone."""

    def send(self, phone: str, message: Sms | str) -> None:
        text = as_sms(message).text
        log.warning("SMS (development, not sent) to %s: %s", mask_phone(phone), text)


@dataclass
class MemorySms:
    """Tests: every message kept, newest last (`sent` as text, `messages` as sent)."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    messages: list[tuple[str, Sms]] = field(default_factory=list)

    def send(self, phone: str, message: Sms | str) -> None:
        sms = as_sms(message)
        self.sent.append((phone, sms.text))
        self.messages.append((phone, sms))

    def last_to(self, phone: str) -> str:
        return next(text for to, text in reversed(self.sent) if to == phone)

    def kinds_to(self, phone: str) -> list[SmsKind]:
        return [sms.kind for to, sms in self.messages if to == phone]


CODE_TRIES = 2
CODE_PAUSE_S = 0.5


def send_now(
    sms: SmsProvider,
    phone: str,
    message: Sms,
    *,
    tries: int = CODE_TRIES,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send a message that cannot wait for the outbox (a one-time code): tried
    `tries` times with a growing pause, then refused with a clear message
    (503, or 422 for a number that cannot take texts), never said to be sent."""
    for attempt in range(1, tries + 1):
        try:
            sms.send(phone, message)
            return
        except SmsFailed as error:
            masked = mask_phone(phone)
            log.warning("SMS %s to %s, attempt %d: %s", message.kind, masked, attempt, error)
            if error.phone:
                raise InvalidInput(
                    "这个号码收不到短信，请换一个能接收短信的手机号码",
                    en="this number cannot receive text messages",
                    code="phone_unreachable",
                ) from None
            if not error.retry or attempt == tries:
                break
            sleep(CODE_PAUSE_S * 2 ** (attempt - 1))
    raise Unavailable(
        "短信暂时发送不出去，验证码未发出，请稍后再试",
        en="the text message service is not available: no code was sent, try again later",
        code="sms_unavailable",
    )


def sms_for(settings: Settings) -> SmsProvider:
    url = settings.sms_url
    if url == "log:":
        return LogSms()
    if url == "memory:":
        return MemorySms()
    if url == "tencent:":
        from .sms_tencent import TencentSms  # the SDK is loaded only when used

        return TencentSms(settings)
    raise SystemExit(
        f"QUEUE_SMS_URL={url!r} is not a known SMS provider (log:, memory: or tencent:)"
    )

"""Tencent Cloud SMS (腾讯云短信) through its official SDK, the only module that
imports it: `SendSms` of API 2021-01-11, signed with TC3-HMAC-SHA256.

Each message kind has a template approved in the cloud's console
(`QUEUE_SMS_TEMPLATES`), sent with the application's id, the sign name and the
kind's parameters in order (`sms.TEMPLATES`). The cloud answers per number:
"Ok", or a code. Codes that refuse the message or the number itself (a wrong
number, a blacklist, a parameter the template cannot take, the number's daily
limit) are final; every other failure (no answer, rate limits, the account,
the credentials or a template not approved yet: settings to fix) may pass on
a later attempt. `QUEUE_SMS_ENDPOINT` points the client at another host (a
local fake in tests; plain http for 127.0.0.1 and localhost only).
"""

import logging
import threading
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from .appointments import mask_phone
from .settings import Settings
from .sms import Sms, SmsFailed, SmsKind, as_sms

# The SDK logs whole requests, phone numbers included, at DEBUG: never ours.
logging.getLogger("tencentcloud_sdk_common").setLevel(logging.WARNING)

# The number cannot take texts.
PHONE_REFUSED = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberParseFail",
        "FailedOperation.PhoneNumberInBlacklist",
        "LimitExceeded.AppCountryOrRegionInBlacklist",
        "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
        "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
    }
)
# The message itself is refused, or the number has had its day's texts.
MESSAGE_REFUSED = frozenset(
    {
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "FailedOperation.ContainSensitiveWord",
        "InvalidParameter.DirtyWordFound",
        "LimitExceeded.PhoneNumberDailyLimit",
        "LimitExceeded.PhoneNumberSameContentDailyLimit",
    }
)
_LOCAL = ("127.0.0.1", "localhost", "[::1]")


def e164(phone: str) -> str:
    """+86 for a mainland number; numbers abroad come with their +."""
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSms:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        templates = settings.sms_template_ids()
        unknown = sorted(set(templates) - {k.value for k in SmsKind})
        missing = [k.value for k in SmsKind if k is not SmsKind.FREE and k.value not in templates]
        if unknown or missing:
            raise SystemExit(
                "QUEUE_SMS_TEMPLATES needs a template id for each of "
                f"{', '.join(k.value for k in SmsKind if k is not SmsKind.FREE)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        self.templates = templates
        self._local = threading.local()

    def _client(self) -> Any:
        """This thread's client: the SDK's HTTP session (kept alive between
        messages) is not shared between threads."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._new_client()
        return client

    def _new_client(self) -> Any:
        s = self.settings
        http = HttpProfile(reqTimeout=s.sms_timeout_s)
        if s.sms_endpoint:
            host = s.sms_endpoint.removeprefix("https://").removeprefix("http://").rstrip("/")
            http.endpoint = host
            if s.sms_endpoint.startswith("http://") and host.startswith(_LOCAL):
                http.protocol = http.scheme = "http"
        cred = credential.Credential(s.sms_secret_id, s.sms_secret_key)
        return sms_client.SmsClient(cred, s.sms_region, ClientProfile(httpProfile=http))

    def send(self, phone: str, message: Sms | str) -> None:
        sms = as_sms(message)
        template = self.templates.get(sms.kind.value)
        if template is None:
            # Its words are not repeated: the delivery log shows no link and no code.
            raise SmsFailed("free text cannot go through a template SMS cloud", retry=False)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [e164(phone)]
        request.SmsSdkAppId = self.settings.sms_app_id
        request.SignName = self.settings.sms_sign
        request.TemplateId = template
        request.TemplateParamSet = sms.template_params()
        try:
            answer = self._client().SendSms(request)
        except TencentCloudSDKException as error:
            raise _failure(error.code, error.message, phone) from None
        statuses = answer.SendStatusSet or []
        if not statuses:
            raise SmsFailed("the cloud answered without a status for the number", retry=True)
        status = statuses[0]
        if status.Code != "Ok":
            raise _failure(status.Code, status.Message, phone)


def _failure(code: str | None, message: str | None, phone: str) -> SmsFailed:
    said = f"{code}: {message or ''}"
    for shown in {phone, e164(phone)}:
        said = said.replace(shown, mask_phone(phone))
    if code in PHONE_REFUSED:
        return SmsFailed(said, retry=False, phone=True)
    return SmsFailed(said, retry=code not in MESSAGE_REFUSED)

"""Tencent Cloud SMS through its SDK, against a local fake of the cloud's API:
the SDK's real, signed HTTP requests; the cloud's success and error answers;
retries through the outbox; a one-time code refused with 503 when the cloud
cannot take it, never claimed sent."""

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server import outbox, sms
from queue_server.app import create_app
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import Sms, SmsFailed, SmsKind
from queue_server.sms_tencent import TencentSms
from queue_server.store import Tx
from tests.conftest import Clock
from tests.server.conftest import ADMIN, ID_CARD, Hall
from tests.server.tencent_sms_fake import APP_ID, SIGN, TEMPLATES, FakeTencentSms, settings_env
from tests.server.test_appointments import FILLED_FORMS, TOMORROW_10, book
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_outbox import deliver, delivery_log
from tests.server.test_tickets_api import ADULT_ID

PHONE = "13812345678"
CALLED = Sms.of(SmsKind.CALLED, hall="测试大厅", number="A007", window=3)


@pytest.fixture
def cloud() -> Iterator[FakeTencentSms]:
    fake = FakeTencentSms()
    yield fake
    fake.stop()


def tencent(cloud: FakeTencentSms, **changes: Any) -> TencentSms:
    return TencentSms(Settings(**settings_env(cloud.endpoint) | changes))


def test_a_text_goes_to_the_cloud_as_its_template_signed(cloud: FakeTencentSms) -> None:
    tencent(cloud).send(PHONE, CALLED)
    [request] = cloud.requests
    body, headers = request["body"], request["headers"]
    assert body == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": APP_ID,
        "SignName": SIGN,
        "TemplateId": TEMPLATES["remind_called"],
        "TemplateParamSet": ["测试大厅", "A007", "3"],
    }
    assert headers["X-TC-Action"] == "SendSms" and headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID")
    assert cloud.delivered == [body]
    assert CALLED.text == "【一窗】测试大厅：请A007号到3号窗口办理。"


def test_the_cloud_refuses_a_wrong_signature(cloud: FakeTencentSms) -> None:
    with pytest.raises(SmsFailed) as refused:
        tencent(cloud, sms_secret_key="not-the-key").send(PHONE, CALLED)
    assert str(refused.value).startswith("AuthFailure.SignatureFailure")
    assert refused.value.retry  # a setting to fix: the message waits for it
    assert cloud.delivered == []


@pytest.mark.parametrize(
    ("answer", "retry", "phone"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", True, False),
        ("error:InternalError.Timeout", True, False),
        ("InvalidParameterValue.IncorrectPhoneNumber", False, True),
        ("LimitExceeded.PhoneNumberDailyLimit", False, False),
        (502, True, False),
    ],
)
def test_the_cloud_s_error_codes_say_whether_to_try_again(
    cloud: FakeTencentSms, answer: str | int, retry: bool, phone: bool
) -> None:
    cloud.script = [answer]
    with pytest.raises(SmsFailed) as failed:
        tencent(cloud).send(PHONE, CALLED)
    assert (failed.value.retry, failed.value.phone) == (retry, phone)
    assert PHONE not in str(failed.value)


def test_no_answer_is_tried_again_later(cloud: FakeTencentSms) -> None:
    cloud.stop()
    with pytest.raises(SmsFailed) as failed:
        tencent(cloud, sms_timeout_s=0.5).send(PHONE, CALLED)
    assert failed.value.retry and str(failed.value).startswith("ClientNetworkError")


def test_free_text_cannot_go_through_a_template_cloud(cloud: FakeTencentSms) -> None:
    with pytest.raises(SmsFailed) as refused:
        tencent(cloud).send(PHONE, "请评价")
    assert not refused.value.retry and cloud.requests == []


def test_every_kind_needs_its_template_at_start_up(cloud: FakeTencentSms) -> None:
    with pytest.raises(SystemExit, match="missing remind_ahead"):
        tencent(cloud, sms_templates="code=1,remind_called=3,rating_link=4,followup_reminder=5")
    with pytest.raises(SystemExit, match="unknown nope"):
        tencent(cloud, sms_templates=settings_env(cloud.endpoint)["sms_templates"] + ",nope=9")
    with pytest.raises(SystemExit, match="QUEUE_SMS_SECRET_KEY, QUEUE_SMS_APP_ID"):
        Settings.from_env({"QUEUE_SMS_URL": "tencent:", "QUEUE_SMS_SECRET_ID": "x"})
    with pytest.raises(SystemExit, match="not kind=template id"):
        Settings(sms_templates="code=abc").sms_template_ids()


# ------------------------------------------------------------ the server


@pytest.fixture
def cloud_client(
    db_url: str, clock: Clock, cloud: FakeTencentSms, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setattr(sms, "CODE_PAUSE_S", 0.0)
    settings = Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        **settings_env(cloud.endpoint),
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def test_a_failed_text_is_retried_through_the_outbox(
    cloud_client: TestClient,
    cloud: FakeTencentSms,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hall = Hall(cloud_client)
    services: HallServices = cloud_client.app_state["services"]

    def queue(tx: Tx, now: datetime, _events: list[Any]) -> None:
        payload = {"phone": services.sealer.seal(PHONE), "sms": CALLED.payload()}
        outbox.enqueue(tx, "h1", outbox.SMS, "remind_called", payload, now)

    services.write(None, queue)
    caplog.set_level(logging.DEBUG)
    cloud.script = ["LimitExceeded.PhoneNumberThirtySecondLimit"]
    assert deliver(cloud_client, clock()) == {"retry": 1}
    [message] = delivery_log(hall)["messages"]
    assert message["status"] == "pending"
    assert message["last_error"].startswith("LimitExceeded.PhoneNumberThirtySecondLimit")
    clock.advance(40)
    assert deliver(cloud_client, clock()) == {"delivered": 1}
    assert [b["TemplateParamSet"] for b in cloud.delivered] == [["测试大厅", "A007", "3"]]
    assert not [r for r in caplog.records if PHONE in r.getMessage()]


def test_a_refused_number_is_given_up(
    cloud_client: TestClient, cloud: FakeTencentSms, clock: Clock
) -> None:
    hall = Hall(cloud_client)
    services: HallServices = cloud_client.app_state["services"]

    def queue(tx: Tx, now: datetime, _events: list[Any]) -> None:
        payload = {"phone": services.sealer.seal(PHONE), "sms": CALLED.payload()}
        outbox.enqueue(tx, "h1", outbox.SMS, "remind_called", payload, now)

    services.write(None, queue)
    cloud.script = ["InvalidParameterValue.IncorrectPhoneNumber"]
    assert deliver(cloud_client, clock()) == {"give_up": 1}
    assert delivery_log(hall)["messages"][0]["status"] == "given_up"


def test_a_booking_code_is_sent_at_once_or_refused_with_503(
    cloud_client: TestClient, cloud: FakeTencentSms
) -> None:
    hall = Hall(cloud_client)
    set_hours(hall, WEEKDAYS)
    cloud.script = ["error:InternalError.Timeout", "error:InternalError.Timeout"]
    refused = book(hall)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "sms_unavailable"
    assert "验证码未发出" in refused.json()["message"]
    assert cloud.delivered == []
    cloud.script = ["LimitExceeded.PhoneNumberThirtySecondLimit"]  # once: the second try passes
    body = {"service": ID_CARD, "slot": TOMORROW_10, "name": "张三", "id_number": ADULT_ID}
    body |= {"phone": PHONE, "form": FILLED_FORMS[ID_CARD]}
    pending = hall.ok(hall.c.post("/api/halls/h1/appointments", json=body), 202)
    [sent] = cloud.delivered
    assert sent["TemplateId"] == TEMPLATES["code"]
    code, minutes = sent["TemplateParamSet"]
    assert minutes == "5"
    confirm = {"pending_id": pending["pending_id"], "code": code}
    hall.ok(hall.c.post("/api/halls/h1/appointments/confirm", json=confirm), 201)

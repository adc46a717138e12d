"""Tencent Cloud's SMS API (SendSms, 2021-01-11) on 127.0.0.1, for tests.

It answers as the cloud does: checks the TC3-HMAC-SHA256 signature of each
request with the secret key it was given (AuthFailure.SignatureFailure
otherwise), answers `{"Response": {"SendStatusSet": [...], "RequestId"}}` per
number, or `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` for a
request it refuses, with Content-Type application/json. `script` holds the
answers to give next, in order (a per-number code, "error:<Code>" for a
refused request, or an HTTP status as int); past it, every number is "Ok".
"""

import hashlib
import hmac
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_ID = "AKIDfake0000000000000000000000000000"
SECRET_KEY = "fake-secret-key-for-tests"
APP_ID = "1400000001"
SIGN = "一窗"
TEMPLATES = {
    "code": "100001",
    "remind_ahead": "100002",
    "remind_called": "100003",
    "rating_link": "100004",
    "followup_reminder": "100005",
    "visit_scheduled": "100006",
    "visit_declined": "100007",
}
_AUTH = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>\w+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[\w;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)
_MESSAGES = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": "单个手机号30秒内下发短信条数超过设定的上限",
    "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式错误",
    "AuthFailure.SignatureFailure": "The provided credentials could not be validated.",
    "InternalError.Timeout": "请求下发短信超时",
}


def settings_env(endpoint: str) -> dict[str, Any]:
    """The Settings fields that point the server at this fake."""
    return {
        "sms_url": "tencent:",
        "sms_secret_id": SECRET_ID,
        "sms_secret_key": SECRET_KEY,
        "sms_app_id": APP_ID,
        "sms_sign": SIGN,
        "sms_templates": ",".join(f"{k}={v}" for k, v in TEMPLATES.items()),
        "sms_region": "ap-guangzhou",
        "sms_endpoint": endpoint,
        "sms_timeout_s": 2.0,
    }


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def expected_signature(headers: dict[str, str], body: bytes, date: str, secret: str) -> str:
    """TC3-HMAC-SHA256 as the cloud's documentation gives it, worked out here
    without the SDK."""
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            headers["X-TC-Timestamp"],
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret}".encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    def __init__(self, secret_key: str = SECRET_KEY) -> None:
        self.secret_key = secret_key
        self.script: list[str | int] = []
        self.requests: list[dict[str, Any]] = []  # every request: headers and body
        self.delivered: list[dict[str, Any]] = []  # bodies of the messages answered Ok
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = fake.answer(dict(self.headers), raw)
                data = json.dumps({"Response": answer}, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4())
        with self.lock:
            self.requests.append({"headers": headers, "body": json.loads(raw)})
            scripted = self.script.pop(0) if self.script else "Ok"
        if isinstance(scripted, int):
            return scripted, {"RequestId": request_id}
        refused = self._refused(headers, raw)
        if refused is None and scripted.startswith("error:"):
            refused = scripted.removeprefix("error:")
        if refused is not None:
            error = {"Code": refused, "Message": _MESSAGES.get(refused, refused)}
            return 200, {"Error": error, "RequestId": request_id}
        body = json.loads(raw)
        if scripted == "Ok":
            with self.lock:
                self.delivered.append(body)
        statuses = [
            {
                "SerialNo": f"5000:{uuid.uuid4().int % 10**20}",
                "PhoneNumber": phone,
                "Fee": 1 if scripted == "Ok" else 0,
                "SessionContext": "",
                "Code": scripted,
                "Message": "send success" if scripted == "Ok" else _MESSAGES.get(scripted, ""),
                "IsoCode": "CN",
            }
            for phone in body["PhoneNumberSet"]
        ]
        return 200, {"SendStatusSet": statuses, "RequestId": request_id}

    def _refused(self, headers: dict[str, str], raw: bytes) -> str | None:
        """The cloud's checks of every request: the action and its signature."""
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return "InvalidAction"
        found = _AUTH.fullmatch(headers.get("Authorization", ""))
        if found is None or found["id"] != SECRET_ID or found["service"] != "sms":
            return "AuthFailure.SignatureFailure"
        wanted = expected_signature(headers, raw, found["date"], self.secret_key)
        if not hmac.compare_digest(wanted, found["signature"]):
            return "AuthFailure.SignatureFailure"
        return None

"""Server settings, read once from the environment into a frozen dataclass."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///var/yichuang.db"
DEFAULT_TIMEZONE = "Asia/Shanghai"


SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")  # SQLite levels that keep a WAL database whole


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    admin_token: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    # Key of the ID-number hash. It never lives in the database: set it in
    # production (the same on every process); elsewhere, one is generated once
    # into `secret_key_file` (default: secret.key beside the SQLite file).
    secret_key: str | None = None
    secret_key_file: str | None = None
    production: bool = False  # QUEUE_ENV=production: no generated keys
    # Where text messages go (sms.py): `log:` writes them to the server log
    # (development), `memory:` keeps them for tests to read, `tencent:` sends
    # them through Tencent Cloud SMS with the settings below.
    sms_url: str = "log:"
    sms_secret_id: str | None = None
    sms_secret_key: str | None = field(default=None, repr=False)
    sms_app_id: str | None = None  # the SmsSdkAppId of the cloud's application
    sms_sign: str | None = None  # the approved sign name (签名), e.g. 一窗
    # Template ids per message kind (sms.SmsKind): "code=1234567,remind_ahead=…"
    sms_templates: str = ""
    sms_region: str = "ap-guangzhou"
    sms_endpoint: str | None = None  # the API's host; tests point it at a fake
    sms_timeout_s: float = 5.0
    # Public booking requests allowed per client address, per ID number and per
    # phone (codes sent), in the `limits` notation.
    booking_limit_address: str = "10/minute;40/hour"
    booking_limit_id: str = "5/hour;10/day"
    booking_limit_phone: str = "3/10minute;10/day"
    redis_url: str | None = None
    # Where phones reach the server (tickets' QR codes); `serve` fills in the
    # address it listens on when unset.
    public_url: str = ""
    max_body_bytes: int = 64 * 1024
    body_timeout_s: float = 20.0  # a request body that stalls this long is refused (408)
    header_timeout_s: float = 10.0  # a connection whose request headers take longer is closed
    # Bad tokens from one client address: after `auth_failures` within
    # `auth_window_s`, its unknown tokens are refused with 429 until the window passes.
    auth_failures: int = 20
    auth_window_s: float = 60.0
    jobs_interval_s: float = 15.0  # 0 turns the scheduler off (tests drive the jobs)
    # The provincial 好差评 platform: each rating and case update is POSTed here
    # (with the token as a bearer) from the outbox; unset, nothing is recorded for it.
    province_url: str | None = None
    province_token: str | None = None
    # Webhook receivers inside the network (loopback, private, link-local …):
    # refused unless this is set (webhook_guard.py).
    webhook_private: bool = False
    # SQLite's fsync policy. FULL: a ticket acknowledged is on disk, through a
    # power cut (group commit pays one fsync per batch). NORMAL survives a
    # killed process but may lose the last commits when the machine stops.
    sqlite_synchronous: str = "FULL"
    # A bearer for GET /metrics; unset, only this machine may scrape it.
    metrics_token: str | None = None
    log_format: str = "text"  # json: one JSON object per line (logs.py)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        settings = cls(
            database_url=env.get("QUEUE_DATABASE_URL", DEFAULT_DATABASE_URL),
            admin_token=env.get("QUEUE_ADMIN_TOKEN") or None,
            timezone=env.get("QUEUE_TIMEZONE", DEFAULT_TIMEZONE),
            secret_key=env.get("QUEUE_SECRET_KEY") or None,
            secret_key_file=env.get("QUEUE_SECRET_KEY_FILE") or None,
            production=env.get("QUEUE_ENV", "").strip().lower() == "production",
            sms_url=env.get("QUEUE_SMS_URL", "log:"),
            sms_secret_id=env.get("QUEUE_SMS_SECRET_ID") or None,
            sms_secret_key=env.get("QUEUE_SMS_SECRET_KEY") or None,
            sms_app_id=env.get("QUEUE_SMS_APP_ID") or None,
            sms_sign=env.get("QUEUE_SMS_SIGN") or None,
            sms_templates=env.get("QUEUE_SMS_TEMPLATES", ""),
            sms_region=env.get("QUEUE_SMS_REGION") or "ap-guangzhou",
            sms_endpoint=env.get("QUEUE_SMS_ENDPOINT") or None,
            sms_timeout_s=float(env.get("QUEUE_SMS_TIMEOUT_S", "5")),
            booking_limit_address=env.get("QUEUE_BOOKING_LIMIT_ADDRESS", "10/minute;40/hour"),
            booking_limit_id=env.get("QUEUE_BOOKING_LIMIT_ID", "5/hour;10/day"),
            booking_limit_phone=env.get("QUEUE_BOOKING_LIMIT_PHONE", "3/10minute;10/day"),
            redis_url=env.get("QUEUE_REDIS_URL") or None,
            public_url=env.get("QUEUE_PUBLIC_URL", "").rstrip("/"),
            jobs_interval_s=float(env.get("QUEUE_JOBS_INTERVAL_S", "15")),
            max_body_bytes=int(env.get("QUEUE_MAX_BODY_BYTES", str(64 * 1024))),
            body_timeout_s=float(env.get("QUEUE_BODY_TIMEOUT_S", "20")),
            header_timeout_s=float(env.get("QUEUE_HEADER_TIMEOUT_S", "10")),
            auth_failures=int(env.get("QUEUE_AUTH_FAILURES", "20")),
            auth_window_s=float(env.get("QUEUE_AUTH_WINDOW_S", "60")),
            province_url=env.get("QUEUE_PROVINCE_URL") or None,
            province_token=env.get("QUEUE_PROVINCE_TOKEN") or None,
            webhook_private=env.get("QUEUE_WEBHOOK_PRIVATE", "").strip().lower() in ("1", "true"),
            sqlite_synchronous=env.get("QUEUE_SQLITE_SYNCHRONOUS", "FULL").strip().upper(),
            metrics_token=env.get("QUEUE_METRICS_TOKEN") or None,
            log_format=env.get("QUEUE_LOG_FORMAT", "text").strip().lower(),
        )
        settings.check()
        return settings

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    def check(self) -> None:
        """Fail at start-up, with a message, on a setting that cannot work."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Asia' is a folder
            raise SystemExit(
                f"QUEUE_TIMEZONE={self.timezone!r} is not a known time zone (e.g. Asia/Shanghai)"
            ) from None
        if self.sqlite_synchronous not in SYNCHRONOUS:
            raise SystemExit(
                f"QUEUE_SQLITE_SYNCHRONOUS={self.sqlite_synchronous!r} is not one of "
                + ", ".join(SYNCHRONOUS)
            )
        if self.log_format not in ("text", "json"):
            raise SystemExit(f"QUEUE_LOG_FORMAT={self.log_format!r} is not text or json")
        if self.production and not (self.secret_key or self.secret_key_file):
            raise SystemExit(
                "QUEUE_ENV=production needs QUEUE_SECRET_KEY (or QUEUE_SECRET_KEY_FILE naming a "
                "file that holds it): the key of the ID-number hash must not be generated "
                "beside the data"
            )

        if self.sms_url == "tencent:":
            self.sms_template_ids()  # every kind's template id, or SystemExit
            missing = [
                name
                for name, value in (
                    ("QUEUE_SMS_SECRET_ID", self.sms_secret_id),
                    ("QUEUE_SMS_SECRET_KEY", self.sms_secret_key),
                    ("QUEUE_SMS_APP_ID", self.sms_app_id),
                    ("QUEUE_SMS_SIGN", self.sms_sign),
                )
                if not value
            ]
            if missing:
                raise SystemExit(f"QUEUE_SMS_URL=tencent: needs {', '.join(missing)}")

    def sms_template_ids(self) -> dict[str, str]:
        """QUEUE_SMS_TEMPLATES as {kind: template id}; SystemExit when malformed."""
        ids: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in self.sms_templates.split(","))):
            kind, _, template = (x.strip() for x in part.partition("="))
            if not kind or not template.isdigit():
                raise SystemExit(
                    f"QUEUE_SMS_TEMPLATES: {part!r} is not kind=template id (digits), "
                    "e.g. code=1234567,remind_ahead=1234568"
                )
            ids[kind] = template
        return ids

    def key_file(self) -> Path:
        """Where the ID-number hash key is read from (or generated into) when
        QUEUE_SECRET_KEY is unset: outside the database, beside its file."""
        if self.secret_key_file:
            return Path(self.secret_key_file)
        if (db := self._sqlite_path()) is not None:
            return db.parent / "secret.key"
        return Path("var/secret.key")

    def _sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :].split("?")[0])
        return None

    def ensure_sqlite_dir(self) -> None:
        """Create the folder of a relative or absolute SQLite file if missing."""
        if (db := self._sqlite_path()) is not None:
            db.parent.mkdir(parents=True, exist_ok=True)

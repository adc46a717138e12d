"""Server settings, read once from the environment into a frozen dataclass."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///var/yichuang.db"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    admin_token: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    # Key for hashing ID numbers; when unset, one is generated and kept in the database.
    secret_key: str | None = None
    redis_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 64 * 1024
    body_timeout_s: float = 20.0  # a request body that stalls this long is refused (408)
    header_timeout_s: float = 10.0  # a connection whose request headers take longer is closed
    # Bad tokens from one client address: after `auth_failures` within
    # `auth_window_s`, its unknown tokens are refused with 429 until the window passes.
    auth_failures: int = 20
    auth_window_s: float = 60.0
    jobs_interval_s: float = 15.0  # 0 turns the scheduler off (tests drive the jobs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        settings = cls(
            database_url=env.get("QUEUE_DATABASE_URL", DEFAULT_DATABASE_URL),
            admin_token=env.get("QUEUE_ADMIN_TOKEN") or None,
            timezone=env.get("QUEUE_TIMEZONE", DEFAULT_TIMEZONE),
            secret_key=env.get("QUEUE_SECRET_KEY") or None,
            redis_url=env.get("QUEUE_REDIS_URL") or None,
            public_url=env.get("QUEUE_PUBLIC_URL", "http://127.0.0.1:8000"),
            jobs_interval_s=float(env.get("QUEUE_JOBS_INTERVAL_S", "15")),
            max_body_bytes=int(env.get("QUEUE_MAX_BODY_BYTES", str(64 * 1024))),
            body_timeout_s=float(env.get("QUEUE_BODY_TIMEOUT_S", "20")),
            header_timeout_s=float(env.get("QUEUE_HEADER_TIMEOUT_S", "10")),
            auth_failures=int(env.get("QUEUE_AUTH_FAILURES", "20")),
            auth_window_s=float(env.get("QUEUE_AUTH_WINDOW_S", "60")),
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

    def ensure_sqlite_dir(self) -> None:
        """Create the folder of a relative or absolute SQLite file if missing."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            Path(self.database_url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)

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
    # Where phones reach the server (tickets' QR codes); `serve` fills in the
    # address it listens on when unset.
    public_url: str = ""
    max_body_bytes: int = 64 * 1024
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
            public_url=env.get("QUEUE_PUBLIC_URL", "").rstrip("/"),
            jobs_interval_s=float(env.get("QUEUE_JOBS_INTERVAL_S", "15")),
        )
        settings.check()
        return settings

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    def check(self) -> None:
        """Fail at start-up, with a message, on a setting that cannot work."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SystemExit(
                f"QUEUE_TIMEZONE={self.timezone!r} is not a known time zone (e.g. Asia/Shanghai)"
            ) from None

    def ensure_sqlite_dir(self) -> None:
        """Create the folder of a relative or absolute SQLite file if missing."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            Path(self.database_url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)

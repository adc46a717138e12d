"""An app on a fresh database, and a small hall set up through the admin API."""

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from queue_server.app import create_app
from queue_server.day import HallDay
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock

ADMIN = "admin-secret-for-tests"
ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领, prefix A
PASSPORT = "CRJ-HZ-SC"  # 普通护照首次申请, prefix B


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The scheduler is off: tests drive the hall's jobs with their own clock.
    return Settings(
        database_url=db_url, admin_token=ADMIN, secret_key="test-key", jobs_interval_s=0
    )


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# What the Hall fixture's own set-up leaves on the audit.
SET_UP = ("hall.create", "window.put", "token.create")


class Hall:
    """Hall 'h1': windows 1-3 comprehensive, 4 exit-entry only, 5 green lane."""

    def __init__(self, client: TestClient, hall: str = "h1") -> None:
        self.c = client
        self.id = hall
        self.admin = bearer(ADMIN)
        self.ok(
            client.post("/api/halls", json={"id": hall, "name": "测试大厅"}, headers=self.admin)
        )
        for n in (1, 2, 3):
            self.put_window(n, {"label": f"{n}号窗口", "services": "all"})
        self.put_window(4, {"label": "4号出入境", "categories": ["exit_entry"]})
        self.put_window(5, {"label": "5号绿色通道", "services": "all", "lane": "green"})
        self.kiosk = self.token("kiosk")
        self.display = self.token("display")
        self.supervisor = self.token("supervisor")
        self.windows = {n: self.token("window", n) for n in range(1, 6)}

    @staticmethod
    def ok(response: httpx2.Response, status: int | tuple[int, ...] = (200, 201)) -> Any:
        wanted = status if isinstance(status, tuple) else (status,)
        assert response.status_code in wanted, (response.status_code, response.text)
        return response.json() if response.content else None

    def put_window(self, n: int, body: dict[str, Any]) -> Any:
        return self.ok(
            self.c.put(f"/api/halls/{self.id}/windows/{n}", json=body, headers=self.admin)
        )

    def token(self, role: str, window: int | None = None) -> dict[str, str]:
        body = {"role": role, "hall": self.id, "window": window}
        return bearer(self.ok(self.c.post("/api/tokens", json=body, headers=self.admin))["token"])

    def issue(
        self, service: str = ID_CARD, key: str | None = None, **extra: Any
    ) -> httpx2.Response:
        headers = self.kiosk | ({"Idempotency-Key": key} if key else {})
        return self.c.post(
            f"/api/halls/{self.id}/tickets", json={"service": service, **extra}, headers=headers
        )

    def ticket(self, service: str = ID_CARD, **extra: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(self.issue(service, **extra), 201)
        return result

    def act(
        self,
        n: int,
        action: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx2.Response:
        return self.c.post(
            f"/api/halls/{self.id}/windows/{n}/{action}",
            json=body,
            headers=headers if headers is not None else self.windows[n],
        )

    def do(self, n: int, action: str, body: dict[str, Any] | None = None) -> Any:
        return self.ok(self.act(n, action, body), (200, 204))

    def open(self, *numbers: int) -> None:
        for n in numbers:
            self.do(n, "open")

    def serve(self, n: int) -> dict[str, Any]:
        """Call next at window n, start and finish; the finished ticket."""
        self.do(n, "call-next")
        self.do(n, "start")
        return dict(self.do(n, "finish")["ticket"])

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(
            self.c.get(f"/api/halls/{self.id}/stats", headers=self.supervisor)
        )
        return result


@pytest.fixture
def hall(client: TestClient) -> Hall:
    return Hall(client)


@pytest.fixture
def day(settings: Settings, clock: Clock, client: TestClient) -> Iterator[HallDay]:
    """The hall's jobs on the app's database, with the test's clock."""
    store = Store(settings.database_url)
    try:
        yield HallDay(HallServices(store, settings, clock=clock))
    finally:
        store.dispose()

"""Doorbells: tell every server process that a hall has new events.

The events themselves live in the database (table `event`, one seq per hall,
written in the same transaction as the change). A ring only says "hall H
reached seq N"; listeners then read what they have not seen from the
database. So a lost ring costs latency, never an event, and the order is
always the database's.

- `memory://` (the default): rings this process only.
- `redis://…`: rings this process directly and every other process through
  Redis pub/sub. When Redis is away each process keeps ringing its own
  listeners; when it returns, `on_heal` tells them to re-read everything.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # imported when used: a process without Redis does not keep the client
    import redis.asyncio as aioredis

log = logging.getLogger("queue_server.broadcast")

Ring = Callable[[str, int], None]  # (hall, seq), called in the event loop
PING_TIMEOUT_S = 1.0
Heal = Callable[[], None]  # "you may have missed rings": re-read every hall
Forget = Callable[[], None]  # "a token was revoked": forget the tokens you know


class Doorbell(Protocol):
    async def start(self, on_ring: Ring, on_heal: Heal) -> None: ...

    def ring(self, hall: str, seq: int) -> None:
        """Thread-safe: called after a commit, from whichever thread committed."""

    async def stop(self) -> None: ...

    # Token revocation reaches every process the same way: `on_revoke` is
    # called in each (the revoking one has already forgotten its tokens).
    on_revoke: Forget

    async def tokens_revoked(self) -> None:
        """Tell every other process; returns once the message is out."""

    def reliable(self) -> bool:
        """True while a revocation reaches every process at once."""

    async def ping(self) -> bool | None:
        """Does the shared feed answer now? None: there is none to ask."""


class MemoryDoorbell:
    """One process: a revocation is known wherever it matters at once."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_ring: Ring = lambda _hall, _seq: None
        self.on_revoke: Forget = lambda: None

    async def start(self, on_ring: Ring, on_heal: Heal) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_ring = on_ring

    def ring(self, hall: str, seq: int) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._on_ring, hall, seq)

    async def stop(self) -> None:
        self._loop = None

    async def tokens_revoked(self) -> None:
        pass

    def reliable(self) -> bool:
        return True

    async def ping(self) -> bool | None:
        return None


class RedisDoorbell:
    """Pub/sub on `<prefix>:hall:<id>`; the message is the seq."""

    def __init__(self, url: str, prefix: str = "yichuang", *, max_backoff_s: float = 5.0) -> None:
        self.url = url
        self.prefix = prefix
        self.max_backoff_s = max_backoff_s
        self.healthy = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_ring: Ring = lambda _hall, _seq: None
        self._on_heal: Heal = lambda: None
        self.on_revoke: Forget = lambda: None
        self._client: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()

    async def start(self, on_ring: Ring, on_heal: Heal) -> None:
        import redis.asyncio as aioredis

        self._loop = asyncio.get_running_loop()
        self._on_ring, self._on_heal = on_ring, on_heal
        self._client = aioredis.Redis.from_url(
            self.url, socket_connect_timeout=1, socket_timeout=None, health_check_interval=10
        )
        self._listener = asyncio.create_task(self._listen(), name="redis-doorbell")

    def ring(self, hall: str, seq: int) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._ring_here, hall, seq)

    def _ring_here(self, hall: str, seq: int) -> None:
        self._on_ring(hall, seq)  # our own displays never wait for Redis
        if self.healthy:
            task = asyncio.create_task(self._publish(hall, seq))
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    async def _publish(self, hall: str, seq: int) -> None:
        from redis.exceptions import RedisError

        assert self._client is not None
        try:
            await self._client.publish(f"{self.prefix}:hall:{hall}", str(seq))
        except (RedisError, OSError) as exc:
            # The listener notices too, reconnects and heals every process.
            log.warning("redis publish failed: %s", exc)

    async def _listen(self) -> None:
        from redis.exceptions import RedisError

        assert self._client is not None
        backoff = 0.1
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self.prefix}:hall:*")
                    await pubsub.subscribe(self._tokens_channel)
                    if not self.healthy:
                        log.info("redis feed connected")
                    self.on_revoke()  # revocations too may have been lost
                    self.healthy, backoff = True, 0.1
                    self._on_heal()  # rings may have been lost while we were away
                    async for message in pubsub.listen():
                        self._deliver(message)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.healthy:
                    log.warning("redis feed lost (%s); serving local displays only", exc)
                self.healthy = False
            await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
            backoff = min(backoff * 2, self.max_backoff_s)

    @property
    def _tokens_channel(self) -> str:
        return f"{self.prefix}:tokens"

    async def tokens_revoked(self) -> None:
        from redis.exceptions import RedisError

        if self._client is None:
            return
        try:
            await self._client.publish(self._tokens_channel, b"revoked")
        except (RedisError, OSError) as exc:
            log.warning("redis publish of a revocation failed: %s", exc)  # caches untrusted

    def reliable(self) -> bool:
        return self.healthy

    async def ping(self) -> bool | None:
        from redis.exceptions import RedisError

        if self._client is None:
            return False
        try:
            return bool(await asyncio.wait_for(self._client.ping(), PING_TIMEOUT_S))
        except (RedisError, OSError, TimeoutError):
            return False

    def _deliver(self, message: dict[str, object]) -> None:
        if message.get("type") == "message":
            self.on_revoke()  # the one plain channel: a token was revoked
            return
        if message.get("type") != "pmessage":
            return
        channel, data = message.get("channel"), message.get("data")
        if not isinstance(channel, bytes) or not isinstance(data, bytes):
            return
        hall = channel.decode().rsplit(":", 1)[-1]
        with contextlib.suppress(ValueError):
            self._on_ring(hall, int(data))

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        for task in list(self._publishing):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
        self._loop = None


def doorbell_for(redis_url: str | None) -> Doorbell:
    return RedisDoorbell(redis_url) if redis_url else MemoryDoorbell()

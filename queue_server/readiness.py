"""`/readyz`: may this process take traffic? `/healthz` only says it is alive.

A load balancer takes a process out of rotation while its database does not
answer, while Redis (when configured) does not, or while its scheduler has
stopped turning; each check is bounded in time, so a hung database makes the
probe fail rather than hang. The answer names what failed, never a secret.
"""

import asyncio
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

from .broadcast import Doorbell
from .jobs import Jobs
from .store import Store

DATABASE_TIMEOUT_S = 2.0


async def readiness(store: Store, doorbell: Doorbell, jobs: Jobs) -> tuple[bool, dict[str, Any]]:
    """(ready, the checks) for the probe's answer."""
    checks = {
        "database": await _database(store),
        "redis": await _redis(doorbell),
        "scheduler": jobs.health(),
    }
    return all(check["ok"] for check in checks.values()), checks


async def _database(store: Store) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(run_in_threadpool(store.ping), DATABASE_TIMEOUT_S)
    except TimeoutError:
        return {"ok": False, "detail": f"no answer in {DATABASE_TIMEOUT_S:g} s"}
    except Exception as exc:  # whatever the driver raises: the probe says so
        return {"ok": False, "detail": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def _redis(doorbell: Doorbell) -> dict[str, Any]:
    answered = await doorbell.ping()
    if answered is None:
        return {"ok": True, "detail": "not configured (one process)"}
    return {"ok": answered, "detail": "answering" if answered else "no answer"}

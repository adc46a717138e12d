"""Displays of one hall reconnecting at once share one read of its board, and
never get a snapshot read before they asked (they listen to the feed first:
a snapshot older than that could miss an event)."""

import asyncio
import threading
import time

import pytest

from queue_server.snapshot_flights import SnapshotFlights


def test_displays_asking_together_share_one_read_and_a_later_one_gets_a_fresh_read() -> None:
    board = {"seq": 1}
    started = threading.Event()

    def read() -> dict[str, int]:
        snapshot = dict(board)  # the board as the read finds it
        started.set()
        time.sleep(0.2)  # a busy database
        return snapshot

    async def city() -> tuple[list[dict[str, int]], dict[str, int], int]:
        flights = SnapshotFlights()
        together = [asyncio.create_task(flights.snapshot("h1", read)) for _ in range(20)]
        other_hall = asyncio.create_task(flights.snapshot("h2", read))
        await asyncio.to_thread(started.wait)
        board["seq"] = 2  # an event committed while the first read runs
        late = await flights.snapshot("h1", read)  # asked after that read began
        await other_hall
        return await asyncio.gather(*together), late, flights.reads

    first, late, reads = asyncio.run(city())
    assert all(s is first[0] for s in first) and first[0] == {"seq": 1}  # one read for twenty
    assert late == {"seq": 2}  # never the read that began before it asked
    assert reads == 3  # h1 twice, h2 once


def test_a_failed_read_reaches_every_waiting_display() -> None:
    def read() -> dict[str, int]:
        raise ConnectionError("the database went away")

    async def city() -> list[BaseException | dict[str, int]]:
        flights = SnapshotFlights()
        asks = [flights.snapshot("h1", read) for _ in range(3)]
        return await asyncio.gather(*asks, return_exceptions=True)

    for outcome in asyncio.run(city()):
        assert isinstance(outcome, ConnectionError)


def test_a_display_leaving_does_not_cancel_the_read_of_the_others() -> None:
    def read() -> dict[str, int]:
        time.sleep(0.1)
        return {"seq": 5}

    async def city() -> dict[str, int]:
        flights = SnapshotFlights()
        leaving = asyncio.create_task(flights.snapshot("h1", read))
        staying = asyncio.create_task(flights.snapshot("h1", read))
        await asyncio.sleep(0.01)
        leaving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leaving
        return await staying

    assert asyncio.run(city()) == {"seq": 5}

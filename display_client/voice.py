"""Voice announcements: each call spoken twice, in order, never overlapping.

`Announcer` owns an asyncio queue and one worker task that runs the speech
command (by default espeak-ng's Mandarin voice) to completion before the
next, so two calls at the same moment are heard one after the other. The
command is injectable so tests can use a recording fake. A missing or
failing command is reported once and never stops the display.
"""

import asyncio
import contextlib
import shutil
import sys
from collections.abc import Callable, Sequence
from types import TracebackType

# "cmn-latn-pinyin", not plain "cmn": with espeak-ng 1.51 (Debian 12) the plain
# voice reads characters missing from its small dictionary (号, 到, 口, 办, 理, …)
# as English letters and tone digits ("hao four"); this variant reads them as
# Mandarin, and latin letters such as a ticket prefix are unaffected.
ESPEAK = ("espeak-ng", "-v", "cmn-latn-pinyin")
REPEAT = 2  # halls repeat each call so a visitor who missed the first hears the second
MISSING = "espeak-ng not found: install it (apt-get install espeak-ng) for voice announcements"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Announcer:
    """Speaks announcements queued with `say()`; use as `async with`.

    The text is passed as the command's last argument. `report` receives a
    one-line message when speech is unavailable (the command is not
    installed, or cannot be run); after that, `say()` does nothing and
    `problem` holds the message. A command that runs but fails is reported
    once and tried again for the next call, in case it was passing.
    """

    def __init__(
        self,
        command: Sequence[str] = ESPEAK,
        *,
        repeat: int = REPEAT,
        report: Callable[[str], None] = _to_stderr,
    ) -> None:
        self.command = tuple(command)
        self.repeat = repeat
        self.report = report
        self.problem: str | None = None
        self._failure_reported = False
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Announcer":
        if shutil.which(self.command[0]) is None:
            self._disable(MISSING if self.command == ESPEAK else f"{self.command[0]} not found")
        else:
            self._worker = asyncio.create_task(self._work(), name="announcer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    def say(self, text: str) -> None:
        """Queue `text` to be spoken `repeat` times after what is queued already."""
        if self._worker is not None and self.problem is None:
            self._queue.put_nowait(text)

    async def drain(self) -> None:
        """Until everything queued has been spoken (or speech was disabled)."""
        if self._worker is not None:
            await self._queue.join()

    async def _work(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                for _ in range(self.repeat):
                    if self.problem is None:
                        await self._speak(text)
            finally:
                self._queue.task_done()

    async def _speak(self, text: str) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command,
                text,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            self._disable(f"voice announcements off: cannot run {self.command[0]}: {exc}")
            return
        try:
            _, err = await process.communicate()
        finally:
            if process.returncode is None:  # cancelled mid-sentence: do not leave it talking
                process.kill()
                await process.wait()
        if process.returncode != 0 and not self._failure_reported:
            self._failure_reported = True
            last = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            self.report(
                f"voice announcement failed: {self.command[0]} exited with "
                f"{process.returncode} {last[0]}".strip()
            )

    def _disable(self, message: str) -> None:
        self.problem = message
        self.report(message)

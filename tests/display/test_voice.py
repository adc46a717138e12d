"""Voice announcements, with a fake speech command that records what it says."""

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from display_client.voice import ESPEAK, MISSING, Announcer
from tests.conftest import skip_or_fail

# Writes "start <text>", takes a moment to "speak", writes "end <text>": if two
# ran at once, their lines would interleave.
SPEAKER = """
import sys, time
log, text = sys.argv[1], sys.argv[2]
with open(log, "a", encoding="utf-8") as f:
    f.write(f"start {text}\\n")
time.sleep(0.05)
if text == "fail":
    sys.exit("Error: The specified espeak-ng voice does not exist.")
with open(log, "a", encoding="utf-8") as f:
    f.write(f"end {text}\\n")
"""


def fake(log: Path) -> list[str]:
    return [sys.executable, "-c", SPEAKER, str(log)]


async def speak(command: list[str], *texts: str, report: list[str] | None = None) -> None:
    notes = report if report is not None else []
    async with Announcer(command, report=notes.append) as announcer:
        for text in texts:
            announcer.say(text)
        await asyncio.wait_for(announcer.drain(), 30)


def test_each_call_is_spoken_twice_in_order_never_overlapping(tmp_path: Path) -> None:
    log = tmp_path / "spoken.txt"
    first, second = "请 A023 号到 5 号窗口办理", "请 B007 号到 10 号窗口办理"
    asyncio.run(speak(fake(log), first, second))
    assert log.read_text(encoding="utf-8").splitlines() == [
        f"start {first}",
        f"end {first}",
        f"start {first}",
        f"end {first}",
        f"start {second}",
        f"end {second}",
        f"start {second}",
        f"end {second}",
    ]


def test_a_failing_command_is_reported_once_and_the_next_call_still_spoken(
    tmp_path: Path,
) -> None:
    log = tmp_path / "spoken.txt"
    report: list[str] = []
    asyncio.run(speak(fake(log), "fail", "fail", "请 A024 号到 2 号窗口办理", report=report))
    assert log.read_text(encoding="utf-8").splitlines()[-2:] == [
        "start 请 A024 号到 2 号窗口办理",
        "end 请 A024 号到 2 号窗口办理",
    ]
    assert len(report) == 1
    assert "exited with 1" in report[0] and "voice does not exist" in report[0]


def test_the_default_voice_reads_the_whole_announcement_in_mandarin() -> None:
    if shutil.which("espeak-ng") is None:
        skip_or_fail("espeak-ng is not installed (scripts/install-system-deps)")
    # -x -q: print the phonemes, say nothing. Plain "cmn" switches to English
    # for 请, 号, 到, 口, 办, 理 in espeak-ng 1.51 ("(en)heI…fo@" is "hao four").
    phonemes = subprocess.run(
        [*ESPEAK, "-x", "-q", "请 A023 号到 5 号窗口办理"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert phonemes.strip() and "(en)" not in phonemes


def test_without_espeak_ng_one_clear_message_and_no_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: nothing is installed
    report: list[str] = []

    async def scenario() -> None:
        async with Announcer(report=report.append) as announcer:
            announcer.say("请 A023 号到 5 号窗口办理")
            await asyncio.wait_for(announcer.drain(), 5)
            assert announcer.problem == MISSING

    asyncio.run(scenario())
    assert report == [MISSING]
    assert "apt-get install espeak-ng" in MISSING


def test_stopping_mid_sentence_silences_the_speaker(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    long_speech = [
        sys.executable,
        "-c",
        "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)",
        str(pid_file),
    ]

    async def scenario() -> None:
        async with Announcer(long_speech) as announcer:
            announcer.say("请 A023 号到 5 号窗口办理")
            for _ in range(500):  # until the speaker has started (bounded: 10 s)
                if pid_file.exists() and pid_file.read_text():
                    break
                await asyncio.sleep(0.02)

    asyncio.run(scenario())
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

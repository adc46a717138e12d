"""What scripts/bench reads from /proc: a server's memory, and whether the
machine was busy with other work while a level ran.

The benchmark shares its machine (2 cores here) with whatever else runs, and
a figure taken while a test suite ran next to it is not comparable with one
taken on a quiet machine. `CpuWatch` tells them apart: the CPU time the
whole machine spent during a level, minus what the benchmark's own processes
(this one, its servers and its reaped children: wrk, display workers) spent,
as a share of the machine. On the PostgreSQL setup, PostgreSQL and Redis
count as "other".
"""

import os
import resource
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """The resident set of process `pid`, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def machine_busy_s() -> float:
    """CPU seconds the machine spent on anything but idle, since boot (all cores)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / TICK


def process_cpu_s(pid: int) -> float:
    """utime + stime of a live process; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # stat fields 14, 15


def own_cpu_s(pids: list[int]) -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = me.ru_utime + me.ru_stime + reaped.ru_utime + reaped.ru_stime
    return ours + sum(process_cpu_s(pid) for pid in pids)


class CpuWatch:
    """Started before a level, read after it (once its children are reaped)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.wall = time.monotonic()
        self.machine = machine_busy_s()
        self.ours = own_cpu_s(pids)

    def other_pct(self) -> float:
        """Share of the machine (all cores) used by other processes meanwhile, in %."""
        wall = time.monotonic() - self.wall
        other = (machine_busy_s() - self.machine) - (own_cpu_s(self.pids) - self.ours)
        cores = os.cpu_count() or 1
        return round(max(0.0, 100 * other / (wall * cores)), 1) if wall > 0 else 0.0

"""Feed messages shaped as docs/feed.md (and as the server sends them), for tests."""

from typing import Any

AT = "2026-11-25T01:31:02+00:00"  # 09:31:02 in Shanghai
HALL = {"id": "demo", "name": "市公安局政务服务中心（演示大厅）", "timezone": "Asia/Shanghai"}
STATE_ZH = {"closed": "未开启", "open": "空闲", "calling": "叫号中", "serving": "办理中"}
STATE_ZH |= {"paused": "暂停服务"}


def waiting(total: int = 0, green: int = 0, hukou: int | None = None) -> dict[str, Any]:
    return {
        "total": total,
        "green_channel": green,
        "by_category": [
            {"category": "hukou", "name": "户政", "count": total if hukou is None else hukou},
            {"category": "exit_entry", "name": "出入境", "count": 0},
        ],
    }


def window(
    number: int, state: str = "open", ticket: str | None = None, label: str | None = None
) -> dict[str, Any]:
    return {
        "number": number,
        "label": label or f"{number}号综合窗口",
        "state": state,
        "state_zh": STATE_ZH[state],
        "lane": "standard",
        "ticket": ticket,
        "since": "2026-11-25T09:00:00+08:00" if state != "closed" else None,
    }


def call(
    number: str, at_window: int, green: bool = False, called_at: str = "09:20:00"
) -> dict[str, Any]:
    return {
        "number": number,
        "window": at_window,
        "green_channel": green,
        "service_name": "居民身份证换领",
        "called_at": f"2026-11-25T{called_at}+08:00",
    }


def ticket(
    number: str, at_window: int | None = None, status: str = "called", green: bool = False
) -> dict[str, Any]:
    return {
        "id": f"id-{number}",
        "number": number,
        "service": "HZ-SFZ-HL",
        "service_name": "居民身份证换领",
        "category": "hukou",
        "green_channel": green,
        "status": status,
        "window": at_window,
        "recalls": 0,
    }


def snapshot(
    seq: int = 40,
    *,
    now_calling: list[dict[str, Any]] | None = None,
    last_calls: list[dict[str, Any]] | None = None,
    windows: list[dict[str, Any]] | None = None,
    queue: dict[str, Any] | None = None,
    at: str = AT,
) -> dict[str, Any]:
    return {
        "type": "snapshot",
        "seq": seq,
        "at": at,
        "data": {
            "seq": seq,
            "hall": HALL,
            "now_calling": now_calling or [],
            "last_calls": last_calls or [],
            "waiting": queue or waiting(3),
            "windows": windows if windows is not None else [window(n) for n in (1, 2, 5)],
        },
    }


def event(kind: str, seq: int, at: str = AT, **data: Any) -> dict[str, Any]:
    data.setdefault("waiting", waiting(3))
    return {"type": kind, "seq": seq, "at": at, "data": data}


def called(seq: int, number: str, at_window: int, green: bool = False, **kw: Any) -> dict[str, Any]:
    """`ticket.called` (or, with kind=, `ticket.recalled`) as the server sends it."""
    kind = kw.pop("kind", "ticket.called")
    return event(
        kind,
        seq,
        ticket=ticket(number, at_window, green=green),
        window=window(at_window, "calling", number),
        announcement={
            "voice": f"请 {number} 号到 {at_window} 号窗口办理",
            "screen": f"{number} → {at_window}号窗口",
        },
        **kw,
    )

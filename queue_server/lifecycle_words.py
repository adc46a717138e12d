"""The words a clerk and a visitor read for a ticket's status and a move's
name, in refusals and on the pages. Pure: the protocol's states only."""

from collections.abc import Mapping

from .protocol import WINDOW_STATE_ZH, TicketStatus, WindowState

# The words a clerk and a visitor read in refusals (the pages use the same).
# Actions are keyed by value: a ticket's and a window's "call" read alike.
_TICKET_STATUS_ZH = {
    TicketStatus.WAITING: "等候中",
    TicketStatus.CALLED: "已叫号",
    TicketStatus.SERVING: "办理中",
    TicketStatus.DONE: "已办结",
    TicketStatus.NO_SHOW: "已过号",
    TicketStatus.CANCELLED: "已取消",
    TicketStatus.TRANSFERRED: "已转办",
    TicketStatus.SUSPENDED: "挂起",
    TicketStatus.UNSERVED: "未办理",
}

ACTION_ZH: Mapping[str, str] = {
    "open": "开窗",
    "pause": "暂停",
    "resume": "恢复服务",
    "close": "关窗",
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "finish": "办结",
    "no-show": "过号",
    "transfer": "转办",
    "suspend": "挂起",
    "resume-ticket": "恢复挂起号",
    "cancel": "取消",
    "close-day": "日终结转",
    "check-in": "签到",
    "pass": "暂时跳过",
    "drop": "过号作废",
}


def window_state_zh(state: WindowState) -> str:
    return WINDOW_STATE_ZH[state]


def ticket_status_zh(status: TicketStatus) -> str:
    return _TICKET_STATUS_ZH[status]

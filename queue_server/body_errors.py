"""A refused request body in the reader's words: each wrong field by its
Chinese name, with what it should be ("最多重呼次数：不能大于 10"), instead of
pydantic's field paths. The English twin keeps pydantic's own messages."""

import re
from typing import Any

from pydantic import ValidationError

from .policy_help import HELP

# Field names the console and the devices send, in the words their screens use.
FIELD_ZH: dict[str, str] = {
    "announcement": "公告",
    "url": "接收地址",
    "events": "事件",
    "description": "说明",
    "name": "名称",
    "timezone": "时区",
    "label": "名称",
    "staff_no": "工号",
    "password": "密码",
    "role": "角色",
    "active": "是否在用",
    "note": "备注",
    "service": "事项",
    "services": "办理事项",
    "categories": "类别",
    "lane": "窗口类型",
    "enabled": "开通",
    "target_wait_minutes": "目标等候（分钟）",
    "minutes": "办理时长（分钟）",
    "walk_in": "取号方式",
    "slot_capacity": "每时段名额",
    "materials": "所需材料",
    "guide": "办事指引",
    "answers": "办事指引的回答",
    "weekly": "每周办公时间",
    "closed_dates": "不办公日期",
    "until": "延时至",
    "group_label": "群体名称",
    "groups": "绿色通道群体",
    "declared": "绿色通道群体",
    "priority": "优先类别",
    "confirm": "核验结果",
    "expires_in_days": "有效期（天）",
    "finding": "核实情况",
    "founded": "是否属实",
    "measures": "整改措施",
    "reached": "是否联系上",
    "result": "回访结果",
    "satisfaction": "满意度",
    "reason": "理由",
    "reasons": "原因",
    "comment": "情况说明",
    "ticket_id": "号票",
    "callback_phone": "回访电话",
    "score": "评价",
    "missing": "所缺材料",
    "due": "补交日期",
    "by": "回访人",
    "slot": "时段",
    # 预约 (AppointmentIn, ConfirmIn; name, phone and answers as above)
    "id_number": "证件号码",
    "document_type": "证件类型",
    "form": "预填表单",
    "pending_id": "预约请求",
    "purpose": "验证码用途",
    # 送服务上门 (visit_bodies)
    "kind": "申请类型",
    "people": "办理人数",
    "contact_name": "联系人",
    "phone": "手机号码",
    "address": "上门地址",
    "wanted_date": "期望日期",
    "challenge": "验证请求",
    "code": "验证码",
    "at": "上门时间",
    "outcome": "办理结果",
    "started_at": "开始时间",
    "finished_at": "结束时间",
    # 线上取号 (id_number and document_type as for 预约)
    "door": "签到码",
    "ticket": "号码",
    "number": "号码",
    # 到号提醒 (ReminderIn; phone, challenge and code as above)
    "ahead": "提前提醒人数",
    # 调度取舍 (TradeoffIn; its minutes in MODEL_FIELD_ZH)
    "phrase": "取舍",
    **{name: help_.label for name, help_ in HELP.items()},
}


# Where one body's field shares a name with another's: by the body's class.
MODEL_FIELD_ZH: dict[str, dict[str, str]] = {
    "TradeoffIn": {"minutes": "绿色通道最长等候（分钟）"},
}

# The member of a union a value failed ("constrained-str", "int", "function-after[…]"):
# pydantic puts it in the error's path; the reader knows no such field.
_UNION_MEMBER = re.compile(r"(constrained-)?(str|int|float|bool)|[a-z-]+\[.*\]")


def _field(loc: tuple[Any, ...], names: dict[str, str]) -> str:
    """The field's Chinese name; one the screens do not send in 「」, as sent."""
    parts = [p for p in loc if isinstance(p, int) or not _UNION_MEMBER.fullmatch(str(p))]
    named = [names.get(str(p), f"「{p}」") for p in parts if not isinstance(p, int)]
    at = [f"第 {part + 1} 项" for part in parts if isinstance(part, int)]
    return "".join(named[-1:] + at[-1:]) or "请求内容"


def _reason(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    reasons = {
        "missing": "必须填写",
        "extra_forbidden": "不认识这一项",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "bool_type": "应为是或否（true / false）",
        "string_type": "应为文字",
        "list_type": "应为列表",
        "model_type": "应为一个 JSON 对象（{…}）",  # the whole body: the sender is a program
        "greater_than_equal": f"不能小于 {ctx.get('ge')}",
        "greater_than": f"应大于 {ctx.get('gt')}",
        "less_than_equal": f"不能大于 {ctx.get('le')}",
        "less_than": f"应小于 {ctx.get('lt')}",
        "string_too_long": f"最多 {ctx.get('max_length')} 个字",
        "string_too_short": "不能为空"
        if ctx.get("min_length") == 1
        else f"至少 {ctx.get('min_length')} 个字",
        "too_long": f"最多 {ctx.get('max_length')} 项",
        "too_short": f"至少 {ctx.get('min_length')} 项",
        "literal_error": f"应为：{_choices(str(ctx.get('expected')))}",
        "string_pattern_mismatch": "格式不对",
        "date_parsing": "应写成 2026-12-11 这样的日期",
        "date_from_datetime_parsing": "应写成 2026-12-11 这样的日期",
    }
    return reasons.get(kind, "填写有误")


def _choices(expected: str) -> str:
    """pydantic's "'cancel' or 'move'" (or "'a', 'b' or 'c'") as "cancel、move"."""
    return "、".join(re.findall(r"'([^']*)'", expected)) or expected


def in_chinese(exc: ValidationError) -> str:
    """'请求内容有误：最多重呼次数不能大于 10；公告最多 200 个字'."""
    names = FIELD_ZH | MODEL_FIELD_ZH.get(exc.title, {})
    said = dict.fromkeys(f"{_field(e['loc'], names)}{_reason(e)}" for e in exc.errors())
    return "请求内容有误：" + "；".join(list(said)[:5])

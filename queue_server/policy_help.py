"""What each of a hall's dispatch and day settings (`Policy`) means, in the
director's words: a label, a one-line explanation and the unit, for the
console. A setting without an entry here fails a test, so none ships unexplained.
"""

from dataclasses import dataclass

from .domain import Policy


@dataclass(frozen=True, slots=True)
class SettingHelp:
    label: str
    explanation: str
    unit: str  # 秒, 分钟, 次, 张, 天, 工作日, 人, %, or 开关 (0 off, 1 on)


SWITCH = "开关"

HELP: dict[str, SettingHelp] = {
    "green_boost_s": SettingHelp(
        "绿色通道优先", "老人、军人等绿色通道号比同时取号的普通号提前这么多秒被叫", "秒"
    ),
    "appointment_boost_s": SettingHelp(
        "预约号优先", "按时签到的预约号比同时取号的现场号提前这么多秒被叫", "秒"
    ),
    "transfer_boost_s": SettingHelp(
        "转办号优先", "转到其他窗口或事项的号码提前这么多秒被叫，免得从头再排", "秒"
    ),
    "return_boost_s": SettingHelp(
        "挂起返回优先", "补齐材料回来的挂起号提前这么多秒被叫（默认一天：排到队首）", "秒"
    ),
    "target_boost_s_per_min": SettingHelp(
        "时限短的事项优先",
        "事项目标等候时间每比 30 分钟短 1 分钟，提前这么多秒被叫；0 为不按时限排序",
        "秒",
    ),
    "green_cap_min": SettingHelp(
        "绿色通道期限",
        "绿色通道号以取号后这么多分钟为期限，与普通号的期限（目标等候的两倍）一起排序；0 为不设",
        "分钟",
    ),
    "green_calm_cap_min": SettingHelp(
        "空闲时绿色通道期限",
        "没有普通号等候达到事项目标等候时间的九成时，绿色通道号以取号后这么多分钟为期限；0 为不设",
        "分钟",
    ),
    "green_busy_cap_min": SettingHelp(
        "繁忙时绿色通道期限",
        "有普通号等候达到事项目标等候时间的九成时，绿色通道号以取号后这么多分钟为期限；0 为不设",
        "分钟",
    ),
    "max_recalls": SettingHelp("最多重呼次数", "一个号码叫号后最多再重呼几次，之后只能过号", "次"),
    "no_show_after_s": SettingHelp(
        "过号等待时间", "最后一次重呼后等这么久仍未到窗口，即按过号处理、窗口可叫下一位", "秒"
    ),
    "queue_alert_length": SettingHelp(
        "排队预警张数", "同一类别等候的号码达到这么多张时，向主管发出排队过长预警", "张"
    ),
    "slot_minutes": SettingHelp("预约时段长度", "预约按这么长的时段划分，每段有各自名额", "分钟"),
    "appointment_share_pct": SettingHelp(
        "预约占比", "窗口办理时间中留给预约的比例，据此计算每时段名额（事项可自设名额）", "%"
    ),
    "checkin_early_min": SettingHelp(
        "最早签到", "预约者最早可在时段开始前这么多分钟签到，并从此享有预约优先", "分钟"
    ),
    "checkin_grace_min": SettingHelp(
        "签到宽限", "时段开始后这么多分钟内签到仍算准时；更晚签到按现场号排队", "分钟"
    ),
    "noshow_strikes": SettingHelp(
        "爽约次数上限", "在统计天数内预约未到达到这么多次，暂停其预约资格", "次"
    ),
    "strike_days": SettingHelp("爽约统计天数", "统计预约未到次数的时间范围", "天"),
    "ban_days": SettingHelp("暂停预约天数", "爽约达到上限后，这么多天内不能再预约", "天"),
    "booking_horizon_days": SettingHelp("可预约天数", "最多可提前这么多天预约", "天"),
    "window_shows_staff": SettingHelp(
        "窗口屏显示工号和姓名", "开启后，窗口屏显示在岗工作人员的工号和姓名", SWITCH
    ),
    "case_due_days": SettingHelp(
        "差评整改期限", "差评和「办不成事」工单须在这么多个工作日内整改并回访", "工作日"
    ),
    "case_warn_days": SettingHelp(
        "临期提醒", "工单离整改期限只剩这么多个工作日时，督导台提示临期", "工作日"
    ),
    "rating_change_min": SettingHelp(
        "评价可修改时间", "办事人评价后这么多分钟内可以改评，之后以最后一次为准", "分钟"
    ),
    "rating_sms": SettingHelp(
        "短信评价", "开启后，预约时验证过手机号的办事人办结后收到评价链接短信", SWITCH
    ),
    "repeat_visit_days": SettingHelp(
        "「最多跑一次」回访期",
        "补正材料或容缺受理后，同一人这么多天内再来办同一事项算第二次跑动",
        "天",
    ),
    "followup_remind_days": SettingHelp(
        "容缺补交提醒", "容缺受理的材料到期前这么多天提醒办事人和窗口", "天"
    ),
    "remote_share_pct": SettingHelp(
        "线上取号占比",
        "线上取号的号码最多占全厅等候号码的这个比例（含新取的号，向上取整）；0 为不开放线上取号",
        "%",
    ),
    "remote_grace_min": SettingHelp(
        "线上取号保留时间", "线上取号轮到时尚未到场签到，号码保留这么多分钟，过时作废", "分钟"
    ),
    "visit_horizon_days": SettingHelp(
        "上门服务可约天数", "送服务上门的期望日期和安排时间最多在这么多天之内", "天"
    ),
    "visit_company_min": SettingHelp(
        "企业上门最少人数", "企业申请送服务上门，办理人数须至少这么多", "人"
    ),
    "retention_days": SettingHelp(
        "个人信息保存期",
        "姓名、手机号、证件号摘要、预填表单和上门地址保存这么多天后自动清除；统计数字和操作记录保留",
        "天",
    ),
    "remind_ahead": SettingHelp(
        "到号提醒",
        "前面还剩这么多张号时，排队进度页以声音、振动和通知提醒办事人（默认值，办事人可自选）",
        "张",
    ),
}


def settings_help() -> list[dict[str, object]]:
    """Every setting `Policy` has, in its order: name, label, explanation, unit
    and default value."""
    return [
        {
            "name": name,
            "label": HELP[name].label,
            "explanation": HELP[name].explanation,
            "unit": HELP[name].unit,
            "default": default,
        }
        for name, default in Policy().settings().items()
    ]

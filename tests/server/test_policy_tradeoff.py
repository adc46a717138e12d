"""A hall's dispatch trade-off in plain words (issue 18): the director picks a
phrase, the server sets the dispatch settings it stands for, the console reads
which one the hall runs; a wrong phrase or number is refused in Chinese."""

from typing import Any

from queue_server import tradeoff
from queue_server.domain import Policy
from tests.server.conftest import Hall

PATH = "/api/halls/h1/policy/tradeoff"


def test_a_new_hall_runs_the_default_trade_off() -> None:
    assert tradeoff.current(Policy()) == ("balanced", None)


def test_every_phrase_sets_the_dispatch_settings_and_is_read_back(hall: Hall) -> None:
    served = hall.ok(hall.c.get(PATH, headers=hall.supervisor))
    assert served["current"] == {"key": "balanced", "minutes": None}
    assert "绿色通道最长等候不超过 N 分钟" in [p["phrase"] for p in served["phrases"]]
    for phrase in served["phrases"]:
        body: dict[str, Any] = {"phrase": phrase["key"]}
        if phrase["minutes"]:
            body["minutes"] = 12
        answer = hall.ok(hall.c.put(PATH, json=body, headers=hall.admin))
        assert answer["current"]["key"] == phrase["key"]
        policy = hall.ok(hall.c.get("/api/halls/h1", headers=hall.supervisor))["policy"]
        assert {k: policy[k] for k in tradeoff.DISPATCH} == tradeoff.settings(
            phrase["key"], body.get("minutes")
        )
    capped = hall.ok(
        hall.c.put(PATH, json={"phrase": "green_cap", "minutes": 15}, headers=hall.admin)
    )
    assert capped["current_text"] == "绿色通道最长等候不超过 15 分钟"
    policy = hall.ok(hall.c.get("/api/halls/h1", headers=hall.supervisor))["policy"]
    assert policy["green_cap_min"] == 15
    assert policy["max_recalls"] == Policy().max_recalls  # the other settings stay


def test_the_choice_is_audited_with_the_phrase(hall: Hall) -> None:
    hall.ok(hall.c.put(PATH, json={"phrase": "fair"}, headers=hall.admin))
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    (record,) = [r for r in records if r["action"] == "policy.tradeoff"]
    assert record["after"]["tradeoff"] == "普通号等候尽量公平"
    assert record["before"]["target_boost_s_per_min"] == 120
    assert record["after"]["target_boost_s_per_min"] == 0


def test_an_unknown_phrase_or_minutes_out_of_range_is_refused_in_chinese(hall: Hall) -> None:
    unknown = hall.c.put(PATH, json={"phrase": "fastest"}, headers=hall.admin)
    assert unknown.status_code == 422
    assert unknown.json()["message"].startswith("没有这种取舍：fastest")
    assert "green_first（绿色通道始终优先）" in unknown.json()["message"]  # the key to send
    assert unknown.json()["error"] == "unknown_tradeoff"
    blank = hall.c.put(PATH, json={"phrase": " "}, headers=hall.admin).json()["message"]
    assert blank.startswith("请选择一种取舍；可选 balanced（")
    missing = hall.c.put(PATH, json={}, headers=hall.admin).json()["message"]
    assert missing == "请求内容有误：取舍必须填写"
    for minutes in (None, 2, 90, 10**30):
        body = {"phrase": "green_cap", "minutes": minutes}
        answer = hall.c.put(PATH, json=body, headers=hall.admin)
        assert answer.status_code == 422
        message = answer.json()["message"]
        assert message.startswith("「绿色通道最长等候不超过 N 分钟」的分钟数应在 5–30 之间")
        assert "None" not in message and answer.json()["error"] == "tradeoff_minutes"
    policy = hall.ok(hall.c.get("/api/halls/h1", headers=hall.supervisor))["policy"]
    assert policy["green_cap_min"] == Policy().green_cap_min  # nothing half-applied


def test_only_an_admin_chooses(hall: Hall) -> None:
    answer = hall.c.put(PATH, json={"phrase": "fair"}, headers=hall.supervisor)
    assert answer.status_code == 403


def test_a_hall_stored_before_the_calm_deadline_keeps_the_order_it_chose() -> None:
    # What a hall's row held before green_calm_cap_min existed, per phrase.
    before = {
        "balanced": {"green_boost_s": 1200, "target_boost_s_per_min": 120, "green_cap_min": 0},
        "fair": {"green_boost_s": 1200, "target_boost_s_per_min": 0, "green_cap_min": 0},
        "arrival": {"green_boost_s": 0, "target_boost_s_per_min": 0, "green_cap_min": 0},
        "green_first": {"green_boost_s": 86_400, "target_boost_s_per_min": 120},
    }
    for key, row in before.items():
        assert tradeoff.current(Policy(**tradeoff.stored(row))) == (key, None), key
    balanced, fair = (Policy(**tradeoff.stored(before[k])) for k in ("balanced", "fair"))
    assert (balanced.green_calm_cap_min, balanced.green_busy_cap_min) == (20, 30)
    assert (fair.green_calm_cap_min, fair.green_busy_cap_min) == (0, 0)


def test_a_hall_that_turned_the_calm_deadline_off_gets_no_busy_one() -> None:
    # Stored after the calm deadline existed, before the busy one did.
    row = {"green_boost_s": 1200, "target_boost_s_per_min": 120, "green_calm_cap_min": 0}
    assert Policy(**tradeoff.stored(row)).green_busy_cap_min == 0
    kept = {"green_boost_s": 1200, "target_boost_s_per_min": 120, "green_calm_cap_min": 20}
    assert tradeoff.current(Policy(**tradeoff.stored(kept))) == ("balanced", None)


def test_a_setting_of_a_newer_version_does_not_stop_the_hall_loading() -> None:
    row = {"max_recalls": 1, "green_calm_cap_min": 15, "a_setting_from_the_future": 3}
    assert tradeoff.stored(row) == {"max_recalls": 1, "green_calm_cap_min": 15}


def test_a_wrong_body_names_the_field_in_the_trade_offs_words(hall: Hall) -> None:
    typed = hall.c.put(PATH, json={"phrase": "green_cap", "minutes": "10"}, headers=hall.admin)
    assert typed.json()["message"] == "请求内容有误：绿色通道最长等候（分钟）应为整数"
    odd = hall.c.put(PATH, json={"phrase": "fair", "bogus": 1}, headers=hall.admin)
    assert odd.json()["message"] == "请求内容有误：「bogus」不认识这一项"
    listed = hall.c.put(PATH, json=[], headers=hall.admin)
    assert listed.json()["message"] == "请求内容有误：请求内容应为一个 JSON 对象（{…}）"

"""The console's policy section: every setting explained in Chinese with its
unit (a new setting cannot ship without), served with its default and range;
a change is audited with its before and after."""

from typing import Any

from queue_server.domain import Policy
from queue_server.policy_help import HELP
from tests.server.conftest import Hall

UNITS = {"秒", "分钟", "次", "张", "天", "%", "开关", "工作日", "人"}


def test_every_policy_setting_has_a_label_an_explanation_and_a_unit() -> None:
    for name in Policy().settings():
        assert name in HELP, f"Policy.{name} has no explanation in policy_help.HELP"
        entry = HELP[name]
        assert entry.label and 8 <= len(entry.explanation) <= 60, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.explanation), name
        assert entry.unit in UNITS, name


def test_the_settings_are_served_with_default_and_range(hall: Hall) -> None:
    served: list[dict[str, Any]] = hall.ok(hall.c.get("/api/policy-settings"))
    defaults = Policy().settings()
    assert [s["name"] for s in served] == list(defaults)  # only what Policy has
    for entry in served:
        assert entry["default"] == defaults[entry["name"]]
        if entry["unit"] != "开关":  # a switch is on or off, no range
            assert entry["minimum"] <= entry["default"] <= entry["maximum"]
    slots = next(s for s in served if s["name"] == "slot_minutes")
    assert (slots["unit"], slots["minimum"], slots["maximum"]) == ("分钟", 5, 240)


def policy_records(hall: Hall) -> list[dict[str, Any]]:
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    return [r for r in records if r["action"] == "policy.update"]


def test_a_policy_change_is_audited_with_what_it_changed(hall: Hall) -> None:
    body = {"max_recalls": 3, "slot_minutes": 30}  # 30 is the default: no change
    hall.ok(hall.c.put("/api/halls/h1/policy", json=body, headers=hall.admin))
    (record,) = policy_records(hall)
    assert record["action"] == "policy.update"
    assert (record["before"], record["after"]) == ({"max_recalls": 2}, {"max_recalls": 3})
    hall.ok(hall.c.put("/api/halls/h1/policy", json=body, headers=hall.admin))
    assert len(policy_records(hall)) == 1


def test_a_wrong_setting_is_named_in_the_directors_words(hall: Hall) -> None:
    answer = hall.c.put("/api/halls/h1/policy", json={"max_recalls": -3}, headers=hall.admin)
    assert answer.status_code == 422
    assert answer.json()["message"] == "请求内容有误：最多重呼次数不能小于 0"
    long = hall.c.patch(
        "/api/halls/h1/catalogue/HZ-SFZ-HL", json={"materials": ["x" * 121]}, headers=hall.admin
    )
    assert long.json()["message"] == "请求内容有误：所需材料第 1 项最多 120 个字"
    english = hall.c.put(
        "/api/halls/h1/policy",
        json={"max_recalls": -3},
        headers=hall.admin | {"Accept-Language": "en"},
    )
    assert "max_recalls" in english.json()["message"]  # the English keeps the field's name


def test_a_null_setting_is_refused_and_nothing_changes(hall: Hall) -> None:
    body = {"max_recalls": 3, "green_calm_cap_min": None}
    answer = hall.c.put("/api/halls/h1/policy", json=body, headers=hall.admin)
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("请求内容有误：空闲时绿色通道期限不能为空")
    policy = hall.ok(hall.c.get("/api/halls/h1", headers=hall.supervisor))["policy"]
    assert policy["max_recalls"] == 2 and policy["green_calm_cap_min"] == 20

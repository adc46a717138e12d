"""办事指引 trees, pure: a tree is checked before any hall keeps it, answers
follow one path from its start, and the personal 收件清单 adds what the chosen
options ask for, each once, in order."""

import copy
from typing import Any

import pytest

from queue_server import catalogue
from queue_server.errors import InvalidInput
from queue_server.guide_trees import answered, check_answers, parse_guide, walk

MATERIALS = ["申请人的居民户口簿", "申请人的居民身份证"]


def tree() -> dict[str, Any]:
    return {
        "start": "who",
        "questions": [
            {
                "id": "who",
                "text": "您要投靠谁？",
                "options": [
                    {"id": "spouse", "label": "投靠配偶", "materials": ["结婚证"], "next": "house"},
                    {"id": "child", "label": "子女投靠父母", "materials": ["出生医学证明"]},
                ],
            },
            {
                "id": "house",
                "text": "有住房吗？",
                "options": [
                    {"id": "own", "label": "有", "materials": ["房产证", "结婚证"], "next": None},
                    {"id": "none", "label": "没有", "next": None},
                ],
            },
        ],
    }


def broken(change: Any) -> dict[str, Any]:
    raw = tree()
    change(raw)
    return raw


def _q(raw: dict[str, Any], n: int) -> dict[str, Any]:
    question: dict[str, Any] = raw["questions"][n]
    return question


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not a tree", "应为一个对象"),
        ({"start": "who", "questions": []}, "应有1到20个问题"),
        (broken(lambda r: r.update(start="nobody")), "start 应为某个问题的编号"),
        (broken(lambda r: _q(r, 1).update(id="who")), "问题编号「who」重复"),
        (
            broken(lambda r: _q(r, 0)["options"][1].update(id="spouse")),
            "问题「who」的选项编号重复",
        ),
        (
            broken(lambda r: _q(r, 0)["options"][0].update(next="ghost")),
            "问题「who」的选项「spouse」指向不存在的问题「ghost」",
        ),
        (
            broken(lambda r: _q(r, 1)["options"][0].update(next="who")),
            "问题之间形成循环：who→house→who",
        ),
        (
            broken(lambda r: _q(r, 0)["options"][0].update(next=None)),
            "问题「house」从第一个问题无法到达",
        ),
        (broken(lambda r: _q(r, 0)["options"][0].update(label="长" * 41)), "超过40个字"),
        (broken(lambda r: _q(r, 0)["options"][0].update(label=" ")), "缺少选项文字"),
        (broken(lambda r: _q(r, 0).pop("text")), "问题「who」缺少问题文字"),
        (broken(lambda r: _q(r, 0)["options"].pop()), "应有2到10个选项"),
        (
            broken(lambda r: _q(r, 0)["options"][0].update(materials=["材" * 121])),
            "每条材料应为1到120个字",
        ),
        (broken(lambda r: _q(r, 0).update(id="谁")), "编号应为1到24个英文字母"),
    ],
)
def test_a_broken_tree_is_refused_naming_the_problem(raw: object, says: str) -> None:
    with pytest.raises(InvalidInput, match="办事指引有误") as refused:
        parse_guide(raw)
    assert says in str(refused.value)


def test_size_bounds_hold() -> None:
    many = {
        "start": "q0",
        "questions": [
            {
                "id": f"q{n}",
                "text": "问",
                "options": [
                    {"id": "a", "label": "是", "next": f"q{n + 1}" if n < 20 else None},
                    {"id": "b", "label": "否"},
                ],
            }
            for n in range(21)
        ],
    }
    with pytest.raises(InvalidInput, match="应有1到20个问题"):
        parse_guide(many)
    options = broken(
        lambda r: _q(r, 1).update(options=[{"id": f"o{n}", "label": "选"} for n in range(11)])
    )
    with pytest.raises(InvalidInput, match="应有2到10个选项"):
        parse_guide(options)


def test_a_tree_round_trips_in_its_plain_form() -> None:
    guide = parse_guide(tree())
    again = parse_guide(copy.deepcopy(guide.public()))
    assert again == guide
    assert guide.public()["questions"][0]["options"][1] == {
        "id": "child",
        "label": "子女投靠父母",
        "materials": ["出生医学证明"],
        "next": None,
    }


def test_the_checklist_adds_the_chosen_materials_once_in_order() -> None:
    guide = parse_guide(tree())
    walked = check_answers(guide, {"who": "spouse", "house": "own"})
    assert walked is not None and walked.complete
    assert walked.checklist(MATERIALS) == [*MATERIALS, "结婚证", "房产证"]
    assert walked.lines() == [
        {"question": "您要投靠谁？", "answer": "投靠配偶"},
        {"question": "有住房吗？", "answer": "有"},
    ]


def test_a_partial_path_is_accepted_and_reported_incomplete() -> None:
    walked = check_answers(parse_guide(tree()), {"who": "spouse"})
    assert walked is not None and not walked.complete
    assert walked.checklist(MATERIALS) == [*MATERIALS, "结婚证"]


@pytest.mark.parametrize(
    "answers",
    [
        {"who": "cousin"},  # no such option
        {"house": "own"},  # not from the start
        {"who": "child", "house": "own"},  # off the path: 子女投靠父母 ends there
        {"who": "spouse", "pets": "cat"},  # no such question
    ],
)
def test_answers_off_the_path_are_refused(answers: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="办事指引的回答与问题不符"):
        check_answers(parse_guide(tree()), answers)


def test_answers_for_an_item_without_a_tree_are_refused() -> None:
    assert check_answers(None, None) is None
    assert check_answers(None, {}) is None
    with pytest.raises(InvalidInput, match="该事项没有办事指引"):
        check_answers(None, {"who": "spouse"})


def test_stored_answers_read_under_an_edited_tree_show_what_still_matches() -> None:
    edited = broken(
        lambda r: _q(r, 1).update(
            options=[{"id": "x", "label": "甲"}] * 1 + [{"id": "y", "label": "乙"}]
        )
    )
    guide = parse_guide(edited)
    shown = answered(guide, {"who": "spouse", "house": "own"}, MATERIALS)
    assert shown == {
        "answers": [{"question": "您要投靠谁？", "answer": "投靠配偶"}],
        "answers_complete": False,
        "checklist": [*MATERIALS, "结婚证"],
    }
    assert walk(guide, {"who": "spouse", "house": "own"}).stray == ("house",)
    assert answered(guide, None, MATERIALS) == {
        "answers": [],
        "answers_complete": None,
        "checklist": MATERIALS,
    }


SHIPPED = ["HZ-QR-TK", "HZ-SFZ-HL", "HZ-SFZ-BL", "HZ-CS-DJ", "CRJ-HZ-SC", "JSR-QM-HZ"]


@pytest.mark.parametrize("code", SHIPPED)
def test_the_shipped_items_carry_real_trees(code: str) -> None:
    shipped = catalogue.load()
    guide = shipped.guide(code)
    assert guide is not None and len(guide.questions) >= 2
    assert parse_guide(guide.public()) == guide


def test_a_70_year_old_driver_is_asked_for_the_medical_certificate() -> None:
    shipped = catalogue.load()
    guide = shipped.guide("JSR-QM-HZ")
    materials = shipped.service("JSR-QM-HZ").materials
    young = check_answers(guide, {"kind": "small", "age": "lt70", "expiry": "due"})
    old = check_answers(guide, {"kind": "small", "age": "ge70", "expiry": "due"})
    assert young is not None and old is not None
    assert not any("身体条件证明" in m for m in young.checklist(materials))
    assert any("身体条件证明" in m for m in old.checklist(materials))

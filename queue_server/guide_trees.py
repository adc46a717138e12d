"""办事指引 decision trees, pure: the 「简单问答生成收件清单」 of an item.

A tree is a few plain questions (who moves in with whom, how old, is the old
document lost …); each option may add materials and names the next question
(or none: the end). A visitor's answers are `{question id: option id}` along
one path from `start`; the personal 收件清单 is the item's materials plus the
chosen options' materials, each once, in order.

Trees come from the catalogue or from a hall director's editor, so `parse_guide`
checks everything a typo could break (ids, dangling `next`, cycles, sizes) and
names the problem in Chinese. Answers hold option ids only, never personal data.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput

MAX_QUESTIONS = 20
MAX_OPTIONS = 10
MAX_LABEL = 40  # an option's label: one big button
MAX_TEXT = 80  # a question
MAX_MATERIAL = 120
MAX_MATERIALS = 10  # per option
_ID = re.compile(r"^[A-Za-z0-9_-]{1,24}$")


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str
    materials: tuple[str, ...] = ()
    next: str | None = None  # the next question; None: the last one on this path


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    options: tuple[Option, ...]

    def option(self, option_id: object) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class Guide:
    start: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)

    def public(self) -> dict[str, Any]:
        """The tree as JSON (as catalogue.json and the editor hold it)."""
        return {
            "start": self.start,
            "questions": [
                {
                    "id": q.id,
                    "text": q.text,
                    "options": [
                        {
                            "id": o.id,
                            "label": o.label,
                            "materials": list(o.materials),
                            "next": o.next,
                        }
                        for o in q.options
                    ],
                }
                for q in self.questions
            ],
        }


@dataclass(frozen=True, slots=True)
class Walk:
    """A visitor's path through a tree: the (question, option) steps from `start`."""

    steps: tuple[tuple[Question, Option], ...]
    complete: bool  # the last chosen option ends the tree
    stray: tuple[str, ...] = ()  # answered questions off the path, or unknown options

    def lines(self) -> list[dict[str, str]]:
        """Question -> answer, as the clerk reads them."""
        return [{"question": q.text, "answer": o.label} for q, o in self.steps]

    def checklist(self, materials: Iterable[str]) -> list[str]:
        """The personal 收件清单: the item's materials, then the chosen options'."""
        chosen = (m for _q, o in self.steps for m in o.materials)
        return list(dict.fromkeys([*materials, *chosen]))


def _refuse(zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"办事指引有误：{zh}", en=f"guide: {en}", code="guide_invalid")


_TEXT_ZH = {"text": "问题文字", "label": "选项文字"}


def _text(raw: Mapping[str, Any], key: str, where: str, limit: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _refuse(f"{where}缺少{_TEXT_ZH[key]}", f"{where}: no {key}")
    if len(value.strip()) > limit:
        raise _refuse(f"{where}的文字超过{limit}个字", f"{where}: {key} over {limit} characters")
    return value.strip()


def _id(raw: Mapping[str, Any], where: str) -> str:
    value = raw.get("id")
    if not isinstance(value, str) or not _ID.match(value):
        raise _refuse(
            f"{where}的编号应为1到24个英文字母、数字、-或_",
            f"{where}: id must be 1-24 letters, digits, - or _",
        )
    return value


def _materials(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_MATERIALS:
        raise _refuse(
            f"{where}的材料应为不超过{MAX_MATERIALS}条的列表",
            f"{where}: materials must be a list of at most {MAX_MATERIALS}",
        )
    found: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not item.strip() or len(item.strip()) > MAX_MATERIAL:
            raise _refuse(
                f"{where}的每条材料应为1到{MAX_MATERIAL}个字",
                f"{where}: each material must be 1-{MAX_MATERIAL} characters",
            )
        found.append(item.strip())
    return tuple(dict.fromkeys(found))


def _option(raw: object, where: str) -> Option:
    if not isinstance(raw, Mapping):
        raise _refuse(f"{where}应为一个对象", f"{where}: not an object")
    option_id = _id(raw, where)
    where = f"{where}「{option_id}」"
    after = raw.get("next")
    if after is not None and not isinstance(after, str):
        raise _refuse(f"{where}的 next 应为问题编号或 null", f"{where}: next must be an id or null")
    label = _text(raw, "label", where, MAX_LABEL)
    return Option(option_id, label, _materials(raw.get("materials"), where), after)


def _question(raw: object, n: int) -> Question:
    if not isinstance(raw, Mapping):
        raise _refuse(f"第{n}个问题应为一个对象", f"question {n}: not an object")
    question_id = _id(raw, f"第{n}个问题")
    where = f"问题「{question_id}」"
    options = raw.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        raise _refuse(
            f"{where}应有2到{MAX_OPTIONS}个选项", f"{where}: needs 2 to {MAX_OPTIONS} options"
        )
    parsed = tuple(_option(o, f"{where}的选项") for o in options)
    if len({o.id for o in parsed}) != len(parsed):
        raise _refuse(f"{where}的选项编号重复", f"{where}: option ids repeat")
    return Question(question_id, _text(raw, "text", where, MAX_TEXT), parsed)


def parse_guide(raw: object) -> Guide:
    """A tree from its JSON; InvalidInput naming the first problem found."""
    if not isinstance(raw, Mapping):
        raise _refuse("应为一个对象（含 start 和 questions）", "must be an object")
    questions = raw.get("questions")
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise _refuse(f"应有1到{MAX_QUESTIONS}个问题", f"needs 1 to {MAX_QUESTIONS} questions")
    parsed = tuple(_question(q, n) for n, q in enumerate(questions, 1))
    ids = [q.id for q in parsed]
    if repeated := sorted({i for i in ids if ids.count(i) > 1}):
        raise _refuse(f"问题编号「{repeated[0]}」重复", f"question id {repeated[0]!r} repeats")
    start = raw.get("start")
    if start not in ids:
        raise _refuse("start 应为某个问题的编号", "start must name a question")
    for q in parsed:
        for o in q.options:
            if o.next is not None and o.next not in ids:
                raise _refuse(
                    f"问题「{q.id}」的选项「{o.id}」指向不存在的问题「{o.next}」",
                    f"{q.id}/{o.id}: next {o.next!r} is no question",
                )
    guide = Guide(str(start), parsed)
    _check_paths(guide)
    return guide


def _check_paths(guide: Guide) -> None:
    """No cycles (every path ends), and every question reachable from `start`."""
    done: set[str] = set()

    def visit(question_id: str, path: tuple[str, ...]) -> None:
        if question_id in path:
            loop = "→".join((*path[path.index(question_id) :], question_id))
            raise _refuse(f"问题之间形成循环：{loop}", f"the questions loop: {loop}")
        if question_id in done:
            return
        for option in guide.question(question_id).options:
            if option.next is not None:
                visit(option.next, (*path, question_id))
        done.add(question_id)

    visit(guide.start, ())
    if lost := [q.id for q in guide.questions if q.id not in done]:
        raise _refuse(
            f"问题「{lost[0]}」从第一个问题无法到达", f"question {lost[0]!r} cannot be reached"
        )


def walk(guide: Guide, answers: Mapping[str, object]) -> Walk:
    """Follow `answers` from `start` as far as they go; what lies off the path
    is reported (`stray`), not refused: stored answers read under a tree the
    hall has edited since still show what matches."""
    steps: list[tuple[Question, Option]] = []
    current: str | None = guide.start
    while current is not None and current in answers:
        question = guide.question(current)
        option = question.option(answers[current])
        if option is None:
            break
        steps.append((question, option))
        current = option.next
    on_path = {q.id for q, _o in steps}
    stray = tuple(k for k in answers if k not in on_path)
    return Walk(tuple(steps), current is None, stray)


def check_answers(guide: Guide | None, answers: Mapping[str, object] | None) -> Walk | None:
    """A visitor's answers, checked: one path from `start`, nothing else. A
    partial path is accepted (`complete` says so). None when none were given."""
    if not answers:
        return None
    if guide is None:
        raise InvalidInput(
            "该事项没有办事指引，请不要提交问答",
            en="this item has no guide; send no answers",
            code="answers_not_expected",
        )
    walked = walk(guide, answers)
    if walked.stray:
        raise InvalidInput(
            "办事指引的回答与问题不符，请重新回答",
            en=f"answers off the guide's path: {', '.join(walked.stray)[:200]}",
            code="answers_invalid",
        )
    return walked


def answered(
    guide: Guide | None, answers: Mapping[str, object] | None, materials: Sequence[str]
) -> dict[str, Any]:
    """Stored answers as the clerk and the holder read them: the question ->
    answer lines the tree still knows, whether they reach its end (None: no
    answers), and the personal checklist (the item's materials without answers)."""
    if guide is None or not answers:
        return {"answers": [], "answers_complete": None, "checklist": list(materials)}
    walked = walk(guide, answers)
    return {
        "answers": walked.lines(),
        "answers_complete": walked.complete,
        "checklist": walked.checklist(materials),
    }

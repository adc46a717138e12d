"""Pre-fill forms (预填表单), pure: each service's fields and the check of a filled form.

A service's fields come from the catalogue (name, label, type, required,
max length, choices). A booking's form is checked against them: unknown
fields, missing required ones, wrong types and overlong values are refused,
so a booking carries only what the clerk needs, in the catalogue's words.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from .errors import InvalidInput


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    CHOICE = "choice"  # one of `options`
    NUMBER = "number"  # a whole number


@dataclass(frozen=True, slots=True)
class FormField:
    name: str  # the key a client sends
    label: str  # what the visitor and the clerk read
    type: FieldType = FieldType.TEXT
    required: bool = False
    max_length: int = 60
    options: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "required": self.required,
            "max_length": self.max_length,
        }
        return shown | ({"options": list(self.options)} if self.options else {})

    def read(self, raw: object) -> str:
        """The value as the clerk will read it; InvalidInput when it does not fit."""
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise _refuse(self, "应填写文字", "must be text", "form_type")
        value = str(raw).strip()
        if len(value) > self.max_length:
            raise _refuse(
                self,
                f"最多{self.max_length}个字",
                f"must be at most {self.max_length} characters",
                "form_too_long",
            )
        if self.type is FieldType.NUMBER and not (value.isascii() and value.isdigit()):
            raise _refuse(self, "应填写整数", "must be a whole number", "form_type")
        if self.type is FieldType.DATE and not _is_date(value):
            raise _refuse(
                self, "应为日期，如2026-12-01", "must be a date like 2026-12-01", "form_type"
            )
        if self.type is FieldType.CHOICE and value not in self.options:
            raise _refuse(
                self,
                f"应为以下之一：{'、'.join(self.options)}",
                f"must be one of: {', '.join(self.options)}",
                "form_choice",
            )
        return value


def check_form(fields: Sequence[FormField], form: Mapping[str, object] | None) -> dict[str, str]:
    """The filled form keyed by label, in the fields' order (empty fields left out)."""
    given = {k: v for k, v in (form or {}).items() if v not in (None, "")}
    known = {f.name for f in fields}
    if unknown := [k for k in given if k not in known]:
        if not fields:
            raise InvalidInput(
                "该事项无需填写预填表单",
                en="this item has no pre-fill form; send no form",
                code="form_not_expected",
            )
        raise InvalidInput(
            f"表单中没有这些项目：{'、'.join(unknown)}",
            en=f"unknown form fields: {', '.join(unknown)}",
            code="form_unknown_field",
        )
    filled: dict[str, str] = {}
    for field in fields:
        if field.name not in given:
            if field.required:
                raise _refuse(field, "为必填项", "is required", "form_required")
            continue
        filled[field.label] = field.read(given[field.name])
    return filled


def parse_fields(raw: Sequence[Mapping[str, Any]]) -> tuple[FormField, ...]:
    """Fields as catalogue.json holds them."""
    return tuple(
        FormField(
            name=f["name"],
            label=f["label"],
            type=FieldType(f.get("type", "text")),
            required=bool(f.get("required", False)),
            max_length=int(f.get("max_length", 60)),
            options=tuple(f.get("options", ())),
        )
        for f in raw
    )


def _refuse(field: FormField, zh: str, en: str, code: str) -> InvalidInput:
    return InvalidInput(
        f"「{field.label}」{zh}", en=f"{field.name} {en}", code=code, field=field.name
    )


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10

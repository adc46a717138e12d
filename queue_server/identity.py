"""Identity documents: validation, age class, masking, keyed hash.

Pure functions. A resident ID number (居民身份证号码, GB 11643-1999) is the
default; exit-entry items also take the documents of foreigners and of Hong
Kong, Macao and Taiwan residents, each checked by its format. A number is
personal data: the server keeps only a keyed hash (to find "the same person"
again), a mask for the clerk and the facts it needs (the age class), never the
number or the birth date it holds.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .domain import PriorityClass
from .errors import InvalidInput

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # ISO 7064 MOD 11-2, indexed by sum % 11

# A phone keyboard may send full-width digits and letters (０-９, Ｘ): read them
# as ASCII, so one person always has one hash.
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B)}

ELDERLY_AGE = 60
MINOR_AGE = 16


class DocumentType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    PASSPORT = "passport"  # 护照 (any country's)
    HK_MACAO_PERMIT = "hk_macao_permit"  # 港澳居民来往内地通行证 (回乡证)
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证 (台胞证)
    FOREIGN_PR = "foreign_pr"  # 外国人永久居留身份证

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DocumentType.RESIDENT_ID: "居民身份证",
    DocumentType.PASSPORT: "护照",
    DocumentType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    DocumentType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    DocumentType.FOREIGN_PR: "外国人永久居留身份证",
}


@dataclass(frozen=True, slots=True)
class Document:
    """A validated document number. The birth date is read from numbers that
    hold one (the resident ID, the 2023 permanent residence card) to derive the
    age class, and is never stored."""

    kind: DocumentType
    number: str  # normalised: upper-case ASCII, no spaces
    birth_date: date | None = None

    @property
    def masked(self) -> str:
        return mask(self.number)


def mask(number: str) -> str:
    """What a clerk needs to match the card in the visitor's hand, and no more.

    18-digit numbers keep the province (first two: 户籍地 rules differ for
    people from elsewhere) and the check character: 11***************X. The
    birth date, the region below the province and the sequence digit that
    tells the sex stay hidden, so a mask narrows a number only to ~10^10
    candidates. Shorter numbers keep their first and last character. Masking
    an older, longer mask gives the same result as masking the number.
    """
    head = 2 if len(number) == 18 else 1
    return number[:head] + "*" * (len(number) - head - 1) + number[-1]


def mask_name(name: str) -> str:
    """张*, 欧阳** : the family name's first character, for the holder to recognise."""
    name = name.strip()
    return name[:1] + "*" * min(3, max(1, len(name) - 1))  # a passport's long name: "M***"


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    return "".join(raw.split()).translate(_FULL_WIDTH).upper()


def parse_resident_id(raw: str, *, today: date) -> Document:
    """Validate a resident ID number or raise InvalidInput saying what is wrong."""
    number = normalise(raw)
    born = _gb11643(number, today)
    return Document(DocumentType.RESIDENT_ID, number, born)


def _gb11643(number: str, today: date) -> date:
    """Check an 18-character GB 11643 number (length, digits, birth date in
    characters 7-14, MOD 11-2 check character); its birth date."""
    if len(number) != 18:
        raise InvalidInput(
            f"身份证号码应为18位，当前为{len(number)}位，请核对后重新输入",
            en=f"ID number must have 18 characters, this one has {len(number)}",
            code="id_length",
        )
    if not (number.isascii() and number[:17].isdigit() and number[17] in "0123456789X"):
        raise InvalidInput(
            "身份证号码应为17位数字加最后1位数字或X，请核对后重新输入",
            en="ID number must be 17 digits followed by a digit or X",
            code="id_characters",
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born > today or born.year < 1900:
        raise InvalidInput(
            f"身份证号码中的出生日期（{number[6:14]}）不存在，请核对后重新输入",
            en=f"ID number holds an impossible birth date ({number[6:14]})",
            code="id_birth_date",
        )
    if check_char(number[:17]) != number[17]:
        raise InvalidInput(
            "身份证号码校验位不符，可能有数字输错，请核对后重新输入",
            en="ID number check digit does not match; please re-enter the number",
            code="id_check_digit",
        )
    return born


# Formats of the other documents (the number as printed, normalised):
# - passport: ICAO 9303 document number, letters and digits (China's E12345678,
#   EA1234567; other countries' 5 to 12 characters), at least one digit;
# - 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits (2013 card),
#   or 10 digits (the card before);
# - 台湾居民来往大陆通行证: 8 digits (the 2015 card; earlier ones have expired);
# - 外国人永久居留身份证: 3 letters (nationality) and 12 digits (2017 card), or
#   since December 2023 18 characters like a resident ID starting with 9.
_FORMATS: dict[DocumentType, tuple[re.Pattern[str], str, str]] = {
    DocumentType.PASSPORT: (
        re.compile(r"(?=.*\d)[A-Z0-9]{5,12}"),
        "护照号码应为5至12位字母或数字，请核对后重新输入",
        "a passport number has 5 to 12 letters or digits",
    ),
    DocumentType.HK_MACAO_PERMIT: (
        re.compile(r"[HM](\d{8}|\d{10})"),
        "港澳居民来往内地通行证号码应为H或M加8位数字，请核对后重新输入",
        "a Hong Kong/Macao permit number is H or M followed by 8 digits",
    ),
    DocumentType.TAIWAN_PERMIT: (
        re.compile(r"\d{8}"),
        "台湾居民来往大陆通行证号码应为8位数字，请核对后重新输入",
        "a Taiwan residents' permit number has 8 digits",
    ),
    DocumentType.FOREIGN_PR: (
        re.compile(r"[A-Z]{3}\d{12}|9\d{16}[0-9X]"),
        "外国人永久居留身份证号码应为3位字母加12位数字，或以9开头的18位号码，请核对后重新输入",
        "a foreign permanent residence card number is 3 letters and 12 digits, "
        "or 18 characters starting with 9",
    ),
}


def parse_document(kind: DocumentType, raw: str, *, today: date) -> Document:
    """Validate a number of the given document type; InvalidInput saying what is wrong."""
    if kind is DocumentType.RESIDENT_ID:
        return parse_resident_id(raw, today=today)
    number = normalise(raw)
    pattern, zh, en = _FORMATS[kind]
    if not (number.isascii() and pattern.fullmatch(number)):
        raise InvalidInput(zh, en=en, code=f"{kind.value}_format")
    born = _gb11643(number, today) if len(number) == 18 else None
    return Document(kind, number, born)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_class(person: Document, today: date) -> PriorityClass:
    """Elderly (60 and over) or minor (under 16) from the birth date the number
    holds; normal otherwise, and for numbers that hold none."""
    if person.birth_date is None:
        return PriorityClass.NORMAL
    age = age_on(person.birth_date, today)
    if age >= ELDERLY_AGE:
        return PriorityClass.ELDERLY
    if age < MINOR_AGE:
        return PriorityClass.MINOR
    return PriorityClass.NORMAL


def keyed_hash(person: Document, key: bytes) -> str:
    """HMAC-SHA256 of the number: stable for one key, useless without it.

    18-character GB 11643 numbers (resident IDs, the 2023 permanent residence
    card) hash as the bare number, as resident IDs always have; other
    documents are prefixed with their type, so two documents never collide.
    """
    text = person.number if len(person.number) == 18 else f"{person.kind}:{person.number}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


# A note is free text for the clerk: it must not become a place to keep an ID
# number or a phone. Digits separated by spaces or dashes count as one run;
# full-width digits as ASCII.
_SPLIT_DIGITS = re.compile(r"(?<=\d)[\s\-－—]+(?=\d)")
_ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)|(?<!\d)\d{15}(?!\d)")
# A mobile number, with or without the country code (+86, 0086, 86).
_PHONE_LIKE = re.compile(r"(?<!\d)(?:(?:\+|00)?86)?1\d{10}(?!\d)")


def personal_data_in(text: str) -> str | None:
    """ "phone" or "id_number" when free text holds what looks like a mobile
    phone (11 digits from 1) or an ID number (18 characters, or the old 15
    digits); None when it holds neither."""
    joined = _SPLIT_DIGITS.sub("", text.translate(_FULL_WIDTH).upper())
    # The phone first: 0086 and a mobile make 15 digits, as the old ID numbers.
    if _PHONE_LIKE.search(joined):
        return "phone"
    return "id_number" if _ID_LIKE.search(joined) else None


def check_note(text: str) -> None:
    """Refuse (InvalidInput) a 导办 note that holds an ID number or a phone."""
    found = personal_data_in(text)
    if found == "phone":
        raise InvalidInput(
            "备注中不能填写手机号码，请删去号码后再取号",
            en="the note holds what looks like a phone number; remove it",
            code="note_has_phone",
        )
    if found == "id_number":
        raise InvalidInput(
            "备注中不能填写身份证号码：窗口会当面核验证件，请删去号码后再取号",
            en="the note holds what looks like an ID number; remove it (the clerk checks "
            "the card in person)",
            code="note_has_id_number",
        )

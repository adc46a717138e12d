"""Resident ID numbers (居民身份证号码, GB 11643-1999): validation and privacy.

Pure functions. A number is personal data: the server keeps only a keyed hash
(to find "the same person" again) and a masked form for the clerk's eyes.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from .domain import InvalidInput, PriorityClass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # ISO 7064 MOD 11-2, indexed by sum % 11

# A phone keyboard may send full-width digits (０-９, Ｘ): read them as ASCII,
# so one person always has one hash.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")

ELDERLY_AGE = 60
MINOR_AGE = 16


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str  # normalised: 18 characters, upper-case X
    birth_date: date

    @property
    def masked(self) -> str:
        """First four and last four characters, the rest hidden: 4401**********1234."""
        return f"{self.number[:4]}{'*' * 10}{self.number[-4:]}"


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_resident_id(raw: str, *, today: date) -> ResidentId:
    """Validate a resident ID number or raise InvalidInput saying what is wrong."""
    number = raw.strip().replace(" ", "").translate(_FULL_WIDTH).upper()
    if len(number) != 18:
        raise InvalidInput(f"ID number must have 18 characters, this one has {len(number)}")
    if not (number.isascii() and number[:17].isdigit() and number[17] in "0123456789X"):
        raise InvalidInput("ID number must be 17 digits followed by a digit or X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput(f"ID number holds an impossible birth date ({number[6:14]})") from None
    if born > today or born.year < 1900:
        raise InvalidInput(f"ID number holds an impossible birth date ({number[6:14]})")
    if check_char(number[:17]) != number[17]:
        raise InvalidInput("ID number check digit does not match; please re-enter the number")
    return ResidentId(number=number, birth_date=born)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_class(person: ResidentId, today: date) -> PriorityClass:
    """Elderly (60 and over) or minor (under 16) from the birth date; else normal."""
    age = age_on(person.birth_date, today)
    if age >= ELDERLY_AGE:
        return PriorityClass.ELDERLY
    if age < MINOR_AGE:
        return PriorityClass.MINOR
    return PriorityClass.NORMAL


def keyed_hash(person: ResidentId, key: bytes) -> str:
    """HMAC-SHA256 of the number: stable for one key, useless without it."""
    return hmac.new(key, person.number.encode(), hashlib.sha256).hexdigest()

"""Resident ID numbers: validation, masking, age classes and the keyed hash."""

from datetime import date

import pytest

from queue_server.domain import InvalidInput, PriorityClass
from queue_server.identity import ResidentId, age_class, keyed_hash, parse_resident_id

TODAY = date(2026, 11, 25)


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character, computed the textbook way.

    Each digit is weighted by 2**(17 - i) mod 11 (i counted from the left, 0-based);
    the check value is (12 - sum mod 11) mod 11, written 'X' for 10.
    """
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(birth: str, *, region: str = "440106", sequence: str = "123") -> str:
    """A well-formed number for someone born on `birth` (YYYYMMDD)."""
    first17 = region + birth + sequence
    return first17 + mod11_2(first17)


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44010619900307123", "1"), ("31011519850615882", "5")],
)
def test_the_independent_check_digit(first17: str, check: str) -> None:
    # the first row is GB 11643-1999's own example
    assert mod11_2(first17) == check


@pytest.mark.parametrize(
    ("raw", "number", "born"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31)),
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31)),
        (" 1101 0519 4912 3100 2x ", "11010519491231002X", date(1949, 12, 31)),
        ("\t11010519491231002X\n", "11010519491231002X", date(1949, 12, 31)),
        (make_id("19900307"), make_id("19900307"), date(1990, 3, 7)),
        (make_id("20000229"), make_id("20000229"), date(2000, 2, 29)),
        (make_id("20261125"), make_id("20261125"), TODAY),  # born today
        (
            make_id("19850615", region="310115", sequence="882"),
            make_id("19850615", region="310115", sequence="882"),
            date(1985, 6, 15),
        ),
    ],
)
def test_valid_numbers_are_normalised(raw: str, number: str, born: date) -> None:
    person = parse_resident_id(raw, today=TODAY)
    assert person == ResidentId(number=number, birth_date=born)


@pytest.mark.parametrize("check", list("0123456789X"))
def test_every_check_character_is_accepted(check: str) -> None:
    number = next(
        n for seq in range(1000) if (n := make_id("19780512", sequence=f"{seq:03d}"))[-1] == check
    )
    assert parse_resident_id(number, today=TODAY).number == number
    wrong = number[:17] + ("0" if check != "0" else "1")
    with pytest.raises(InvalidInput, match="check digit"):
        parse_resident_id(wrong, today=TODAY)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "18 characters, this one has 0"),
        ("11010519491231002", "18 characters, this one has 17"),
        ("11010519491231002X1", "18 characters, this one has 19"),
        ("110105194912310", "18 characters, this one has 15"),  # old 15-digit numbers
        ("11010519491231002A", "17 digits followed by a digit or X"),
        ("1101051949123100X2", "17 digits followed by a digit or X"),
        ("A1010519491231002X", "17 digits followed by a digit or X"),
        ("110105-949123-002X", "17 digits followed by a digit or X"),
        ("110105194912310021", "check digit"),
        ("110105194912310020", "check digit"),
        ("21010519491231002X", "check digit"),  # a typo in the region
        ("11010519491213002X", "check digit"),  # two digits swapped
        (make_id("20230230"), "impossible birth date (20230230)"),  # 30 February
        (make_id("20230229"), "impossible birth date (20230229)"),  # not a leap year
        (make_id("19901301"), "impossible birth date (19901301)"),
        (make_id("19900100"), "impossible birth date (19900100)"),
        (make_id("20261126"), "impossible birth date (20261126)"),  # tomorrow
        (make_id("20300101"), "impossible birth date (20300101)"),
        (make_id("18991231"), "impossible birth date (18991231)"),
    ],
)
def test_bad_numbers_are_refused_saying_why(raw: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_resident_id(raw, today=TODAY)
    assert says in str(refused.value)


def test_refusal_maps_to_unprocessable_entity() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_resident_id("123", today=TODAY)
    assert refused.value.status == 422


def test_superscript_digit_is_refused_as_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_resident_id("²1010519491231002X", today=TODAY)


def test_full_width_digits_are_read_as_ascii() -> None:
    ascii_number = "11010519491231002X"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ascii_number)  # includes Ｘ
    assert parse_resident_id(full_width, today=TODAY).number == ascii_number


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("11010519491231002x", "1101**********002X"),
        ("440106199003071231", "4401**********1231"),
        ("310115198506158825", "3101**********8825"),
    ],
)
def test_masked_form_keeps_first_and_last_four(raw: str, masked: str) -> None:
    person = parse_resident_id(raw, today=TODAY)
    assert person.masked == masked
    assert person.number[6:14] not in person.masked  # the birth date is hidden


@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        ("19661125", date(2026, 11, 25), PriorityClass.ELDERLY),  # 60 today
        ("19661125", date(2026, 11, 24), PriorityClass.NORMAL),  # 60 tomorrow
        ("19661126", date(2026, 11, 25), PriorityClass.NORMAL),
        ("19661124", date(2026, 11, 25), PriorityClass.ELDERLY),
        ("19301001", date(2026, 11, 25), PriorityClass.ELDERLY),
        ("20101125", date(2026, 11, 24), PriorityClass.MINOR),  # 15, 16 tomorrow
        ("20101125", date(2026, 11, 25), PriorityClass.NORMAL),  # 16 today
        ("20101126", date(2026, 11, 25), PriorityClass.MINOR),
        ("20260101", date(2026, 11, 25), PriorityClass.MINOR),  # a baby
        ("20261125", date(2026, 11, 25), PriorityClass.MINOR),  # born today
        ("19900307", date(2026, 11, 25), PriorityClass.NORMAL),
        ("19640229", date(2024, 2, 28), PriorityClass.NORMAL),  # leap-day birthday
        ("19640229", date(2024, 2, 29), PriorityClass.ELDERLY),
        ("20080229", date(2024, 2, 28), PriorityClass.MINOR),
        ("20080229", date(2024, 2, 29), PriorityClass.NORMAL),
    ],
)
def test_age_class(birth: str, today: date, expected: PriorityClass) -> None:
    person = parse_resident_id(make_id(birth), today=today)
    assert age_class(person, today) is expected


def test_keyed_hash_is_stable_per_key_and_hides_the_number() -> None:
    person = parse_resident_id("11010519491231002X", today=TODAY)
    same_person = parse_resident_id(" 11010519491231002x", today=TODAY)
    other = parse_resident_id(make_id("19900307"), today=TODAY)
    key, other_key = b"hall-secret-1", b"hall-secret-2"
    digest = keyed_hash(person, key)
    assert keyed_hash(person, key) == digest
    assert keyed_hash(same_person, key) == digest
    assert keyed_hash(person, other_key) != digest
    assert keyed_hash(other, key) != digest
    for part in (person.number, person.number[:6], person.number[6:14], person.number[-4:]):
        assert part.lower() not in digest.lower()
    assert len(digest) == 64

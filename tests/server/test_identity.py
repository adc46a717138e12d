"""Resident ID numbers: validation, masking, age classes and the keyed hash."""

import hmac
from datetime import date

import pytest

from queue_server.domain import PriorityClass
from queue_server.edge import http_status
from queue_server.errors import InvalidInput
from queue_server.identity import (
    Document,
    DocumentType,
    age_class,
    keyed_hash,
    mask,
    parse_document,
    parse_resident_id,
)

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
    assert person == Document(DocumentType.RESIDENT_ID, number, born)


@pytest.mark.parametrize("check", list("0123456789X"))
def test_every_check_character_is_accepted(check: str) -> None:
    number = next(
        n for seq in range(1000) if (n := make_id("19780512", sequence=f"{seq:03d}"))[-1] == check
    )
    assert parse_resident_id(number, today=TODAY).number == number
    wrong = number[:17] + ("0" if check != "0" else "1")
    with pytest.raises(InvalidInput) as refused:
        parse_resident_id(wrong, today=TODAY)
    assert refused.value.code == "id_check_digit" and "校验位" in str(refused.value)


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
    assert says in refused.value.en  # the English twin; the message itself is Chinese
    assert "身份证号码" in str(refused.value) and refused.value.code.startswith("id_")


def test_refusal_maps_to_unprocessable_entity() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_resident_id("123", today=TODAY)
    assert http_status(refused.value) == 422


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
        ("11010519491231002x", "11***************X"),
        ("440106199003071231", "44***************1"),
        ("310115198506158825", "31***************5"),
    ],
)
def test_the_mask_keeps_the_province_and_the_check_character_only(raw: str, masked: str) -> None:
    person = parse_resident_id(raw, today=TODAY)
    assert person.masked == masked
    # neither the birth date, the county nor the digit that tells the sex
    assert sum(c != "*" for c in person.masked) == 3
    assert mask("1101**********002X") == "11***************X"  # a mask stored before


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


def foreign_pr_2023(birth: str) -> str:
    """A 2023 permanent residence card number: 9, province, nationality, birth, check."""
    first17 = "911" + "840" + birth + "001"
    return first17 + mod11_2(first17)


@pytest.mark.parametrize(
    ("kind", "raw", "number", "masked"),
    [
        (DocumentType.PASSPORT, "E12345678", "E12345678", "E*******8"),
        (DocumentType.PASSPORT, " ea 1234567 ", "EA1234567", "E*******7"),
        (DocumentType.PASSPORT, "５６７８９０１２３", "567890123", "5*******3"),  # full width
        (DocumentType.PASSPORT, "C01X00T47", "C01X00T47", "C*******7"),  # a German one
        (DocumentType.HK_MACAO_PERMIT, "H12345678", "H12345678", "H*******8"),
        (DocumentType.HK_MACAO_PERMIT, "m87654321", "M87654321", "M*******1"),
        (DocumentType.HK_MACAO_PERMIT, "H1234567890", "H1234567890", "H*********0"),
        (DocumentType.TAIWAN_PERMIT, "12345678", "12345678", "1******8"),
        (DocumentType.FOREIGN_PR, "USA110183060101", "USA110183060101", "U*************1"),
    ],
)
def test_other_documents_are_checked_by_their_format(
    kind: DocumentType, raw: str, number: str, masked: str
) -> None:
    document = parse_document(kind, raw, today=TODAY)
    assert (document.kind, document.number, document.masked) == (kind, number, masked)
    assert age_class(document, TODAY) is PriorityClass.NORMAL  # no birth date in the number


def test_the_2023_permanent_residence_card_is_checked_like_a_resident_id() -> None:
    number = foreign_pr_2023("19500101")
    card = parse_document(DocumentType.FOREIGN_PR, number, today=TODAY)
    assert card.birth_date == date(1950, 1, 1)
    assert age_class(card, TODAY) is PriorityClass.ELDERLY
    assert card.masked == "91***************" + number[-1]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(InvalidInput) as refused:
        parse_document(DocumentType.FOREIGN_PR, wrong, today=TODAY)
    assert refused.value.code == "id_check_digit"


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (DocumentType.PASSPORT, "E123"),  # too short
        (DocumentType.PASSPORT, "ABCDEFGHI"),  # no digit
        (DocumentType.PASSPORT, "E1234567890123"),  # too long
        (DocumentType.PASSPORT, "E1234-5678"),
        (DocumentType.PASSPORT, "E1234５６７Ä"),
        (DocumentType.HK_MACAO_PERMIT, "12345678"),  # no H or M
        (DocumentType.HK_MACAO_PERMIT, "K12345678"),
        (DocumentType.HK_MACAO_PERMIT, "H1234567"),
        (DocumentType.TAIWAN_PERMIT, "1234567"),
        (DocumentType.TAIWAN_PERMIT, "T1234567"),
        (DocumentType.FOREIGN_PR, "US1110183060101"),
        (DocumentType.FOREIGN_PR, "11010519491231002X"),  # a resident ID, not a PR card
    ],
)
def test_other_documents_refuse_a_wrong_format_saying_which(kind: DocumentType, raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_document(kind, raw, today=TODAY)
    assert refused.value.code == f"{kind.value}_format"
    assert kind.label in str(refused.value)


def test_the_hash_tells_documents_apart_and_keeps_resident_id_hashes() -> None:
    key = b"k"
    taiwan = parse_document(DocumentType.TAIWAN_PERMIT, "12345678", today=TODAY)
    passport = parse_document(DocumentType.PASSPORT, "12345678", today=TODAY)
    assert keyed_hash(taiwan, key) != keyed_hash(passport, key)
    resident = parse_document(DocumentType.RESIDENT_ID, "11010519491231002X", today=TODAY)
    # the hash of a resident ID is what it was before document types (stored hashes match)
    assert keyed_hash(resident, key) == hmac.new(key, b"11010519491231002X", "sha256").hexdigest()

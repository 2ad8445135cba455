"""QR text (prefix + Base45) and the rotating code (RFC 6238): exact forms and limits."""

from __future__ import annotations

import pytest

from officegate.protocol import MalformedPass, matching_counter, parse_text, rotating_code
from officegate.protocol.rotating import code_counter, code_for_counter
from officegate.protocol.text import MAX_TEXT_CHARS, rotating_text, static_text

COSE = b"\xd2\x84\x43\xa1\x01\x27\xa0\x41x\x40" + b"\x00" * 64


def code_of(text: object) -> str:
    with pytest.raises(MalformedPass) as raised:
        parse_text(text)  # type: ignore[arg-type]
    return raised.value.code


def test_static_text_is_prefix_and_base45_and_parses_back():
    text = static_text(b"AB")
    assert text == "OG1SBB8"  # RFC 9285 section 4.3's own example
    scanned = parse_text(text)
    assert (scanned.cose, scanned.code, scanned.static) == (b"AB", None, True)


def test_rotating_text_carries_the_code_before_the_body():
    text = rotating_text(COSE, "01234567")
    assert text.startswith("OG1R01234567")
    scanned = parse_text(text)
    assert (scanned.cose, scanned.code, scanned.static) == (COSE, "01234567", False)


@pytest.mark.parametrize("code", ["٠١٢٣٤٥٦٧", "0123456", "012345678"])
def test_rotating_text_needs_eight_ascii_digits(code):
    with pytest.raises(ValueError, match="8 digits"):
        rotating_text(COSE, code)


def test_each_text_problem_is_named():
    body = static_text(COSE)[4:]
    assert code_of(b"OG1S" + body.encode()) == "text.type"
    assert code_of("https://example.com") == "text.prefix"
    assert code_of("og1s" + body) == "text.prefix"
    assert code_of("OG1S") == "text.empty"
    assert code_of("OG1R01234567") == "text.empty"
    assert code_of("OG1R0123") == "text.code"
    assert code_of("OG1R٠١٢٣٤٥٦٧" + body) == "text.code"  # digits, but not ASCII
    assert code_of("OG1R0123456X" + body) == "text.code"
    assert code_of("OG1SA") == "text.base45"
    assert code_of("OG1S" + "::::") == "text.base45"


def test_text_limit_is_what_the_largest_qr_holds():
    fits = "OG1S" + "A" * (MAX_TEXT_CHARS - 4)
    assert code_of(fits) == "text.base45"  # read to the end: not refused for its length
    assert code_of(fits + "A") == "text.too_long"
    assert code_of(fits + "\r\n") == "text.base45"  # a scanner's line end does not count
    assert MAX_TEXT_CHARS == 4296


def test_line_end_is_dropped_but_trailing_spaces_are_body():
    text = static_text(COSE)
    assert parse_text(text + "\n").cose == COSE
    assert parse_text(text + "\r\n\r\n").cose == COSE
    with pytest.raises(MalformedPass):
        parse_text(text + " ")


# The rotating code ------------------------------------------------------------------------------
RFC_SECRET = b"12345678901234567890123456789012"  # RFC 6238 appendix B, SHA-256 seed


@pytest.mark.parametrize(("at", "code"), [(59, "46119246"), (1111111109, "68084774"),
                                          (1234567890, "91819424"), (2000000000, "90698825")])
def test_rfc_6238_test_vectors_sha256(at, code):
    assert rotating_code(RFC_SECRET, at, period=30) == code
    assert code_for_counter(RFC_SECRET, code_counter(at, 30)) == code


def test_default_period_is_ten_seconds():
    assert code_counter(59.9) == 5 and code_counter(60) == 6
    assert rotating_code(RFC_SECRET, 100) == code_for_counter(RFC_SECRET, 10)


def test_tolerance_is_the_number_of_steps_either_side():
    at = 1000.0
    for delta, tolerance, expected in [(0, 0, 100), (-10, 0, None), (10, 0, None),
                                       (-20, 2, 98), (20, 2, 102), (30, 2, None)]:
        code = rotating_code(RFC_SECRET, at + delta)
        assert matching_counter(RFC_SECRET, code, at, tolerance=tolerance) == expected


def test_period_is_passed_through():
    code = rotating_code(RFC_SECRET, 1000.0, period=30)
    assert matching_counter(RFC_SECRET, code, 1000.0, period=30) == 33
    assert matching_counter(RFC_SECRET, code, 1000.0) is None


def test_first_steps_of_the_epoch_have_no_negative_neighbour():
    code = rotating_code(RFC_SECRET, 5.0)
    assert matching_counter(RFC_SECRET, code, 5.0, tolerance=3) == 0
    assert matching_counter(RFC_SECRET, rotating_code(RFC_SECRET, 15.0), 5.0) == 1

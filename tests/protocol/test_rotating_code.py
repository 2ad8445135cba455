"""The rotating code a phone shows and an edge checks."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from officegate.protocol import matching_counter, pass_secret, rotating_code, rotating_text
from officegate.protocol.rotating import code_counter

SECRET = pass_secret(b"k" * 32, bytes.fromhex("0123456789abcdef"))


def test_per_pass_secret_is_hmac_sha256_of_the_pass_id():
    assert SECRET == hmac.new(b"k" * 32, bytes.fromhex("0123456789abcdef"),
                              hashlib.sha256).digest()
    assert pass_secret(b"k" * 32, b"\0" * 8) != SECRET


def test_code_is_8_digits_and_changes_every_period():
    a, b = rotating_code(SECRET, 1000.0), rotating_code(SECRET, 1009.99)
    c = rotating_code(SECRET, 1010.0)
    assert len(a) == 8 and a.isdigit()
    assert a == b != c


def test_matching_counter_tolerates_one_step_each_side():
    at = 1000.0
    step = code_counter(at)
    assert matching_counter(SECRET, rotating_code(SECRET, at), at) == step
    assert matching_counter(SECRET, rotating_code(SECRET, at - 10), at) == step - 1
    assert matching_counter(SECRET, rotating_code(SECRET, at + 10), at) == step + 1
    assert matching_counter(SECRET, rotating_code(SECRET, at - 20), at) is None
    assert matching_counter(SECRET, rotating_code(SECRET, at - 20), at, tolerance=2) == step - 2


def test_wrong_secret_never_matches():
    other = pass_secret(b"k" * 32, b"\1" * 8)
    assert matching_counter(other, rotating_code(SECRET, 1000.0), 1000.0) is None


@pytest.mark.parametrize("code", ["1234567", "123456789", "1234567a", "１２３４５６７８"])
def test_rotating_text_refuses_a_code_that_is_not_8_ascii_digits(code):
    with pytest.raises(ValueError):
        rotating_text(b"\xd2", code)

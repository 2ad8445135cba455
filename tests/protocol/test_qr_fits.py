"""The typical visitor pass, as the phone's rotating QR, must stay small enough to scan fast."""

from __future__ import annotations

import pytest
import segno

from officegate.protocol import SigningKey

from .helpers import phone_text, visitor_claims

ALNUM = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_visitor_pass_fits_version_10_at_level_m_in_alphanumeric_mode(alg):
    text = phone_text(visitor_claims(), SigningKey.generate(alg))
    assert set(text) <= ALNUM
    # boost_error=False: segno would otherwise raise the level and hide how big we are.
    qr = segno.make(text, error="M", micro=False, boost_error=False)
    assert qr.mode == "alphanumeric"
    assert qr.error == "M"
    assert qr.version <= 10, f"{alg}: {len(text)} chars need version {qr.version}"


def test_a_pass_with_too_many_doors_would_not_fit():
    # Shows the assertion above can fail: 20 long door names blow the budget.
    doors = tuple(f"meeting-room-{n:03d}-north-wing" for n in range(20))
    text = phone_text(visitor_claims(doors=doors), SigningKey.generate("EdDSA"))
    assert segno.make(text, error="M", micro=False, boost_error=False).version > 10

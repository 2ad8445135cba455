"""A pass the gate has let through, still held in front of the camera: "holding", decided by
the replay guard alone (no second signature check, ~15 % of a frame), for exactly the hold
window; whatever the server says in between (keys, revocations, config) ends the shortcut,
and the memory of held passes stays bounded however many passes come by."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from officegate.edge.verifier import _MAX_HELD_DENIALS, EdgeVerifier
from officegate.protocol import Reason
from officegate.protocol.messages import Revocations

from .helpers import NOW, Site, device_config
from .test_verifier import make, phone

HOLD = 5.0


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every COSE signature the verifier checks, in order."""
    seen: list[bytes] = []
    module = importlib.import_module("officegate.protocol.verify")
    real = module.verify_sign1

    def counting(message, key):  # type: ignore[no-untyped-def]
        seen.append(message.signature)
        return real(message, key)

    monkeypatch.setattr(module, "verify_sign1", counting)
    yield seen


def accepted(verifier: EdgeVerifier, text: str, at: float = NOW) -> None:
    d = verifier.decide(text, at)
    assert d is not None and d.reason is Reason.ACCEPTED


def test_the_same_text_held_is_not_checked_again(checks: list[bytes]) -> None:
    site = Site()
    verifier, text = make(site, hold_seconds=HOLD), phone(site, site.claims())
    accepted(verifier, text)
    for dt in (0.0, 0.05, 1.0, 2.5):
        assert verifier.decide(text, NOW + dt) is None
    assert len(checks) == 1


def test_the_hold_lasts_exactly_its_length_from_the_last_sight(checks: list[bytes]) -> None:
    site = Site()
    verifier, text = make(site, hold_seconds=HOLD), phone(site, site.claims())
    accepted(verifier, text)
    assert verifier.decide(text, NOW + HOLD) is None  # exactly the hold: still the same one
    assert len(checks) == 1


def test_a_gap_longer_than_the_hold_is_checked_afresh(checks: list[bytes]) -> None:
    site = Site()
    verifier, text = make(site, hold_seconds=HOLD), phone(site, site.claims())
    accepted(verifier, text)
    verifier.decide(text, NOW + HOLD + 0.5)
    assert len(checks) == 2  # the signature is checked again


def test_a_clock_stepping_back_is_checked_afresh(checks: list[bytes]) -> None:
    site = Site()
    verifier, text = make(site, hold_seconds=HOLD), phone(site, site.claims())
    accepted(verifier, text)
    verifier.decide(text, NOW - 0.5)
    assert len(checks) == 2


def test_the_next_code_of_a_held_pass_is_held_without_a_second_check_after_once(
        checks: list[bytes]) -> None:
    """The phone redraws its code while held: the new text is judged once (holding), then
    held by the shortcut too."""
    site = Site()
    claims = site.claims()
    verifier = make(site, hold_seconds=HOLD)
    first, rotated = phone(site, claims, NOW), phone(site, claims, NOW + 10)
    assert first != rotated
    accepted(verifier, first)
    assert verifier.decide(rotated, NOW + 1) is None  # same pass, next code: holding
    assert len(checks) == 2
    assert verifier.decide(rotated, NOW + 1.5) is None
    assert len(checks) == 2  # and now held without a check


@pytest.mark.parametrize("news", ["keys", "revocations", "config"])
def test_news_from_the_server_ends_the_shortcut(checks: list[bytes], news: str) -> None:
    site = Site()
    verifier, text = make(site, hold_seconds=HOLD), phone(site, site.claims())
    accepted(verifier, text)
    if news == "keys":
        verifier.update_keys(site.keys)
    elif news == "revocations":
        verifier.update_revocations(Revocations("hq", 2, ()))
    else:
        verifier.update_config(device_config())
    assert verifier.decide(text, NOW + 0.5) is None  # still the same presentation ...
    assert len(checks) == 2  # ... but judged afresh under what the server said


def test_a_denied_pass_is_not_held_as_accepted(checks: list[bytes]) -> None:
    site = Site()
    claims = site.claims()
    verifier = make(site, hold_seconds=HOLD,
                    revocations=Revocations("hq", 1, (claims.pass_id_hex,)))
    d = verifier.decide(phone(site, claims), NOW)
    assert d is not None and d.reason is Reason.REVOKED
    assert verifier.decide(phone(site, claims), NOW + 0.1) is None  # one beep per presentation


def test_unsigned_text_is_never_held_as_accepted() -> None:
    site = Site()
    verifier = make(site, hold_seconds=HOLD)
    d = verifier.decide("NOT A PASS", NOW)
    assert d is not None and not d.accepted


def test_the_memory_of_held_passes_is_bounded() -> None:
    """A flood of passes all still held: the gate forgets them rather than grow."""
    site = Site()
    verifier = make(site, hold_seconds=HOLD)
    texts = [phone(site, site.claims()) for _ in range(_MAX_HELD_DENIALS + 1)]
    for text in texts[:_MAX_HELD_DENIALS]:
        accepted(verifier, text, NOW)
    assert len(verifier._held_accepts) == _MAX_HELD_DENIALS
    accepted(verifier, texts[-1], NOW + HOLD)  # the others were seen exactly a hold ago
    assert set(verifier._held_accepts) == {texts[-1]}


def test_a_full_memory_forgets_only_passes_whose_hold_is_over() -> None:
    site = Site()
    verifier = make(site, hold_seconds=HOLD)
    old = [phone(site, site.claims()) for _ in range(_MAX_HELD_DENIALS - 1)]
    for text in old:
        accepted(verifier, text, NOW)
    recent, newest = phone(site, site.claims()), phone(site, site.claims())
    accepted(verifier, recent, NOW + 1)  # the memory is full now
    accepted(verifier, newest, NOW + 1 + HOLD)  # recent was seen exactly a hold ago: kept
    assert set(verifier._held_accepts) == {recent, newest}

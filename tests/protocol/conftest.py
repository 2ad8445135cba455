"""Fixtures for protocol tests: a site key of each algorithm, its key set, the lobby gate."""

from __future__ import annotations

import pytest

from officegate.protocol import DoorPolicy, KeySet, SigningKey


@pytest.fixture(params=["EdDSA", "ES256"])
def site_key(request: pytest.FixtureRequest) -> SigningKey:
    """A signing key of each supported algorithm."""
    return SigningKey.generate(request.param)


@pytest.fixture
def keys(site_key: SigningKey) -> KeySet:
    return KeySet("hq", [site_key.trusted()], version=1)


@pytest.fixture
def gate() -> DoorPolicy:
    return DoorPolicy(device="gate-1", zone="lobby")

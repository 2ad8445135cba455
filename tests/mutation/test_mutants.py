"""The mutation runner's own operators: what it changes, what it leaves alone, and that an
installed mutant is what every importer of the module runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from mutants import install, mutants_of, mutated_namespace

TOY = '''"""A toy module."""
from dataclasses import dataclass

LIMIT = 10


@dataclass(frozen=True)
class Policy:
    """Docstring."""
    period: int = 10

    def ok(self, n: int) -> bool:
        return 0 <= n < LIMIT and not n == 3


def message(n: int, limit: int = LIMIT) -> str:
    if n > limit:
        raise ValueError(f"{n} is more than {limit}")
    return "fine" if n else "zero value"
'''


@pytest.fixture
def toy(tmp_path: Path):
    (tmp_path / "toy.py").write_text(TOY)
    spec = importlib.util.spec_from_file_location("toy_mutation_module", tmp_path / "toy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield tmp_path, module
    del sys.modules[spec.name]


def changes(root: Path) -> set[tuple[str, str, str]]:
    return {(m.qualname, m.before, m.after) for m in mutants_of(root, "toy.py")}


def test_operators_and_what_they_leave_alone(toy):
    root, _ = toy
    found = changes(root)
    assert ("<module>", "LIMIT = 10: 10", "11") in found
    assert ("Policy", "period: int = 10: 10", "11") in found  # a dataclass field default
    assert ("Policy.ok", "0 <= n", "0 < n") not in found  # chained: whole comparison shown
    assert ("Policy.ok", "0 <= n < LIMIT", "0 < n < LIMIT") in found
    assert ("Policy.ok", "0 <= n < LIMIT", "0 <= n <= LIMIT") in found
    assert ("Policy.ok", "0 <= n < LIMIT and (not n == 3)",
            "0 <= n < LIMIT or not n == 3") in found
    assert ("Policy.ok", "not n == 3", "n == 3") in found
    assert ("message", "n > limit", "n >= limit") in found
    assert any(b.startswith("raise ValueError") and a == "pass" for _, b, a in found)
    assert ("message", "return 'fine' if n else 'zero value'", "return None") in found
    assert ("message", "return 'fine' if n else 'zero value': 'fine'", "'XXfineXX'") in found
    assert not any("XXzero" in a for _, _, a in found)  # a string with a space: for people
    texts = " ".join(b + a for _, b, a in found)
    assert "Docstring" not in texts and "A toy module" not in texts
    assert "more than" not in " ".join(a for _, _, a in found)  # f-strings untouched


def test_installed_mutant_is_seen_through_every_reference(toy):
    root, module = toy
    alias = module.message  # as `from toy import message` would hold it
    policy = module.Policy()  # created before the mutant
    flip = next(m for m in mutants_of(root, "toy.py") if m.after == "n >= limit")
    install(mutated_namespace(root, flip, module), module)
    with pytest.raises(ValueError):
        alias(10)
    assert policy.ok(5)


def test_constants_and_defaults_follow_the_mutant(toy):
    root, module = toy
    limit = next(m for m in mutants_of(root, "toy.py") if m.before == "LIMIT = 10: 10")
    default = next(m for m in mutants_of(root, "toy.py") if m.before == "period: int = 10: 10")
    install(mutated_namespace(root, limit, module), module)
    assert module.LIMIT == 11 and module.message(11) == "fine"  # default argument too
    install(mutated_namespace(root, default, module), module)
    assert module.Policy().period == 11


def test_keys_are_unique(toy):
    root, _ = toy
    keys = [m.key for m in mutants_of(root, "toy.py")]
    assert len(keys) == len(set(keys))

"""Every third-party import is declared in the pyproject.toml of the part that installs it.

The four parts (protocol/, edge/, server/, firmware_sim/) are separate distributions; a part
may import what it declares and what the parts it depends on declare. The test environment
has everything installed, so a missing declaration would otherwise show only on a user's
fresh install (a Pi with protocol + edge, a server with protocol + server).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = {"protocol": "officegate-protocol", "edge": "officegate-edge",
         "server": "officegate-server", "firmware_sim": "officegate-sim"}


def _project(part: str) -> dict:
    return tomllib.loads((ROOT / part / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[;\s]", r, maxsplit=1)[0].strip().lower().replace("_", "-")
            for r in requirements}


def _with_their_requirements(names: set[str]) -> set[str]:
    """Declared packages plus what they themselves require (pydantic brings annotated-types,
    fastapi brings starlette): importing those is as safe as importing the declared one."""
    out = set(names)
    for name in names:
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        out |= _names([r for r in reqs if "extra ==" not in r])
    return out


def _allowed(part: str) -> set[str]:
    """What ``part`` declares, with the parts it depends on (and their declarations)."""
    project = _project(part)
    declared = _names(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared |= _names(extra)  # the demo extra: the simulator's demo runs the server
    allowed = set(declared)
    for other, dist in PARTS.items():
        if dist in declared and other != part:
            allowed |= _allowed(other)
    return _with_their_requirements(allowed)


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_third_party_import_is_declared_by_its_part(part: str) -> None:
    distributions = packages_distributions()
    allowed = _allowed(part)
    missing: list[str] = []
    for path in sorted((ROOT / part / "officegate").rglob("*.py")):
        for module in _top_level_imports(path):
            if module in sys.stdlib_module_names or module == "officegate":
                continue
            dists = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
            if not dists:
                missing.append(f"{path.relative_to(ROOT)}: {module} (not installed at all)")
            elif not dists & allowed:
                missing.append(f"{path.relative_to(ROOT)}: {module} from {sorted(dists)}")
    assert not missing, "undeclared imports:\n" + "\n".join(missing)


def test_no_part_depends_on_another_beyond_the_design() -> None:
    """protocol depends on no part; edge and server only on protocol; the simulator on edge
    (and, for its demo, the server)."""
    deps = {part: _names(_project(part)["dependencies"]) & set(PARTS.values())
            for part in PARTS}
    assert deps == {"protocol": set(), "edge": {"officegate-protocol"},
                    "server": {"officegate-protocol"},
                    "firmware_sim": {"officegate-protocol", "officegate-edge"}}

"""Every third-party import in the package is declared in pyproject.toml, in the part that
installs it: the core for protocol/mqtt/cli, the edge extra for edge/ and firmware_sim/, the
server extra for server/ (the demo uses them all). The test environment has everything, so a
missing declaration would otherwise only show on a user's fresh install."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "officegate"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[;\s]", r, maxsplit=1)[0].strip().lower().replace("_", "-")
            for r in requirements if not r.startswith("officegate")}


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


CORE = _with_their_requirements(_names(PROJECT["dependencies"]))
EXTRA = {name: _with_their_requirements(_names(reqs))
         for name, reqs in PROJECT["optional-dependencies"].items()}
ALLOWED = {
    "protocol": CORE, "mqtt": CORE, "cli.py": CORE, "__init__.py": CORE, "__main__.py": CORE,
    "edge": CORE | EXTRA["edge"], "firmware_sim": CORE | EXTRA["edge"],
    "server": CORE | EXTRA["server"], "demo": CORE | EXTRA["edge"] | EXTRA["server"],
    # The embedded broker is started by the server (and the demo), never on an edge.
    "mqtt/broker.py": CORE | EXTRA["server"],
}


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_third_party_import_is_declared_where_it_is_used() -> None:
    distributions = packages_distributions()
    missing: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        allowed = ALLOWED.get(relative.as_posix(), ALLOWED[relative.parts[0]])
        for module in _top_level_imports(path):
            if module in sys.stdlib_module_names or module == "officegate":
                continue
            dists = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
            if not dists:
                missing.append(f"{path.relative_to(ROOT)}: {module} (not installed at all)")
            elif not dists & allowed:
                missing.append(f"{path.relative_to(ROOT)}: {module} from {sorted(dists)}")
    assert not missing, "undeclared imports:\n" + "\n".join(missing)

"""``officegate server --check-config``: every settings error with the variable or file line
that caused it, and the ``OFFICEGATE_*`` variables no setting reads (a typo)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from officegate.server.settings import CONFIG_FILE_VARIABLE, Settings

PREFIX = "OFFICEGATE_"
# Variables of the other parts and of the tests: not server settings, not typos.
NOT_SERVER = {"CONFIG_FILE", "EDGE_MQTT_URL", "NEW_PASSWORD", "HA_MQTT_PASSWORD"}
NOT_SERVER_PREFIXES = ("TEST_",)
ALIASES = {"DATABASE_URL": ("database_url",), "MQTT_URL": ("mqtt_url",)}


def _variable(loc: tuple[str | int, ...]) -> str:
    return PREFIX + "_".join(str(part) for part in loc).upper()


def _file_line(path: Path, loc: tuple[str | int, ...]) -> int | None:
    """The line of ``loc``'s key in the TOML file (top-level key or [section] key)."""
    if not loc:
        return None
    section, key = (None, str(loc[0])) if len(loc) == 1 else (str(loc[0]), str(loc[1]))
    current: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if text.startswith("[") and text.endswith("]"):
            current = text.strip("[] ")
            continue
        name = text.split("=", 1)[0].strip().strip('"')
        if "=" in text and current == section and name == key:
            return number
    return None


def _where(loc: tuple[str | int, ...], env: Mapping[str, str], path: Path | None) -> str:
    variable = _variable(loc[:2])
    if variable in env:
        return variable
    for alias, field in ALIASES.items():
        if tuple(loc[:1]) == field and alias in env:
            return alias
    if path is not None and path.is_file():
        line = _file_line(path, loc)
        if line is not None:
            return f"{path}:{line}"
    return variable


def _known_variables() -> set[str]:
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= {f"{name}_{sub}".upper() for sub in annotation.model_fields}
        else:
            names.add(name.upper())
    return names


def check_config(env: Mapping[str, str] | None = None) -> list[str]:
    """Problems with the server's settings as they would be read now; empty when fine."""
    env = os.environ if env is None else env
    problems: list[str] = []
    file = env.get(CONFIG_FILE_VARIABLE)
    path = Path(file) if file else None
    if path is not None:
        if not path.is_file():
            problems.append(f"{CONFIG_FILE_VARIABLE}: no such file {path}")
            path = None
        else:
            try:
                tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                return [f"{path}: not valid TOML ({exc})"]
    known = _known_variables()
    for name in sorted(env):
        rest = name[len(PREFIX):]
        if name.startswith(PREFIX) and rest not in known and rest not in NOT_SERVER \
                and not rest.startswith(NOT_SERVER_PREFIXES):
            problems.append(f"{name}: no such setting")
    try:
        Settings()
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            where = _where(loc, env, path)
            if error.get("type") == "extra_forbidden" and f"{where}: no such setting" in problems:
                continue  # already said
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return problems

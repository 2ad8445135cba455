"""An edge (a Raspberry Pi) installs protocol/ and edge/ only (requirements/edge.txt): no
server file is on its disk, and nothing it runs may need the server's stack (FastAPI,
SQLAlchemy, Alembic, uvicorn, the amqtt broker, argon2, Jinja2)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ["fastapi", "sqlalchemy", "alembic", "uvicorn", "amqtt", "argon2", "jinja2",
               "starlette", "psycopg"]

BLOCKER = textwrap.dedent(f"""
    import importlib.abc, sys
    BLOCKED = {SERVER_ONLY!r}
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is not installed on an edge")
            return None
    sys.meta_path.insert(0, Block())
""")


def _run_without_server_stack(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BLOCKER + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)


def test_edge_code_imports_without_the_server_stack() -> None:
    result = _run_without_server_stack("""
        import officegate.edge.agent, officegate.edge.link, officegate.edge.scan
        import officegate.firmware_sim.camera, officegate.firmware_sim.board
        import officegate.protocol, officegate.mqtt.client
        print("edge ok")
    """)
    assert result.returncode == 0, result.stderr
    assert "edge ok" in result.stdout


def test_edge_commands_run_without_the_server_stack(tmp_path: Path) -> None:
    config = tmp_path / "gate.toml"
    config.write_text('device = "gate-1"\nsite = "hq"\nbogus = 1\n')
    result = _run_without_server_stack(f"""
        import sys
        from officegate.cli import main
        sys.argv = ["officegate", "edge", "--config", {str(config)!r}]
        main()
    """)
    assert result.returncode == 2, result.stderr
    assert "bogus" in result.stdout + result.stderr
    assert "is not installed on an edge" not in result.stderr


def test_the_edge_install_pulls_in_no_server_package() -> None:
    wanted: list[str] = []
    for part in ("protocol", "edge"):
        wanted += tomllib.loads((ROOT / part / "pyproject.toml").read_text())["project"][
            "dependencies"]
    names = {dep.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower()
             for dep in wanted}
    assert not names & {"fastapi", "sqlalchemy", "alembic", "uvicorn", "amqtt", "argon2-cffi",
                        "jinja2", "psycopg", "officegate-server", "officegate-sim"}


def _wheel_files(part: str, out: Path) -> list[str]:
    """The file names inside the wheel that ``part`` builds (hatchling, no network)."""
    pytest.importorskip("hatchling", reason="hatchling builds the wheels (requirements/test.txt)")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT / part)], capture_output=True, text=True, timeout=120,
        check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(out.glob(f"officegate_{part.replace('firmware_sim', 'sim')}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_an_edge_install_has_no_server_or_simulator_file(tmp_path: Path) -> None:
    files = _wheel_files("protocol", tmp_path) + _wheel_files("edge", tmp_path)
    code = [f for f in files if f.startswith("officegate/")]
    assert any(f.startswith("officegate/edge/") for f in code)
    assert any(f.startswith("officegate/protocol/") for f in code)
    strays = [f for f in code if not f.startswith(("officegate/edge/", "officegate/protocol/",
                                                   "officegate/mqtt/", "officegate/cli.py",
                                                   "officegate/__main__.py"))]
    assert strays == []
    # A namespace package: no part owns officegate/__init__.py.
    assert "officegate/__init__.py" not in code


EDGE_ONLY = ["gpiozero", "cv2", "zxingcpp", "pyzbar", "colorzero", "lgpio"]


def test_the_server_imports_without_the_edge_stack() -> None:
    """A server install (`officegate[server]`) has no gpiozero, OpenCV or QR decoders."""
    blocker = BLOCKER.replace(repr(SERVER_ONLY), repr(EDGE_ONLY))
    code = "import officegate.server.app, officegate.server.runner, officegate.cli\nprint('ok')"
    result = subprocess.run([sys.executable, "-c", blocker + code], capture_output=True,
                            text=True, timeout=60, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]

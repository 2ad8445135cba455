"""`officegate server --check-config`: each settings error names the variable or the file line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from officegate.cli import build_app
from officegate.server.settings import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("OFFICEGATE_") or name in ("DATABASE_URL", "MQTT_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OFFICEGATE_DATA_DIR", str(tmp_path))


def _check() -> tuple[int, str]:
    result = runner.invoke(build_app(), ["server", "--check-config"])
    return result.exit_code, result.output


def test_good_settings_pass() -> None:
    assert _check() == (0, "settings OK\n")


def test_each_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFICEGATE_PORT", "eighty")
    monkeypatch.setenv("OFFICEGATE_MEETINGS_NO_SHOW_MINUTES", "0")
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_PROT", "25")  # a typo of SMTP_PORT
    code, output = _check()
    assert code == 1
    lines = output.splitlines()
    assert any(line.startswith("OFFICEGATE_PORT: ") and "integer" in line for line in lines)
    assert any(line.startswith("OFFICEGATE_MEETINGS_NO_SHOW_MINUTES: ") and "1" in line
               for line in lines)
    assert "OFFICEGATE_MESSAGING_SMTP_PROT: no such setting" in lines
    assert len(lines) == 3, output  # one line per mistake, no repeats


def test_errors_in_the_file_are_named_by_line(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    config = tmp_path / "officegate.toml"
    config.write_text('site = "osaka"\nport = 80000\n\n[messaging]\nquiet_start_hour = 30\n')
    monkeypatch.setenv("OFFICEGATE_CONFIG_FILE", str(config))
    code, output = _check()
    assert code == 1
    assert f"{config}:2: " in output and f"{config}:5: " in output


def test_the_file_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    config = tmp_path / "officegate.toml"
    config.write_text('site = "osaka"\nport = 8100\n[meetings]\nno_show_minutes = 15\n')
    monkeypatch.setenv("OFFICEGATE_CONFIG_FILE", str(config))
    monkeypatch.setenv("OFFICEGATE_PORT", "8200")
    settings = Settings()
    assert (settings.site, settings.port, settings.meetings.no_show_minutes) == \
        ("osaka", 8200, 15)
    assert _check()[0] == 0


def test_the_server_refuses_to_start_on_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFICEGATE_MESSAGING_QUIET_END_HOUR", "25")
    result = runner.invoke(build_app(), ["server"])
    assert result.exit_code == 2
    assert "OFFICEGATE_MESSAGING_QUIET_END_HOUR: " in result.output

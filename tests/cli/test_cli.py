"""The `officegate` command as an installer or an admin uses it: clear output, no tracebacks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import segno
from typer.testing import CliRunner

from officegate.cli import build_app
from officegate.edge.cache import EdgeCache
from officegate.protocol import (
    KeySet,
    PassClaims,
    PassKind,
    SigningKey,
    issue_pass,
    pass_secret,
    rotating_code,
    rotating_text,
    static_text,
)

app = build_app()
runner = CliRunner()


@pytest.fixture
def edge_setup(tmp_path: Path) -> tuple[Path, SigningKey]:
    """An edge config whose cache already holds the site's keys (as after one online start)."""
    key = SigningKey.generate()
    EdgeCache(tmp_path / "edge" / "cache").save_keys(KeySet("hq", [key.trusted()], 1))
    config = tmp_path / "gate.toml"
    config.write_text(
        f'device = "gate-1"\nsite = "hq"\nzone = "lobby"\nmqtt_url = ""\n'
        f'data_dir = "{tmp_path / "edge"}"\ncamera = "sim"\n'
    )
    return config, key


def _pass_image(tmp_path: Path, key: SigningKey, zones: tuple[str, ...]) -> tuple[Path, str]:
    now = int(time.time())
    claims = PassClaims(issuer="hq", subject="v-123", pass_id=b"\x01" * 8, issued_at=now,
                        not_before=now - 60, expires=now + 3600, kind=PassKind.VISITOR,
                        visit_id=7, zones=zones, doors=())
    cose = issue_pass(claims, key)
    text = rotating_text(cose, rotating_code(pass_secret(key.code_key, claims.pass_id), now))
    path = tmp_path / f"pass-{'-'.join(zones)}.png"
    segno.make(text, error="m", mode="alphanumeric").save(str(path), scale=6, border=4)
    return path, text


def test_scan_prints_what_the_gate_would_decide(tmp_path: Path, edge_setup) -> None:
    config, key = edge_setup
    good, _ = _pass_image(tmp_path, key, ("lobby",))
    elsewhere, _ = _pass_image(tmp_path, key, ("floor-5",))
    result = runner.invoke(app, ["scan", "--config", str(config), str(good), str(elsewhere)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "accepted" in lines[0]
    assert "wrong_door" in lines[1]


def test_scan_raw_prints_the_qr_text(tmp_path: Path, edge_setup) -> None:
    _config, key = edge_setup
    image, text = _pass_image(tmp_path, key, ("lobby",))
    result = runner.invoke(app, ["scan", "--raw", str(image)])
    assert result.exit_code == 0
    assert result.output.replace("\n", "") == text


def test_scan_without_keys_says_the_signature_was_not_checked(tmp_path: Path, edge_setup) -> None:
    _config, key = edge_setup
    image, _ = _pass_image(tmp_path, key, ("lobby",))
    result = runner.invoke(app, ["scan", str(image)])
    assert result.exit_code == 0
    assert "NOT checked" in result.output.replace("\n", " ")


def test_scan_of_a_photo_without_a_qr_or_not_an_image_exits_1(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 200, np.uint8))
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"definitely not a jpeg")
    result = runner.invoke(app, ["scan", str(blank), str(junk)])
    assert result.exit_code == 1
    assert "no QR code found" in result.output
    assert "not an image" in result.output
    assert "Traceback" not in result.output


def test_scan_of_foreign_qr_text_says_it_is_not_a_pass(tmp_path: Path) -> None:
    image = tmp_path / "url.png"
    segno.make("HTTPS://EXAMPLE.COM/", error="m").save(str(image), scale=6)
    result = runner.invoke(app, ["scan", str(image)])
    assert "not an OfficeGate pass" in result.output


def test_edge_with_a_misspelt_config_key_exits_2_with_the_reason(tmp_path: Path) -> None:
    config = tmp_path / "gate.toml"
    config.write_text('device = "gate-1"\nsite = "hq"\nrelay_puls_ms = 900\n')
    result = runner.invoke(app, ["edge", "--config", str(config)])
    assert result.exit_code == 2
    assert "relay_puls_ms" in result.output


def test_user_add_creates_a_login_and_refuses_weak_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("OFFICEGATE_DATA_DIR", str(tmp_path / "server"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    ok = runner.invoke(app, ["user", "add", "Reception@Example.com", "--role", "staff",
                             "--password", "a long enough secret"])
    assert ok.exit_code == 0, ok.output
    assert "added staff reception@example.com" in ok.output

    weak = runner.invoke(app, ["user", "add", "x@example.com", "--password", "short"])
    assert weak.exit_code == 2
    assert "password needs at least" in weak.output
    again = runner.invoke(app, ["user", "add", "reception@example.com",
                                "--password", "another long secret"])
    assert again.exit_code == 2 and "already exists" in again.output

    from officegate.server.auth import service as auth
    from officegate.server.bootstrap import database_session
    from officegate.server.settings import Settings

    with database_session(Settings()) as db:
        assert auth.authenticate(db=db, email="reception@example.com",
                                 password="a long enough secret") is not None
        assert auth.authenticate(db=db, email="reception@example.com", password="wrong") is None


def test_edge_without_a_camera_says_so_instead_of_crashing(tmp_path: Path) -> None:
    config = tmp_path / "gate.toml"
    config.write_text(f'device = "gate-1"\nsite = "hq"\nmqtt_url = ""\ncamera = 7\n'
                      f'data_dir = "{tmp_path / "edge"}"\n')
    result = runner.invoke(app, ["edge", "--config", str(config)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "camera" in result.output.lower()


def test_scan_of_a_pass_whose_claims_hold_rich_markup_prints_them_plainly(
        tmp_path: Path) -> None:
    now = int(time.time())
    claims = PassClaims(issuer="[/red]", subject="v-1", pass_id=b"\x02" * 8, issued_at=now,
                        not_before=now - 60, expires=now + 3600, kind=PassKind.VISITOR,
                        visit_id=7, zones=("[/bold]lobby",), doors=())
    image = tmp_path / "qr[bold].png"
    segno.make(static_text(issue_pass(claims, SigningKey.generate())), error="m",
               mode="alphanumeric").save(str(image), scale=6)
    result = runner.invoke(app, ["scan", str(image)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "site [/red]" in result.output and "[/bold]lobby" in result.output
    assert "qr[bold].png" in result.output

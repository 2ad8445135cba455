"""A real Mosquitto broker the test owns: its own config, port and data directory, so the
test can stop it, kill it and start it again (persistence on, like production)."""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def need_mosquitto() -> str:
    """The mosquitto binary, or skip the test saying why."""
    if not Path(MOSQUITTO).is_file():
        pytest.skip("needs the mosquitto binary (apt-get install mosquitto): "
                    "fault tests stop and restart a real broker")
    return MOSQUITTO


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    """True when something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def spawn_listening(argv: list[str], port: int, what: str, log: Callable[[], str],
                    timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Start ``argv`` and wait until it accepts connections on ``port``; RuntimeError with
    the end of ``log()`` when it exits or does not listen in time."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start: {log()[-2000:]}")
        time.sleep(0.05)
    return process


class Mosquitto:
    """``start()``, ``stop()`` (SIGTERM: saves its persistence file), ``kill()`` (SIGKILL)."""

    def __init__(self, workdir: Path, *, port: int | None = None, auth: str = "") -> None:
        self.binary = need_mosquitto()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.conf = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        # The production settings that matter for "nothing lost" (deploy/mosquitto).
        self.conf.write_text("\n".join([
            # Run as whoever runs the tests: as root, mosquitto would switch to the user
            # "mosquitto", which cannot write this test's (0700) directories.
            f"user {getpass.getuser()}",
            f"listener {self.port} 127.0.0.1",
            auth or "allow_anonymous true",
            "persistence true",
            f"persistence_location {workdir}/",
            "autosave_interval 1",
            "max_queued_messages 0",
            "max_queued_bytes 0",
            "max_inflight_messages 1000",
            f"log_dest file {self.log}",
            "log_type error", "log_type warning", "log_type notice",
            "",
        ]))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:<port>`` (no credentials)."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Mosquitto:
        """Start the broker and wait until it accepts connections."""
        self.process = spawn_listening([self.binary, "-c", str(self.conf)], self.port,
                                       "mosquitto", self.log_text, timeout)
        return self

    def reload(self) -> None:
        """SIGHUP: re-read the password and ACL files."""
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.5)  # mosquitto reloads in its main loop; no signal tells us it is done

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the broker with ``sig`` and wait for it to exit."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_text(self) -> str:
        """What the broker logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

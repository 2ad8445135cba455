"""A real nginx (Debian's) in front of the test's servers, with the project's own proxy
config (deploy/nginx/officegate.conf): only its upstream addresses and listen port are
this test's, so the file the README tells operators to use is the one under test."""

from __future__ import annotations

import getpass
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from .mosquitto import free_port, spawn_listening

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "officegate.conf"


def need_nginx() -> str:
    """The nginx binary, or skip the test saying why."""
    if not Path(NGINX).is_file():
        pytest.skip("needs the nginx binary (apt-get install nginx): the multi-server test "
                    "puts a real reverse proxy in front of two servers")
    return NGINX


def site_config(upstreams: list[int], port: int) -> str:
    """deploy/nginx/officegate.conf with loopback upstreams and listen port."""
    text = SITE_CONF.read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n"
                      for p in upstreams)
    text, count = re.subn(r"upstream officegate \{\n(?:\s*server [^\n]*\n)+\}",
                          "upstream officegate {\n" + servers + "}", text)
    assert count == 1, "deploy/nginx/officegate.conf: no upstream block to point at the test"
    text, count = re.subn(r"listen 80;", f"listen 127.0.0.1:{port};", text)
    assert count == 1, "deploy/nginx/officegate.conf: no 'listen 80;' line"
    return text


class Nginx:
    """``start()`` / ``stop()``; ``url`` is where the proxy listens."""

    def __init__(self, workdir: Path, upstreams: list[int]) -> None:
        self.binary = need_nginx()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = workdir / "nginx.conf"
        self.error_log = workdir / "error.log"
        temp = "\n".join(f"    {name}_temp_path {workdir}/{name};"
                         for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.conf.write_text(f"""\
user {getpass.getuser()};
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {self.error_log} notice;
events {{ worker_connections 256; }}
http {{
    access_log {workdir}/access.log;
{temp}
{site_config(upstreams, self.port)}
}}
""")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Nginx:
        """Start nginx (in the foreground, as our child) and wait until it accepts."""
        self.process = spawn_listening(
            [self.binary, "-p", str(self.workdir), "-e", str(self.error_log), "-c",
             str(self.conf)], self.port, "nginx", self.log_tail, timeout)
        return self

    def stop(self) -> None:
        """SIGQUIT (graceful) and wait."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self) -> str:
        """The end of nginx's error log."""
        return self.error_log.read_text(errors="replace")[-2000:] \
            if self.error_log.exists() else ""

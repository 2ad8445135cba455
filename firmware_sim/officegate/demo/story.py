"""``officegate demo``: the visitor's story, played on the real stack, told as a timeline."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from officegate.demo.chapters import CHAPTERS
from officegate.demo.chapters.context import GATE, LOBBY, Story
from officegate.demo.stack import Account, Stack, StoryError
from officegate.mqtt.client import parse_mqtt_url


def run_demo(*, console: Console, once: bool, port: int, data_dir: Path | None) -> int:
    """Play the story; 0 when every step happened, 1 when one did not. Blocks unless ``once``."""
    workdir = data_dir or Path(tempfile.mkdtemp(prefix="officegate-demo-"))
    mqtt_url = os.environ.get("MQTT_URL") or os.environ.get("OFFICEGATE_MQTT_URL")
    stack = Stack(
        data_dir=workdir,
        broker=parse_mqtt_url(mqtt_url) if mqtt_url else None,
        database_url=os.environ.get("DATABASE_URL") or os.environ.get("OFFICEGATE_DATABASE_URL"),
        port=port,
        site=os.environ.get("OFFICEGATE_SITE", "hq"),
    )
    admin = Account("admin@demo.officegate.test", secrets.token_urlsafe(12), "admin", "Demo Admin")
    host = Account("host@demo.officegate.test", secrets.token_urlsafe(12), "host",
                   "佐藤 健 Ken Sato")
    story = Story(stack=stack, console=console, host_email=host.email)
    try:
        with console.status("starting broker, server and the lobby gate ..."):
            stack.start(accounts=[admin, host], gates=[(GATE, LOBBY)])
            broker = stack.broker
            story.step("broker", "embedded amqtt" if mqtt_url is None or broker is None
                       else broker.url())
            database = "DATABASE_URL" if stack.database_url else f"SQLite in {workdir}"
            story.step("server", f"{stack.base_url} (database: {database})")
            stack.add_gate(GATE, LOBBY)
            story.step(GATE, "edge agent up: camera (simulated) -> zxing-cpp -> offline verify "
                       "-> relay/LEDs (gpiozero mock pins); keys and door config received")
        for chapter in CHAPTERS:
            chapter.play(story)
    except StoryError as exc:
        console.print(f"[bold red]The story stopped:[/bold red] {exc}")
        stack.stop()
        return 1
    _show_log(stack, console)
    guest = stack.invite(host_token=stack.token("host"), visitor_name="You (try it)",
                         zones=[LOBBY], room="3F Sakura",
                         directions="3F, left of the lift / 3階、エレベーターを出て左")
    console.print(Panel.fit(
        f"[bold]Your own pass[/bold] (open it in a browser; it binds to the first device):\n"
        f"  {guest['pass_url']}\n"
        f"[bold]Access log[/bold]: {stack.base_url}/staff/access\n"
        f"  log in as [bold]{admin.email}[/bold] / password [bold]{admin.password}[/bold]\n"
        f"[bold]Host[/bold]: {host.email} / {host.password}\n"
        f"Data: {workdir}",
        title="OfficeGate demo is running" if not once else "OfficeGate demo",
    ))
    if once:
        stack.stop()
        return 0
    console.print("Press Ctrl+C to stop.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def _show_log(stack: Stack, console: Console) -> None:
    table = Table(title="Access log (from the server's API)")
    for column in ("time (UTC)", "device", "visitor", "decision", "detail", "ms"):
        table.add_column(column)
    for event in reversed(stack.access_events(stack.token("admin"))):
        table.add_row(str(event.get("at", ""))[11:19], str(event.get("device", "")),
                      str(event.get("visitor_name") or "-"), str(event.get("reason", "")),
                      str(event.get("detail") or ""),
                      f"{event['latency_ms']:.1f}" if event.get("latency_ms") is not None else "")
    console.print(table)

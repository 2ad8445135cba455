"""``officegate server``, ``user``, ``device`` and ``broker-config``: running and administering
the server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from officegate.cli import console, err
from officegate.server.audit.cli import audit_app

app = typer.Typer()
user_app = typer.Typer(help="Staff, host and admin accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
device_app = typer.Typer(help="Gates, doors and vending machines: provisioning.",
                         no_args_is_help=True)
app.add_typer(device_app, name="device")
app.add_typer(audit_app, name="audit")


@app.command()
def server(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    smtp_port: Annotated[int | None, typer.Option(
        min=1, max=65535, help="Also receive visitors' e-mail replies by SMTP on this port "
        "(default: off; OFFICEGATE_MESSAGING_SMTP_LISTEN_PORT).")] = None,
    check_config: Annotated[bool, typer.Option(
        "--check-config", help="Check the settings (OFFICEGATE_* variables and the TOML file "
        "OFFICEGATE_CONFIG_FILE names), print each error with its variable or file line, "
        "and exit (1 when there is any).")] = False,
    new_kek: Annotated[bool, typer.Option(
        "--new-kek", help="Print a new key-encryption key for OFFICEGATE_KEY_ENCRYPTION_KEY "
        "(give every server of a site the same one) and exit.")] = False,
) -> None:
    """Run the OfficeGate server (settings from OFFICEGATE_* / DATABASE_URL / MQTT_URL, and
    the TOML file OFFICEGATE_CONFIG_FILE names)."""
    from pydantic import ValidationError

    from officegate.server.config_check import check_config as problems_in_config
    from officegate.server.runner import serve
    from officegate.server.settings import Settings

    if new_kek:
        from officegate.server.keys.vault import make_kek

        console.print(make_kek(), markup=False, highlight=False)
        raise typer.Exit(0)
    if check_config:
        problems = problems_in_config()
        for problem in problems:
            err.print(problem, markup=False, highlight=False, soft_wrap=True)
        if not problems:
            console.print("settings OK")
        raise typer.Exit(1 if problems else 0)
    overrides: dict[str, object] = {k: v for k, v in {"host": host, "port": port}.items()
                                    if v is not None}
    if smtp_port is not None:
        overrides["messaging"] = {"smtp_listen_port": smtp_port}
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError:
        for problem in problems_in_config():
            err.print(problem, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    from officegate.server.keys.vault import KeyringError

    try:
        serve(settings)
    except KeyringError as exc:  # a server given another KEK than its site's
        err.print(f"cannot start: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="Login e-mail.")],
    role: Annotated[str, typer.Option(help="admin, staff or host.")] = "host",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[
        str | None,
        typer.Option(help="Default: asked for (or OFFICEGATE_NEW_PASSWORD).", show_default=False),
    ] = None,
) -> None:
    """Add a user who can log in to the staff pages and the API."""
    from officegate.server.audit.service import Actor, record
    from officegate.server.auth import service as auth
    from officegate.server.bootstrap import database_session
    from officegate.server.errors import OfficeGateError
    from officegate.server.settings import Settings

    secret = password or os.environ.get("OFFICEGATE_NEW_PASSWORD")
    if not secret:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with database_session(Settings()) as db:
            user = auth.create_user(db=db, email=email, password=secret, role=role, name=name)
            record(db, who=Actor(actor="cli"), action="user.add", target=f"user:{user.id}",
                   after={"email": user.email, "role": user.role, "name": user.name})
            console.print(f"added {user.role} [bold]{user.email}[/bold]")
    except OfficeGateError as exc:
        err.print(f"[red]{exc.detail()['message_en']}[/red]")
        raise typer.Exit(2) from None


@device_app.command("add")
def device_add(
    name: Annotated[str, typer.Argument(help="Device name, e.g. gate-1 (its MQTT user).")],
    kind: Annotated[str, typer.Option(help="gate, door or vending.")] = "gate",
    zone: Annotated[str, typer.Option(help="Zone it opens into.")] = "lobby",
    out: Annotated[Path, typer.Option(help="Where to write the bundle.")] = Path("."),
    broker_url: Annotated[
        str, typer.Option(help="Broker address as the Pi reaches it (no password).")
    ] = "mqtt://officegate.local:1883",
    ca: Annotated[Path | None, typer.Option(help="CA certificate of a TLS broker.")] = None,
) -> None:
    """Register a device, give it a broker password and write its provisioning bundle."""
    from officegate.mqtt.client import parse_mqtt_url
    from officegate.server.audit.service import Actor, record
    from officegate.server.bootstrap import database_session
    from officegate.server.devices import service as devices
    from officegate.server.errors import OfficeGateError
    from officegate.server.provisioning import service as provisioning
    from officegate.server.settings import Settings

    settings = Settings()
    try:
        broker = parse_mqtt_url(broker_url)
        with database_session(settings) as db:
            device = devices.create_device(db=db, name=name, kind=kind, zone=zone,
                                           site=settings.site)
            password = provisioning.issue_credential(db=db, device=device)
            record(db, who=Actor(actor="cli"), action="device.add", target=f"device:{name}",
                   after={"kind": kind, "zone": zone})
            files = provisioning.write_bundle(db=db, device=device, password=password,
                                              broker=broker, out_dir=out / name, ca_file=ca)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except OfficeGateError as exc:
        err.print(f"[red]{exc.detail()['message_en']}[/red]")
        raise typer.Exit(2) from None
    console.print(f"added {kind} [bold]{name}[/bold] in zone {zone}; bundle:")
    for path in files:
        console.print(f"  {path}")
    console.print("Copy it to the Pi, then run `officegate broker-config` and reload Mosquitto.")


@device_app.command("revoke")
def device_revoke(
    name: Annotated[str, typer.Argument(help="Device whose broker login to revoke.")],
) -> None:
    """Revoke a device's broker credential (a lost or stolen Pi); then run broker-config."""
    from officegate.server.audit.service import Actor, record
    from officegate.server.bootstrap import database_session
    from officegate.server.devices import service as devices
    from officegate.server.errors import OfficeGateError
    from officegate.server.provisioning import service as provisioning
    from officegate.server.settings import Settings

    try:
        with database_session(Settings()) as db:
            count = provisioning.revoke_credentials(
                db=db, device=devices.get_device(db=db, name=name))
            record(db, who=Actor(actor="cli"), action="device.revoke_credentials",
                   target=f"device:{name}", after={"revoked": count})
    except OfficeGateError as exc:
        err.print(f"[red]{exc.detail()['message_en']}[/red]")
        raise typer.Exit(2) from None
    console.print(f"revoked {count} credential(s) of [bold]{name}[/bold]")


@app.command("broker-config")
def broker_config(
    out: Annotated[Path, typer.Option(help="Directory for passwd and acl.")] = Path("."),
    home_assistant_user: Annotated[str | None, typer.Option(
        help="Also give Home Assistant a login of its own (password from "
             "OFFICEGATE_HA_MQTT_PASSWORD): it may read states and send lock commands.")] = None,
) -> None:
    """Write Mosquitto's password and ACL files for every provisioned device and the server.

    The server's own broker login is the user and password in its MQTT URL
    (OFFICEGATE_MQTT_URL). With OFFICEGATE_HOME_ASSISTANT_PREFIX set, the server may publish
    discovery under that prefix. Reload Mosquitto afterwards (SIGHUP or systemctl reload).
    """
    from officegate.mqtt.client import parse_mqtt_url
    from officegate.server.bootstrap import database_session
    from officegate.server.errors import OfficeGateError
    from officegate.server.provisioning import service as provisioning
    from officegate.server.settings import Settings

    settings = Settings()
    server = parse_mqtt_url(settings.mqtt_url) if settings.mqtt_url else None
    if server is None or not server.username or not server.password:
        err.print("[red]set OFFICEGATE_MQTT_URL=mqtt://USER:PASSWORD@host:port: the server's "
                  "own broker login goes into the password file too[/red]")
        raise typer.Exit(2)
    ha_password = os.environ.get("OFFICEGATE_HA_MQTT_PASSWORD") or None
    if home_assistant_user and not ha_password:
        err.print("[red]set OFFICEGATE_HA_MQTT_PASSWORD: Home Assistant's broker password "
                  "(never on the command line)[/red]")
        raise typer.Exit(2)
    try:
        with database_session(settings) as db:
            files = provisioning.broker_files(
                db=db, server_user=server.username, server_password=server.password,
                home_assistant_prefix=settings.home_assistant_prefix,
                home_assistant_user=home_assistant_user, home_assistant_password=ha_password)
    except OfficeGateError as exc:
        err.print(f"[red]{exc.detail()['message_en']}[/red]")
        raise typer.Exit(2) from None
    passwd, acl = provisioning.write_broker_files(files, out)
    devices = files.passwd.count("\n") - 1 - (1 if home_assistant_user else 0)
    extra = " + Home Assistant" if home_assistant_user else ""
    console.print(f"wrote {passwd} and {acl} ({devices} device(s) + the server{extra})")

"""Device credentials, the Pi's provisioning bundle, and Mosquitto's password and ACL files.

The server keeps only Mosquitto's own hash of each device password (PBKDF2-SHA512, the
``$7$`` format ``mosquitto_passwd`` writes); the password itself exists once, in the bundle
written for the Pi. ``broker_files`` renders the files Mosquitto loads (SIGHUP reloads them):
a device may write only its own events/status/heartbeat and read its own config/cmd and its
site's keys and revocations. A revoked device is in neither file, so the broker refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.mqtt.client import BrokerAddress
from officegate.protocol import topics
from officegate.server.db import utcnow
from officegate.server.devices import service as devices
from officegate.server.devices.models import Device
from officegate.server.errors import InvalidInput
from officegate.server.provisioning.models import DeviceCredential
from officegate.server.sites.models import Site

# mosquitto_passwd's defaults for $7$: 101 iterations, 12-byte salt, 64-byte SHA-512 output.
_ITERATIONS = 101
_SALT_BYTES = 12


def mosquitto_hash(password: str, *, salt: bytes | None = None,
                   iterations: int = _ITERATIONS) -> str:
    """``$7$<iterations>$<salt b64>$<hash b64>``: a Mosquitto 2 password-file hash."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    b64 = base64.b64encode
    return f"$7${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def issue_credential(*, db: Session, device: Device) -> str:
    """A new broker password for ``device`` (earlier ones are revoked); returns the password.

    Only its hash is stored: show or write the password now, it cannot be read back.
    """
    revoke_credentials(db=db, device=device)
    password = secrets.token_urlsafe(24)
    db.add(DeviceCredential(device_id=device.id, username=device.name,
                            password_hash=mosquitto_hash(password)))
    db.flush()
    return password


def revoke_credentials(*, db: Session, device: Device) -> int:
    """Revoke every live credential of ``device``; returns how many were live."""
    live = db.scalars(select(DeviceCredential).where(
        DeviceCredential.device_id == device.id, DeviceCredential.revoked_at.is_(None)))
    count = 0
    for credential in live:
        credential.revoked_at = utcnow()
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class BrokerFiles:
    """The text of Mosquitto's password file and ACL file."""

    passwd: str
    acl: str


def device_acl(device: str, site: str) -> list[str]:
    """ACL lines of one device: its own topics, its site's keys and revocations."""
    return [
        f"user {device}",
        f"topic write {topics.device_events(device)}",
        f"topic write {topics.device_status(device)}",
        f"topic write {topics.device_heartbeat(device)}",
        f"topic read {topics.device_config(device)}",
        f"topic read {topics.device_cmd(device)}",
        f"topic read {topics.site_keys(site)}",
        f"topic read {topics.site_revocations(site)}",
    ]


def _usable_user(name: str) -> bool:
    return bool(name) and not any(c in name for c in ": \n")


def home_assistant_acl(user: str, prefix: str) -> list[str]:
    """ACL lines of Home Assistant's own login: discovery and its birth message under
    ``prefix``, OfficeGate's entity states and availability, and lock commands only."""
    return [f"user {user}", f"topic readwrite {prefix}/#", f"topic read {topics.ROOT}/ha/#",
            f"topic write {topics.ROOT}/ha/+/set", f"topic read {topics.ROOT}/sites/+/status"]


def broker_files(*, db: Session, server_user: str, server_password: str,
                 home_assistant_prefix: str | None = None,
                 home_assistant_user: str | None = None,
                 home_assistant_password: str | None = None) -> BrokerFiles:
    """Password and ACL files for every device with a live credential, plus the server.

    With ``home_assistant_prefix`` the server may also publish discovery there; with
    ``home_assistant_user`` (and its password) Home Assistant gets a login of its own that
    reads states and sends lock commands, nothing else.
    """
    if not _usable_user(server_user):
        raise InvalidInput("bad_server_user", "the server's broker user name is not usable",
                           "サーバーのブローカー利用者名が使えません")
    if home_assistant_user is not None and (
            not _usable_user(home_assistant_user) or not home_assistant_password
            or home_assistant_user == server_user):
        raise InvalidInput("bad_home_assistant_user",
                           "Home Assistant needs its own usable broker user name and a password",
                           "Home Assistant 用のブローカー利用者名とパスワードが必要です")
    prefix = home_assistant_prefix or ("homeassistant" if home_assistant_user else None)
    rows = db.execute(
        select(DeviceCredential, Device, Site)
        .join(Device, Device.id == DeviceCredential.device_id)
        .join(Site, Site.id == Device.site_id)
        .where(DeviceCredential.revoked_at.is_(None))
        .order_by(Device.name)).all()
    passwd = [f"{server_user}:{mosquitto_hash(server_password)}"]
    acl = ["# Generated by `officegate broker-config`; edit the devices, not this file.",
           f"user {server_user}", "topic readwrite officegate/#", "topic read owntracks/#",
           # OwnTracks commands (setWaypoints) go to the phone's own cmd topic.
           "topic write owntracks/+/+/cmd", "",
           # An OwnTracks phone logs in as its own user and may speak only for itself.
           "pattern write owntracks/%u/#", "pattern read owntracks/%u/+/cmd", ""]
    if prefix:  # the server announces doors and rooms to Home Assistant
        acl[2:2] = [f"topic readwrite {prefix}/#"]
    if home_assistant_user and home_assistant_password and prefix:
        passwd.append(f"{home_assistant_user}:{mosquitto_hash(home_assistant_password)}")
        acl += home_assistant_acl(home_assistant_user, prefix) + [""]
    for credential, device, site in rows:
        passwd.append(f"{credential.username}:{credential.password_hash}")
        acl += device_acl(device.name, site.code) + [""]
    return BrokerFiles(passwd="\n".join(passwd) + "\n", acl="\n".join(acl))


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (it holds secrets or hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the mode above applies only to a new file, not one that was there
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_broker_files(files: BrokerFiles, out_dir: Path) -> tuple[Path, Path]:
    """Write ``passwd`` and ``acl`` into ``out_dir`` (0600); returns both paths."""
    passwd, acl = out_dir / "passwd", out_dir / "acl"
    write_private(passwd, files.passwd)
    write_private(acl, files.acl)
    return passwd, acl


def write_bundle(*, db: Session, device: Device, password: str, broker: BrokerAddress,
                 out_dir: Path, ca_file: Path | None = None) -> list[Path]:
    """The Pi's provisioning bundle: ``<name>.toml`` (edge config) and ``edge.env`` (0600,
    the broker URL with the password, for the systemd unit's EnvironmentFile), plus ``ca.crt``
    when the broker uses TLS. Returns the files written."""
    config = devices.device_config(db=db, device=device)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    address = BrokerAddress(host=broker.host, port=broker.port, username=device.name,
                            password=password, tls=broker.tls or ca_file is not None)
    public = BrokerAddress(host=broker.host, port=broker.port, username=device.name,
                           tls=address.tls)  # the config file names no password
    toml = out_dir / f"{device.name}.toml"
    toml.write_text("\n".join([
        f"# OfficeGate edge {device.name}: written by `officegate device add`.",
        "# The broker password is in edge.env (OFFICEGATE_EDGE_MQTT_URL), not here.",
        *([f"# This door is fail-{config.fail_mode}: wire its lock accordingly "
           "(docs/pi-wiring.md); the server's config sets it."]
          if config.kind != "vending" else []),
        f'device = "{device.name}"',
        f'site = "{config.site}"',
        f'kind = "{config.kind}"',
        f'zone = "{config.zone}"',
        f'mqtt_url = "{public.url()}"',
        *(['mqtt_ca_file = "/etc/officegate/ca.crt"'] if ca_file is not None else []),
        'data_dir = "/var/lib/officegate"',
        "camera = 0",
        'decoder = "zxing"',
        f"relay_pulse_ms = {config.relay_pulse_ms}",
        "",
        "[pins]",
        "relay = 17", "green = 27", "red = 22", "buzzer = 23", "",
    ]), encoding="utf-8")
    written = [toml]
    env = out_dir / "edge.env"
    write_private(env, f"OFFICEGATE_EDGE_MQTT_URL={address.url(with_password=True)}\n")
    written.append(env)
    if ca_file is not None:
        written.append(Path(shutil.copyfile(ca_file, out_dir / "ca.crt")))
    return written

"""The one settings object of the server: a validated tree read once at start and passed down.

Sources, strongest first: arguments (the CLI's flags), ``OFFICEGATE_*`` environment variables,
then a TOML file named by ``OFFICEGATE_CONFIG_FILE``. Sections are nested models
(``meetings``, ``messaging``) whose variables are ``OFFICEGATE_<SECTION>_<NAME>``; an unknown
key anywhere is an error, not a silent default (``officegate server --check-config``).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from officegate.server.arrival.settings import OwnTracksSettings
from officegate.server.keys.vault import Keyring
from officegate.server.meetings.settings import MeetingSettings
from officegate.server.messaging.config import MessagingConfig
from officegate.server.outbound import OutboundPolicy

CONFIG_FILE_VARIABLE = "OFFICEGATE_CONFIG_FILE"


class Settings(BaseSettings):
    """Server configuration.

    Every field reads ``OFFICEGATE_<NAME>``; the database and broker URLs also accept the
    plain ``DATABASE_URL`` and ``MQTT_URL`` that docker-compose and CI set.
    """

    model_config = SettingsConfigDict(env_prefix="OFFICEGATE_", extra="forbid",
                                      env_nested_delimiter="_", env_nested_max_split=1)

    data_dir: Path = Field(
        default=Path("./officegate-data"),
        title="Data directory",
        description="Holds the SQLite file, the signing key files and the session secret.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OFFICEGATE_DATABASE_URL", "DATABASE_URL", "database_url"),
        title="Database URL",
        description="SQLAlchemy URL; empty means a SQLite file in data_dir.",
    )
    mqtt_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OFFICEGATE_MQTT_URL", "MQTT_URL", "mqtt_url"),
        title="MQTT broker URL",
        description="mqtt://host:port; empty means an embedded broker started in-process.",
    )
    mqtt_client_id: str | None = Field(
        default=None, max_length=64, title="MQTT client id",
        description="Fixed id of the server's persistent MQTT session (officegate-server-<site>).",
    )
    mqtt_share_group: str | None = Field(
        default=None, max_length=32, pattern=r"^[A-Za-z0-9_-]*$", title="MQTT share group",
        description="Servers with the same group split the device events between them (MQTT "
        "shared subscriptions, $share/<group>-<purpose>/...); needs an external broker such "
        "as Mosquitto 2; empty: every server receives every event.",
    )
    site: str = Field(default="hq", title="Site id", description="Issuer of this server's passes.")
    site_name: str = Field(default="Head office", title="Site name")
    timezone: str = Field(
        default="Asia/Tokyo", max_length=64, title="Site time zone",
        description="IANA name the site's pages, messages and all-day bookings are read in, "
        "given to the site on its first start; the admin API changes it afterwards.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        title="Public base URL",
        description="Where visitors reach the server; pass links start with it.",
    )
    host: str = Field(default="127.0.0.1", title="Listen address")
    port: int = Field(default=8000, ge=0, le=65535, title="Listen port")
    secret_key: str | None = Field(
        default=None,
        title="Session secret",
        description="Signs session cookies, poster codes, reply addresses, OwnTracks seals; "
        "empty: one made once and shared by every server through the database.",
    )
    key_encryption_key: SecretStr | None = Field(
        default=None, title="Key-encryption key",
        description="Base64 of 32 random bytes (`officegate server --new-kek`) sealing the "
        "signing keys and secrets in the database; give every server the same one. Empty: "
        "the file key_encryption_key_file names, else one made in data_dir.",
    )
    key_encryption_key_file: Path | None = Field(
        default=None, title="Key-encryption key file",
        description="A 0600 file holding the key-encryption key (instead of the variable).",
    )
    cookie_secure: bool | None = Field(
        default=None,
        title="Secure cookies",
        description="Send the session cookie only over HTTPS; default: when base_url is https.",
    )
    pass_lead_minutes: int = Field(
        default=60, ge=0, le=24 * 60, title="Pass lead time",
        description="A pass becomes valid this many minutes before the visit starts.",
    )
    key_alg: str = Field(default="EdDSA", pattern="^(EdDSA|ES256)$", title="Signing algorithm")
    offline_alert_seconds: float = Field(
        default=120, gt=0, le=7 * 24 * 3600, title="Offline alert after (s)",
        description="Raise a staff alert when a door has been offline this long.",
    )
    home_assistant_prefix: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9_/-]+$",
        title="Home Assistant discovery prefix",
        description="Publish doors to Home Assistant under this prefix (usually "
        "'homeassistant'); empty: off.",
    )
    api_token_hours: int = Field(default=12, ge=1, le=24 * 30, title="API token lifetime")
    outbound_allow: str = Field(
        default="", max_length=2000, title="Outbound allow list",
        description="Inside addresses that user-configured URLs (notification targets, push "
        "endpoints, calendar feeds) may reach: IPs, CIDR networks, host names, comma "
        "separated (e.g. 127.0.0.1 for local test receivers); empty: public addresses only.",
    )

    rate_limit_storage: str = Field(
        default="", max_length=500, title="Rate limit storage",
        description="Where failure counters live (the limits library's storage URL, e.g. "
        "redis://host:6379); empty: the database when it is PostgreSQL (shared by every "
        "server), else memory in this process.",
    )
    meetings: MeetingSettings = Field(
        default_factory=MeetingSettings, title="Meetings",
        description="No-show release, sweeps, calendar feeds (OFFICEGATE_MEETINGS_*).")
    messaging: MessagingConfig = Field(
        default_factory=MessagingConfig, title="Messaging",
        description="E-mail, LINE, WhatsApp, quiet hours, the FAQ bot (OFFICEGATE_MESSAGING_*).")
    owntracks: OwnTracksSettings = Field(
        default_factory=OwnTracksSettings, title="OwnTracks MQTT mode",
        description="The phones' broker and their login files (OFFICEGATE_OWNTRACKS_*).")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the TOML file OFFICEGATE_CONFIG_FILE names."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = os.environ.get(CONFIG_FILE_VARIABLE)
        if path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(path)))
        return tuple(sources)

    @field_validator("outbound_allow")
    @classmethod
    def _outbound_allow_parses(cls, value: str) -> str:
        OutboundPolicy.parse(value)  # a typo is an error at start, not a silent refusal
        return value

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "Asia/Tokyo") from None
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/officegate.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'officegate.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        """Whether the session cookie carries the Secure flag."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.base_url.startswith("https://")

    @property
    def outbound_policy(self) -> OutboundPolicy:
        """Which inside addresses outbound URLs may reach (see officegate.server.outbound)."""
        return OutboundPolicy.parse(self.outbound_allow)

    @property
    def legacy_keys_dir(self) -> Path:
        """Where signing keys were kept as files before they moved into the database."""
        return self.data_dir / "keys"

    @cached_property
    def keyring(self) -> Keyring:
        """The key-encryption key sealing keys and secrets in the database (keys/vault.py)."""
        kek = self.key_encryption_key.get_secret_value() if self.key_encryption_key else None
        return Keyring.resolve(value=kek, file=self.key_encryption_key_file,
                               data_dir=self.data_dir)

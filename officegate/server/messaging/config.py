"""Messaging settings: channel credentials, quiet hours. Read once from the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MessagingConfig(BaseSettings):
    """Channels and proactive-message rules; every field reads ``OFFICEGATE_MESSAGING_<NAME>``.

    A channel whose credentials are empty is off: its webhook answers 404 and nothing is
    sent on it (the web chat on the pass page always works).
    """

    model_config = SettingsConfigDict(env_prefix="OFFICEGATE_MESSAGING_", extra="forbid")

    smtp_host: str | None = Field(default=None, title="SMTP host",
                                  description="Outgoing mail server; empty: no e-mail.")
    smtp_port: int = Field(default=25, ge=1, le=65535, title="SMTP port")
    smtp_starttls: bool = Field(default=False, title="Use STARTTLS")
    smtp_username: str | None = Field(default=None, title="SMTP user")
    smtp_password: SecretStr | None = Field(default=None, title="SMTP password")
    mail_from: str = Field(default="officegate@localhost", title="From address")
    inbound_mail_token: SecretStr | None = Field(
        default=None, title="Inbound mail webhook token",
        description="Shared secret the mail gateway sends as 'Authorization: Bearer ...'.")
    line_channel_secret: SecretStr | None = Field(default=None, title="LINE channel secret")
    line_access_token: SecretStr | None = Field(default=None, title="LINE channel access token")
    line_api_base: str = Field(default="https://api.line.me", title="LINE API base URL")
    whatsapp_app_secret: SecretStr | None = Field(default=None, title="WhatsApp app secret")
    whatsapp_verify_token: SecretStr | None = Field(default=None,
                                                    title="WhatsApp webhook verify token")
    whatsapp_access_token: SecretStr | None = Field(default=None, title="WhatsApp access token")
    whatsapp_phone_number_id: str = Field(default="", title="WhatsApp phone number id")
    whatsapp_api_base: str = Field(default="https://graph.facebook.com/v21.0",
                                   title="WhatsApp Cloud API base URL")
    timezone: str = Field(default="Asia/Tokyo", title="Office time zone (quiet hours)")
    quiet_start_hour: int = Field(default=21, ge=0, le=23, title="Quiet hours start")
    quiet_end_hour: int = Field(default=8, ge=0, le=23, title="Quiet hours end")
    faq_threshold: float = Field(default=0.45, ge=0.0, le=1.0, title="FAQ confidence threshold")

"""Messaging settings: channel credentials, quiet hours (the ``messaging`` section of the
server's settings: ``OFFICEGATE_MESSAGING_<NAME>``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class MessagingConfig(BaseModel):
    """Channels and proactive-message rules; every field reads ``OFFICEGATE_MESSAGING_<NAME>``.

    A channel whose credentials are empty is off: its webhook answers 404 and nothing is
    sent on it (the web chat on the pass page always works).
    """

    model_config = ConfigDict(extra="forbid")

    smtp_host: str | None = Field(default=None, title="SMTP host",
                                  description="Outgoing mail server; empty: no e-mail.")
    smtp_port: int = Field(default=25, ge=1, le=65535, title="SMTP port")
    smtp_starttls: bool = Field(default=False, title="Use STARTTLS")
    smtp_username: str | None = Field(default=None, title="SMTP user")
    smtp_password: SecretStr | None = Field(default=None, title="SMTP password")
    mail_from: str = Field(default="officegate@localhost", title="From address")
    smtp_listen_port: int | None = Field(
        default=None, ge=1, le=65535, title="Inbound SMTP port",
        description="Run the built-in SMTP receiver for replies on this port; empty: off "
        "(replies then come only through the mail gateway webhook).")
    smtp_listen_host: str = Field(default="127.0.0.1", title="Inbound SMTP listen address",
                                  description="0.0.0.0 to take mail from other machines.")
    reply_address: str | None = Field(
        default=None, title="Reply address",
        description="The mailbox replies go to (default: the From address); outgoing mail "
        "carries it with a signed sub-address per conversation as Reply-To.")
    inbound_mail_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024,
                                        title="Largest incoming mail (bytes)")
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
    wecom_corp_id: str = Field(default="", title="WeCom corp id (企业ID)")
    wecom_secret: SecretStr | None = Field(
        default=None, title="WeCom customer-service secret",
        description="The 微信客服 app's secret (for gettoken); empty: WeChat is off.")
    wecom_token: SecretStr | None = Field(default=None, title="WeCom callback Token")
    wecom_encoding_aes_key: SecretStr | None = Field(
        default=None, title="WeCom callback EncodingAESKey", description="43 characters.")
    wecom_api_base: str = Field(default="https://qyapi.weixin.qq.com", title="WeCom API base URL")
    # Quiet hours are read in the site's time zone (OFFICEGATE_TIMEZONE / PUT /api/site/timezone).
    quiet_start_hour: int = Field(default=21, ge=0, le=23, title="Quiet hours start")
    quiet_end_hour: int = Field(default=8, ge=0, le=23, title="Quiet hours end")
    default_lang: Literal["ja", "en"] = Field(
        default="ja", title="Site default language",
        description="Language of notices to a visitor who neither chose one on the pass page "
        "nor wrote to us yet.")
    faq_threshold: float = Field(default=0.52, ge=0.0, le=1.0, title="FAQ confidence threshold",
                                 description="faq.matcher.THRESHOLD, calibrated by "
                                 "benchmarks/faq_calibrate.py")

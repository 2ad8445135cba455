"""Hosts hear by e-mail with no set-up: through the server's SMTP settings (the same ones
that send visitors their invitations)."""

from __future__ import annotations

from officegate.server.channels.email import Mailer
from officegate.server.messaging.config import MessagingConfig


def host_mailer(config: MessagingConfig | None = None) -> Mailer | None:
    """A Mailer on the server's SMTP server, or None when no SMTP host is set."""
    config = config or MessagingConfig()
    if not config.smtp_host:
        return None
    password = config.smtp_password.get_secret_value() if config.smtp_password else None
    return Mailer(host=config.smtp_host, port=config.smtp_port, sender=config.mail_from,
                  starttls=config.smtp_starttls, username=config.smtp_username,
                  password=password)

"""E-mail: outgoing through SMTP, incoming replies through a webhook from the mail gateway."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr


class Mailer:
    """Sends plain-text mail through one SMTP server."""

    def __init__(self, *, host: str, port: int, sender: str, starttls: bool = False,
                 username: str | None = None, password: str | None = None,
                 timeout: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._starttls, self._username, self._password = starttls, username, password
        self._timeout = timeout

    def send(self, *, to: str, subject: str, text: str, reply_to: str | None = None) -> str:
        """Send one message; its Message-ID."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        if reply_to:
            msg["Reply-To"] = reply_to
        domain = self.sender.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = make_msgid(domain=domain)
        msg.set_content(text)
        with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls()
            if self._username and self._password:
                smtp.login(self._username, self._password)
            smtp.send_message(msg)
        return str(msg["Message-ID"])


def sender_address(value: str) -> str:
    """The bare, lower-case address of a From header ('Hanako <h@x.org>' -> 'h@x.org')."""
    return parseaddr(value)[1].strip().lower()


def strip_quoted(text: str) -> str:
    """The new part of a reply: drop quoted lines and everything after 'On ... wrote:'."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if (stripped.startswith("On ") and stripped.endswith("wrote:")) or \
                stripped.endswith("のメッセージ:") or stripped.endswith("wrote:"):
            break
        kept.append(line)
    return "\n".join(kept).strip()

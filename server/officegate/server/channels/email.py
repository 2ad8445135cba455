"""E-mail: outgoing through SMTP; incoming replies through the mail gateway's webhook or the
built-in SMTP receiver (``mailroom``), both reading the visitor's new text the same way."""

from __future__ import annotations

import hashlib
import hmac
import re
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


# ---- reply addresses: reply+<conversation>.<mac>@domain ---------------------------------

_TOKEN = re.compile(r"^c(\d{1,18})\.([0-9a-f]{16})$")


def _mac(key: bytes, conversation_id: int) -> str:
    return hmac.new(key, f"mail-reply:{conversation_id}".encode(), hashlib.sha256).hexdigest()[:16]


def reply_address(base: str, key: bytes, conversation_id: int) -> str:
    """``base`` with a signed sub-address naming the conversation ('reply+c12.ab..@x.org')."""
    local, _, domain = sender_address(base).partition("@")
    return f"{local}+c{conversation_id}.{_mac(key, conversation_id)}@{domain}"


def is_reply_address(base: str, address: str) -> bool:
    """True when ``address`` is ``base`` itself or ``base`` with a sub-address."""
    local, _, domain = sender_address(base).partition("@")
    got_local, at, got_domain = address.strip().lower().partition("@")
    return bool(at) and got_domain == domain and got_local.split("+", 1)[0] == local


def conversation_of(address: str, key: bytes) -> int | None:
    """The conversation a reply address names, when its signature is right; else None."""
    local = address.strip().lower().partition("@")[0]
    sub = local.split("+", 1)[1] if "+" in local else ""
    found = _TOKEN.match(sub)
    if found is None:
        return None
    conversation_id = int(found[1])
    if not hmac.compare_digest(_mac(key, conversation_id), found[2]):
        return None
    return conversation_id


# ---- the visitor's new text --------------------------------------------------------------

# The line a mail program writes above the quoted original, in English and Japanese:
#   "On Mon, 23 Nov 2026 at 10:00, Office <o@x.org> wrote:"      (Gmail, Apple Mail, Thunderbird)
#   "2026年11月23日(月) 10:00 Office <o@x.org>:"                  (Gmail in Japanese)
#   "2026/11/23 10:00、Office <o@x.org>のメール:"                  (Apple Mail in Japanese)
#   "-----Original Message-----" / "-----元のメッセージ-----"       (Outlook)
#   "From: ..." / "差出人: ..." / "送信者: ..."                     (Outlook's header block)
_QUOTE_HEADERS = (
    re.compile(r".*\bwrote:$", re.IGNORECASE),
    re.compile(r"^\d{4}[年/-]\d{1,2}[月/-]\d{1,2}日?.*(>|のメール|のメッセージ|を書きました)[:：]$"),
    re.compile(r".*(のメッセージ|のメール|を書きました)[:：]$"),
    re.compile(r"^-{2,}\s*(original message|元のメッセージ|転送されたメッセージ|forwarded message)"
               r"\s*-{2,}$", re.IGNORECASE),
    re.compile(r"^(from|差出人|送信者)[:：]\s*\S+"),
)


def _starts_quote(line: str, following: str) -> bool:
    if any(p.match(line) for p in _QUOTE_HEADERS):
        # A "From:" that opens Outlook's header block, not a sentence starting "From: ..."
        return not line.lower().startswith(("from", "差出人", "送信者")) or \
            following.lower().startswith(("sent", "送信日時", "date", "日時", "to", "宛先"))
    # Gmail wraps a long "On ... wrote:" over two lines.
    return line.lower().startswith("on ") and following.lower().endswith("wrote:")


def strip_quoted(text: str) -> str:
    """The new part of a reply: drop quoted lines, the quoted original and the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line in ("-- ", "--") or _starts_quote(stripped, following):
            break  # the signature, or the quoted original, starts here
        if stripped.startswith((">", "＞")):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()

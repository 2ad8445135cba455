"""Reading one incoming e-mail with the standard library's ``email`` package.

What the timeline needs from a reply: who sent it, its Message-ID (the de-duplication key),
the conversations it answers (In-Reply-To / References), and the visitor's new text: the
plain-text part, else the HTML part turned into text, with the quoted original dropped.
Charsets (ISO-2022-JP, Shift_JIS, UTF-8, ...) are decoded by the package; attachments are
not kept, only their names, types and sizes are noted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from officegate.server.channels.email import sender_address, strip_quoted

MAX_TEXT = 4000
_MSGID = re.compile(r"<[^<>\s]{1,250}>")
# Defects that mean the MIME structure cannot be trusted (not merely sloppy headers).
_BROKEN = (errors.NoBoundaryInMultipartDefect, errors.StartBoundaryNotFoundDefect,
           errors.MultipartInvariantViolationDefect)


class MalformedMail(ValueError):
    """The message cannot be read as a reply (no sender, broken MIME); the reason says why."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment that was not kept."""

    name: str
    type: str
    size: int


@dataclass(frozen=True, slots=True)
class IncomingMail:
    """The parts of a reply the timeline uses."""

    message_id: str
    sender: str
    subject: str
    text: str
    answers: tuple[str, ...] = ()  # Message-IDs of In-Reply-To, then References newest first
    html_only: bool = False
    attachments: tuple[Attachment, ...] = field(default=())
    automatic: bool = False  # an out-of-office or other machine reply (RFC 3834)

    def data(self) -> dict[str, Any]:
        """What goes with the message on the timeline."""
        out: dict[str, Any] = {"subject": self.subject, "message_id": self.message_id}
        if self.html_only:
            out["html_only"] = True
        if self.attachments:
            out["attachments"] = [{"name": a.name, "type": a.type, "size": a.size}
                                  for a in self.attachments]
        return out


class _HtmlText(HTMLParser):
    """Text of an HTML mail body: block elements break lines, quoted originals are dropped."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol"}
    _SKIP = {"script", "style", "head", "title", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        # Gmail and Outlook wrap the quoted original in these; Apple Mail uses <blockquote>.
        quoted = any(c in classes for c in ("gmail_quote", "moz-cite-prefix", "OutlookMessage"))
        if tag in self._SKIP or quoted or (tag == "div" and any(
                k == "id" and v in ("divRplyFwdMsg", "appendonsend") for k, v in attrs)):
            self._skipping.append(tag)
        elif tag in self._BLOCKS and not self._skipping:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()
        elif tag in self._BLOCKS and not self._skipping:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    def text(self) -> str:
        joined = re.sub(r"[ \t\u00a0]+", " ", "".join(self.parts))
        return re.sub(r"\n\s*\n+", "\n\n", joined).strip()


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, without the quoted original."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # hostile markup: keep what was read so far
        pass
    return parser.text()


def _content(part: Message) -> str:
    """A text part's content as str, whatever its charset says (unknown ones read as UTF-8)."""
    try:
        return str(part.get_content())  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        return raw.decode("utf-8", errors="replace")


def _attachments(msg: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() not in ("attachment",
                                                                        "inline"):
            continue
        if part.get_content_disposition() == "inline" and part.get_content_maintype() == "text" \
                and not part.get_filename():
            continue  # an inline text part is the body, not an attachment
        payload = part.get_payload(decode=True)
        found.append(Attachment(name=str(part.get_filename() or "")[:200],
                                type=part.get_content_type()[:100],
                                size=len(payload) if isinstance(payload, bytes) else 0))
    return tuple(found[:20])


def message_ids(value: str | None) -> list[str]:
    """Every ``<id@host>`` in a header value, in order."""
    return _MSGID.findall(value or "")


def _header(msg: EmailMessage, name: str) -> str:
    """A header's decoded value; its raw text when the package's parser trips on it (it
    raises IndexError on some hostile Message-IDs and encoded words)."""
    try:
        return str(msg.get(name, "") or "")
    except Exception:  # any parser failure: fall back to the raw text
        raw = next((v for k, v in msg.raw_items() if k.lower() == name), "")
        return str(raw)


def read_mail(raw: bytes, *, envelope_sender: str = "") -> IncomingMail:
    """Parse one message; MalformedMail with the reason when it cannot be a reply."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        if not isinstance(msg, EmailMessage):
            raise MalformedMail("unreadable message")
        return _read(msg, raw, envelope_sender)
    except MalformedMail:
        raise
    except Exception as exc:  # the package is lenient, but not everywhere: refuse, never crash
        raise MalformedMail(f"unreadable message ({type(exc).__name__})") from exc


def _read(msg: EmailMessage, raw: bytes, envelope_sender: str) -> IncomingMail:
    broken = [d for p in msg.walk() for d in p.defects if isinstance(d, _BROKEN)]
    if broken:
        raise MalformedMail(f"broken MIME structure ({type(broken[0]).__name__})")
    try:
        from_values = [str(v) for v in msg.get_all("from", [])]
    except Exception:  # an unparseable From: read the raw text
        from_values = [str(v) for k, v in msg.raw_items() if k.lower() == "from"]
    senders = [a for _, a in getaddresses(from_values) if a]
    sender = sender_address(senders[0]) if len(senders) == 1 else ""
    sender = sender or sender_address(envelope_sender)
    if "@" not in sender:
        raise MalformedMail("the message has no sender address (From)")
    ids = message_ids(_header(msg, "message-id"))
    # A message without a Message-ID still gets a stable key: the same bytes, the same key.
    message_id = ids[0] if ids else f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@officegate>"
    answers = [*message_ids(_header(msg, "in-reply-to")),
               *reversed(message_ids(_header(msg, "references")))]
    body = msg.get_body(preferencelist=("plain", "html"))
    text, html_only = "", False
    if body is not None and body.get_content_type() == "text/plain":
        text = strip_quoted(_content(body))
    elif body is not None:
        html_only = True
        text = strip_quoted(html_to_text(_content(body)))
    subject = _header(msg, "subject")
    automatic = (_header(msg, "auto-submitted").strip().lower() not in ("", "no")
                 or _header(msg, "precedence").strip().lower() in ("bulk", "junk", "list",
                                                                    "auto_reply")
                 or bool(_header(msg, "x-autoreply") or _header(msg, "x-autorespond")))
    return IncomingMail(message_id=message_id, sender=sender, subject=subject[:300],
                        text=text[:MAX_TEXT], answers=tuple(dict.fromkeys(answers))[:20],
                        html_only=html_only, attachments=_attachments(msg),
                        automatic=automatic)

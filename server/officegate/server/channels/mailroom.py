"""The built-in SMTP receiver: visitors' e-mail replies straight onto their timeline.

Off by default; ``officegate server --smtp-port N`` (or ``OFFICEGATE_MESSAGING_SMTP_LISTEN_PORT``)
turns it on. It accepts mail only for the site's reply address (``reply_address``, default the
From address of outgoing mail, and its sub-addresses ``reply+c<conversation>.<signature>@``
that outgoing mail carries as Reply-To), and only from someone it can place: a signed reply
address, or a From address that is a visitor's e-mail. Everything else is refused in the
SMTP dialogue, so the sending server tells its user:

=====  =========================================================
550    not our mailbox, or a sender who is no visitor of ours
552    bigger than ``inbound_mail_max_bytes`` (SIZE is announced)
501    no sender address, or a MIME structure that cannot be read
451    the database is unreachable: the sender retries later
=====  =========================================================

A Message-ID seen before (the sender retrying after a lost "250") is accepted and dropped, as
is an automatic reply (``Auto-Submitted``, out-of-office): the bot never answers a machine.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller

from officegate.server.channels import email, inbound
from officegate.server.channels.mail_reader import MalformedMail, read_mail
from officegate.server.messaging.runtime import Messaging

log = logging.getLogger(__name__)
MAX_RECIPIENTS = 10


class Mailroom:
    """aiosmtpd handler: checks each recipient, reads the message, hands it to the timeline."""

    def __init__(self, rt: Messaging) -> None:
        self.rt = rt

    @property
    def mailbox(self) -> str:
        return self.rt.reply_mailbox

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if not email.is_reply_address(self.mailbox, address):
            return f"550 5.1.1 <{address[:100]}>: no such mailbox here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw).encode("utf-8", errors="replace")
        try:
            mail = await asyncio.to_thread(read_mail, raw,  # a big mail: off the SMTP loop
                                           envelope_sender=envelope.mail_from or "")
        except MalformedMail as exc:
            log.info("refused malformed mail: %s", exc)
            return f"501 5.6.0 Malformed message: {exc}"
        conversations = [c for c in (email.conversation_of(a, self.rt.mail_key)
                                     for a in envelope.rcpt_tos) if c is not None]
        try:
            outcome = await asyncio.to_thread(
                self.rt.run, lambda db: inbound.receive_mail(
                    db, self.rt, mail=mail, conversation_ids=conversations))
        except Exception:  # never a crash: the sending server keeps the mail and retries
            log.exception("could not store an incoming e-mail")
            return "451 4.3.0 Temporary failure, please try again later"
        if outcome == inbound.MailOutcome.UNKNOWN:
            log.info("refused mail from a sender who is no visitor")
            return "550 5.7.1 Sender unknown: only replies from invited visitors are accepted"
        if outcome == inbound.MailOutcome.DUPLICATE:
            return "250 2.0.0 OK (already received)"
        if outcome == inbound.MailOutcome.AUTOMATIC:
            return "250 2.0.0 OK (automatic reply, not kept)"
        return "250 2.0.0 OK"


class MailroomServer(Controller):
    """The receiver in its own thread and event loop (aiosmtpd's Controller)."""

    def __init__(self, rt: Messaging, *, host: str, port: int, max_bytes: int) -> None:
        super().__init__(Mailroom(rt), hostname=host, port=port, data_size_limit=max_bytes,
                         server_hostname=email.sender_address(rt.reply_mailbox).partition(
                             "@")[2] or None, enable_SMTPUTF8=True, decode_data=False,
                         timeout=60)

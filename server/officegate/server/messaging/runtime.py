"""The messaging runtime of one server: sessions, channel clients, FAQ matchers, live hub.

Routes and journey handlers do their database work through :meth:`Messaging.run`; after
the commit, new outgoing messages are delivered on their channel (SMTP, LINE, WhatsApp)
and every new timeline entry is pushed to open chat windows and inboxes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.channels import email
from officegate.server.channels.email import Mailer
from officegate.server.channels.line import LineClient
from officegate.server.channels.wecom import SEND_LIMIT, SEND_WINDOW_S, WeComClient, WeComCrypto
from officegate.server.channels.whatsapp import WhatsAppClient
from officegate.server.db import session_scope, utcnow
from officegate.server.faq.matcher import FaqMatcher
from officegate.server.faq.service import MatcherCache
from officegate.server.messaging import notices
from officegate.server.messaging.config import MessagingConfig
from officegate.server.messaging.live import LiveHub
from officegate.server.messaging.models import Channel, ChannelIdentity, Contact, Kind, Message
from officegate.server.notify.sender import Outgoing

log = logging.getLogger(__name__)
T = TypeVar("T")
LINE_REPLY_WINDOW_S = 50  # reply tokens live about a minute; push after that


@dataclass
class Messaging:
    """Everything the messaging domain needs at run time, built once per app."""

    sessions: sessionmaker[Session]
    config: MessagingConfig
    site: str
    site_name: str
    base_url: str
    hub: LiveHub = field(default_factory=LiveHub)
    matchers: MatcherCache = field(default_factory=MatcherCache)
    mailer: Mailer | None = None
    line: LineClient | None = None
    whatsapp: WhatsAppClient | None = None
    wecom: WeComClient | None = None
    wecom_crypto: WeComCrypto | None = None
    mail_key: bytes = b""  # signs the per-conversation reply addresses
    # Hands committed notices (host notices, visitor pushes) to the notifier; set by the
    # server runtime once the arrival hub runs (notices.py decides who hears of what).
    send_notices: Callable[[list[Outgoing]], None] | None = None
    # Text added only when sending (the pass link): a bearer secret stays out of the timeline.
    _private_text: dict[int, str] = field(default_factory=dict)

    @classmethod
    def build(cls, *, sessions: sessionmaker[Session], config: MessagingConfig, site: str,
              site_name: str, base_url: str, secret: str = "") -> Messaging:
        """Make the channel clients the config has credentials for."""
        m = cls(sessions=sessions, config=config, site=site, site_name=site_name,
                base_url=base_url, mail_key=hmac.new(secret.encode(), b"officegate mail reply",
                                                     hashlib.sha256).digest())
        if config.smtp_host:
            pw = config.smtp_password.get_secret_value() if config.smtp_password else None
            m.mailer = Mailer(host=config.smtp_host, port=config.smtp_port,
                              sender=config.mail_from, starttls=config.smtp_starttls,
                              username=config.smtp_username, password=pw)
        if config.line_access_token:
            m.line = LineClient(api_base=config.line_api_base,
                                access_token=config.line_access_token.get_secret_value())
        if config.whatsapp_access_token and config.whatsapp_phone_number_id:
            m.whatsapp = WhatsAppClient(
                api_base=config.whatsapp_api_base,
                access_token=config.whatsapp_access_token.get_secret_value(),
                phone_number_id=config.whatsapp_phone_number_id)
        if config.wecom_corp_id and config.wecom_secret:
            m.wecom = WeComClient(api_base=config.wecom_api_base,
                                        corp_id=config.wecom_corp_id,
                                        secret=config.wecom_secret.get_secret_value())
        if config.wecom_corp_id and config.wecom_token and config.wecom_encoding_aes_key:
            m.wecom_crypto = WeComCrypto(
                token=config.wecom_token.get_secret_value(),
                encoding_aes_key=config.wecom_encoding_aes_key.get_secret_value(),
                corp_id=config.wecom_corp_id)
        return m

    @property
    def reply_mailbox(self) -> str:
        """The address visitors' e-mail replies go to."""
        return self.config.reply_address or self.config.mail_from

    def attach_private_text(self, msg: Message, text: str) -> None:
        """Append ``text`` to ``msg`` when it is sent, without storing it."""
        self._private_text[msg.id] = text

    def close(self) -> None:
        """Close the HTTP clients."""
        for client in (self.line, self.whatsapp, self.wecom):
            if client is not None:
                client.close()

    def matcher(self, db: Session, site: str | None = None) -> FaqMatcher:
        """The FAQ matcher of ``site`` (default: this server's site)."""
        return self.matchers.get(db=db, site=site or self.site,
                                 threshold=self.config.faq_threshold)

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a committed session, then deliver and broadcast what it added."""
        for attempt in range(3):
            try:
                result, new = self._attempt(work)
            except IntegrityError:
                # Two threads made the same contact or stored the same delivery at once;
                # run again: this time the work sees the other's row and does nothing twice.
                if attempt == 2:
                    raise
                log.info("messaging write raced another; retrying")
                continue
            self.after_commit(sorted(new, key=lambda m: m.id))
            return result
        raise AssertionError("unreachable")

    def _attempt(self, work: Callable[[Session], T]) -> tuple[T, list[Message]]:
        new: list[Message] = []

        def collect(_db: Session, instance: object) -> None:
            if isinstance(instance, Message):
                new.append(instance)

        with session_scope(self.sessions) as db:
            event.listen(db, "pending_to_persistent", collect)
            result = work(db)
            db.flush()
        return result, new

    def after_commit(self, messages: list[Message]) -> None:
        """Deliver new outgoing messages on external channels; push every entry live; tell
        the host of a hand-off or a visitor's words, the visitor of a reply (notices.py)."""
        # Whose pass page is open now, before the broadcast (a page may close on reading it).
        watched = {m.contact_id for m in messages if self.hub.watching(f"contact:{m.contact_id}")}
        for msg in messages:
            if msg.kind == Kind.OUTGOING and msg.channel not in (None, Channel.WEB):
                self._deliver(msg)
            self.broadcast(msg)
        if self.send_notices is not None and messages:
            self._notify(messages, watched)

    def _notify(self, messages: list[Message], watched: set[int]) -> None:
        assert self.send_notices is not None
        try:
            with session_scope(self.sessions) as db:
                items = notices.for_hosts(db=db, messages=messages, base_url=self.base_url)
                items += notices.for_visitors(db=db, messages=messages,
                                              default_lang=self.config.default_lang,
                                              page_open=watched.__contains__)
        except Exception:  # the message is stored and shown: a notice failing loses nothing
            log.exception("could not make the notices of a chat turn")
            return
        self.send_notices(items)

    def broadcast(self, msg: Message) -> None:
        """Tell open chat windows (not notes) and inboxes about a timeline entry."""
        payload = message_json(msg)
        if msg.kind != Kind.NOTE:
            self.hub.publish(f"contact:{msg.contact_id}", payload)
        self.hub.publish(f"staff:{msg.contact_id}", payload)

    def _deliver(self, msg: Message) -> None:
        with session_scope(self.sessions) as db:
            row = db.get(Message, msg.id)
            contact = db.get(Contact, msg.contact_id)
            if row is None or contact is None:
                return
            address = db.scalar(select(ChannelIdentity.address).where(
                ChannelIdentity.contact_id == contact.id, ChannelIdentity.channel == msg.channel)
                .order_by(ChannelIdentity.id.desc()).limit(1))
            try:
                row.external_id = self._send(db, row, contact, address)
                row.delivery = "sent"
            except Exception as exc:  # a channel being down must not lose the timeline entry
                log.warning("could not deliver message %s on %s: %s", row.id, row.channel,
                            type(exc).__name__)
                row.delivery = "failed"
            msg.delivery = row.delivery

    def _send(self, db: Session, msg: Message, contact: Contact, address: str | None) -> Any:
        if address is None:
            raise LookupError(f"contact has no {msg.channel} address")
        if msg.channel == Channel.EMAIL:
            if self.mailer is None:
                raise LookupError("e-mail is not configured")
            subject = msg.data.get("subject") or (
                f"{self.site_name} からのメッセージ / Message from {self.site_name}")
            body = msg.body + self._private_text.pop(msg.id, "")
            reply_to = None
            if self.config.smtp_listen_port is not None and msg.conversation_id:
                # The built-in receiver reads the conversation back from this address.
                reply_to = email.reply_address(self.reply_mailbox, self.mail_key,
                                               msg.conversation_id)
            return self.mailer.send(to=address, subject=str(subject), text=body,
                                    reply_to=reply_to)
        if msg.channel == Channel.LINE:
            if self.line is None:
                raise LookupError("LINE is not configured")
            token = self._fresh_reply_token(db, msg)
            if token:
                self.line.reply(reply_token=token, text=msg.body)
            else:
                self.line.push(to=address, text=msg.body)
            return None
        if msg.channel == Channel.WHATSAPP:
            if self.whatsapp is None:
                raise LookupError("WhatsApp is not configured")
            return self.whatsapp.send(to=address, text=msg.body)
        if msg.channel == Channel.WECOM:
            if self.wecom is None:
                raise LookupError("WeCom is not configured")
            return self.wecom.send_text(to=address, open_kfid=self._wecom_window(db, msg),
                                        text=msg.body)
        raise LookupError(f"unknown channel {msg.channel}")

    def _wecom_window(self, db: Session, msg: Message) -> str:
        """The customer-service account to answer from, while WeCom lets us: within 48 hours
        of the customer's last message and at most 5 messages after it."""
        last = db.scalar(select(Message).where(
            Message.contact_id == msg.contact_id, Message.kind == Kind.INCOMING,
            Message.channel == Channel.WECOM).order_by(Message.id.desc()).limit(1))
        if last is None or not last.data.get("open_kfid"):
            raise LookupError("the customer has not written on WeChat")
        if (utcnow() - last.created_at).total_seconds() > SEND_WINDOW_S:
            raise LookupError("WeChat allows answers within 48 hours of the customer's message")
        sent = db.scalar(select(func.count(Message.id)).where(
            Message.contact_id == msg.contact_id, Message.kind == Kind.OUTGOING,
            Message.channel == Channel.WECOM, Message.id > last.id, Message.id != msg.id,
            Message.delivery == "sent"))
        if (sent or 0) >= SEND_LIMIT:
            raise LookupError("WeChat allows 5 answers until the customer writes again")
        return str(last.data["open_kfid"])

    def _fresh_reply_token(self, db: Session, msg: Message) -> str | None:
        """The unused reply token of the visitor's last LINE message, if still fresh."""
        last = db.scalar(select(Message).where(
            Message.conversation_id == msg.conversation_id, Message.kind == Kind.INCOMING,
            Message.channel == Channel.LINE).order_by(Message.id.desc()).limit(1))
        if last is None or not last.data.get("reply_token") or last.data.get("reply_used"):
            return None
        if (utcnow() - last.created_at).total_seconds() > LINE_REPLY_WINDOW_S:
            return None
        last.data = {**last.data, "reply_used": True}  # a reply token works once
        return str(last.data["reply_token"])


def message_json(msg: Message) -> dict[str, Any]:
    """A timeline entry as the chat and inbox scripts read it."""
    return {"id": msg.id, "contact_id": msg.contact_id, "conversation_id": msg.conversation_id,
            "kind": msg.kind, "sender": msg.sender, "channel": msg.channel, "body": msg.body,
            "event_kind": msg.event_kind, "delivery": msg.delivery,
            "at": msg.created_at.isoformat(), "data": msg.data}

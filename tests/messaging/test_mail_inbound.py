"""The built-in SMTP receiver: a visitor's e-mail reply, sent by a real SMTP client (smtplib)
to the server's receiver on a free port, lands once on their timeline; everything else is
refused in the SMTP dialogue with the code a sending server understands."""

from __future__ import annotations

import os
import re
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.office import as_visitor_phone
from support.polling import wait_for

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.broker import free_port
from officegate.server.channels.email import strip_quoted
from officegate.server.channels.mail_reader import MalformedMail, read_mail
from officegate.server.messaging.config import MessagingConfig
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, invite

MAX_BYTES = 64 * 1024


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mail_client(settings: Settings, office: Office, mqtt_broker: BrokerAddress,
                messaging_config: MessagingConfig, smtp_port: int) -> Iterator[TestClient]:
    """A running server whose SMTP receiver listens on ``smtp_port``."""
    config = messaging_config.model_copy(update={
        "smtp_listen_port": smtp_port, "inbound_mail_max_bytes": MAX_BYTES})
    app = create_app(settings.model_copy(update={"messaging": config}), broker=mqtt_broker)
    with TestClient(app) as c:
        as_visitor_phone(c)
        yield c


def _send(port: int, msg: EmailMessage | MIMEMultipart, *, sender: str | None = None,
          to: list[str] | None = None) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        return smtp.send_message(msg, from_addr=sender, to_addrs=to)


def _timeline(client: TestClient, token: str) -> list[dict]:
    return client.get(f"/api/chat/{token}").json()["messages"]


def _invitation(smtp_server, to: str) -> EmailMessage:
    return wait_for("the invitation e-mail", lambda: next(
        (m for m in smtp_server.messages if m["To"] == to), None), 30)


def _reply_in_iso2022jp(invitation: EmailMessage, text: str) -> EmailMessage:
    """A Japanese mail program's reply: ISO-2022-JP, the original quoted below."""
    reply = EmailMessage()
    reply["From"] = "佐藤 花子 <Hanako@Example.org>"
    reply["To"] = invitation["Reply-To"]
    reply["Subject"] = "Re: " + str(invitation["Subject"])
    reply["Message-ID"] = make_msgid(domain="example.org")
    reply["In-Reply-To"] = invitation["Message-ID"]
    reply["References"] = invitation["Message-ID"]
    quoted = "\n".join("> " + line for line in invitation.get_content().splitlines())
    reply.set_content(f"{text}\n\n2026年11月23日(月) 10:00 Test Tower <office@example.com>:\n"
                      f"{quoted}\n", charset="iso-2022-jp", cte="7bit")
    return reply


def test_a_reply_lands_once_and_the_bot_answers_by_mail(mail_client: TestClient, office: Office,
                                                        smtp_server, smtp_port: int) -> None:
    visit = invite(mail_client, office)
    invitation = _invitation(smtp_server, "hanako@example.org")
    # The invitation asks for replies at a signed address naming the conversation.
    assert str(invitation["Reply-To"]).startswith("office+c")
    reply = _reply_in_iso2022jp(invitation, "駐車場はありますか?")
    assert b"\x1b$B" in reply.as_bytes()  # really ISO-2022-JP on the wire
    refused = _send(smtp_port, reply)
    assert refused == {}
    tl = _timeline(mail_client, visit["token"])
    incoming = [m for m in tl if m["kind"] == "incoming"]
    assert [(m["channel"], m["body"]) for m in incoming] == [("email", "駐車場はありますか?")]
    assert incoming[0]["data"]["message_id"] == reply["Message-ID"]
    # The bot answered by e-mail, in Japanese, from the FAQ.
    answer = wait_for("the bot's answer", lambda: next(
        (m for m in smtp_server.messages if m["To"] == "hanako@example.org"
         and m is not invitation and "駐車" in m.get_content()), None), 30)
    assert "地下1階" in answer.get_content() and "office+c" in str(answer["Reply-To"])
    # The sending server retries (it never saw our 250): accepted, and nothing new.
    assert _send(smtp_port, reply) == {}
    tl = _timeline(mail_client, visit["token"])
    assert len([m for m in tl if m["kind"] == "incoming"]) == 1


def test_html_only_reply_without_token_matches_the_sender(mail_client: TestClient,
                                                          office: Office, smtp_port: int) -> None:
    visit = invite(mail_client, office, name="John Smith", email="john@example.org")
    msg = MIMEMultipart("mixed")
    msg["From"] = "John Smith <john@example.org>"
    msg["To"] = "office@example.com"  # the plain reply address, no token
    msg["Subject"] = "Question"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.attach(MIMEText(
        "<div dir='ltr'>Is there a <b>Wi-Fi</b> password?<br>Thanks, John</div>"
        "<div class='gmail_quote'><div>On Mon, 23 Nov 2026 Test Tower wrote:</div>"
        "<blockquote>You are invited to meet Hana Host.</blockquote></div>", "html", "utf-8"))
    pdf = MIMEApplication(b"%PDF-1.4 not really", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename="名刺.pdf")
    msg.attach(pdf)
    assert _send(smtp_port, msg) == {}
    tl = _timeline(mail_client, visit["token"])
    incoming = [m for m in tl if m["kind"] == "incoming"]
    assert len(incoming) == 1
    assert incoming[0]["body"] == "Is there a Wi-Fi password?\nThanks, John"
    assert incoming[0]["data"]["html_only"] is True
    assert incoming[0]["data"]["attachments"] == [
        {"name": "名刺.pdf", "type": "application/pdf", "size": 19}]
    replies = [m for m in tl if m["sender"] == "bot"]
    assert replies and replies[-1]["data"].get("faq") == "wifi"
    # Staff see that a file came and was not kept.
    r = mail_client.post("/login", data={"email": office.staff, "password": PASSWORD,
                                         "next": "/staff"}, follow_redirects=False)
    assert r.status_code == 303
    page = mail_client.get(f"/staff/inbox/{incoming[0]['conversation_id']}")
    assert "添付は保存していません: 名刺.pdf (19 B)" in page.text  # the page's language
    page = mail_client.get(f"/staff/inbox/{incoming[0]['conversation_id']}",
                           headers={"Accept-Language": "en"})
    assert "attachments not kept: 名刺.pdf (19 B)" in page.text


def _plain(sender: str, to: str, text: str = "hello") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "hi"
    msg["Message-ID"] = make_msgid(domain="example.net")
    msg.set_content(text)
    return msg


def test_strangers_oversized_and_malformed_mail_are_refused(mail_client: TestClient,
                                                            office: Office, smtp_server,
                                                            smtp_port: int) -> None:
    visit = invite(mail_client, office)
    token_address = str(_invitation(smtp_server, "hanako@example.org")["Reply-To"])
    # Not our mailbox: refused at RCPT.
    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        _send(smtp_port, _plain("hanako@example.org", "postmaster@example.com"))
    assert exc.value.recipients["postmaster@example.com"][0] == 550
    # A stranger writing to the reply address, and one forging a conversation's address.
    forged = re.sub(r"\.[0-9a-f]{16}@", "." + "0" * 16 + "@", token_address)
    assert forged != token_address
    for to in ("office@example.com", forged):
        with pytest.raises(smtplib.SMTPDataError) as exc:
            _send(smtp_port, _plain("mallory@evil.example", to))
        assert exc.value.smtp_code == 550 and b"unknown" in exc.value.smtp_error.lower()
    # Oversized: refused when the client announces the SIZE, and when it does not.
    lines = ("x" * 70 + "\n") * (MAX_BYTES // 70 + 10)
    big = _plain("hanako@example.org", "office@example.com", lines)
    with pytest.raises(smtplib.SMTPSenderRefused) as sized:
        _send(smtp_port, big)
    assert sized.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail("hanako@example.org")[0] == 250
        assert smtp.rcpt("office@example.com")[0] == 250
        assert smtp.data(big.as_string())[0] == 552
    # Malformed: no sender address at all; a multipart with no boundary.
    nobody = _plain("undisclosed-recipients:;", "office@example.com")
    with pytest.raises(smtplib.SMTPDataError) as exc:
        _send(smtp_port, nobody, sender="")
    assert exc.value.smtp_code == 501
    broken = (b"From: hanako@example.org\r\nTo: office@example.com\r\nSubject: x\r\n"
              b"Content-Type: multipart/mixed\r\n\r\n--zzz\r\nhello\r\n")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as exc:
            smtp.sendmail("hanako@example.org", ["office@example.com"], broken)
    assert exc.value.smtp_code == 501
    # Nothing of that reached the timeline, and the receiver still takes a good reply.
    assert not [m for m in _timeline(mail_client, visit["token"]) if m["kind"] == "incoming"]
    away = _plain("hanako@example.org", token_address, "不在です / Out of office")
    away["Auto-Submitted"] = "auto-replied"
    assert _send(smtp_port, away) == {}  # accepted, but a machine is not the visitor
    assert _send(smtp_port, _plain("hanako@example.org", token_address, "ありがとう")) == {}
    assert [m["body"] for m in _timeline(mail_client, visit["token"])
            if m["kind"] == "incoming"] == ["ありがとう"]


@pytest.mark.parametrize("text", [
    "はい、伺います。\n\n2026年11月23日(月) 10:00 Test Tower <office@example.com>:\n> ご案内です",
    "はい、伺います。\n\n2026/11/23 10:00、Test Tower <office@example.com>のメール:\n\nご案内です",
    "はい、伺います。\n\n-----Original Message-----\nFrom: Test Tower\nご案内です",
    "はい、伺います。\n\n差出人: Test Tower <office@example.com>\n送信日時: 2026年11月23日 10:00\n"
    "ご案内です",
    "はい、伺います。\n\nOn Mon, 23 Nov 2026 at 10:00, Test Tower <office@example.com>\nwrote:\n"
    "> ご案内です",
    "はい、伺います。\n-- \n佐藤 花子\n株式会社サンプル",
])
def test_quoted_originals_of_common_mail_programs_are_dropped(text: str) -> None:
    assert strip_quoted(text) == "はい、伺います。"


def test_a_from_line_in_the_visitors_own_text_is_kept() -> None:
    text = "From: the station, which exit is closest?"
    assert strip_quoted(text) == text


def test_reading_charsets_and_refusing_what_cannot_be_read() -> None:
    sjis = (b"From: hanako@example.org\r\nMessage-ID: <a@b>\r\nContent-Type: text/plain; "
            b"charset=shift_jis\r\n\r\n") + "喫煙所はどこ".encode("shift_jis")
    assert read_mail(sjis).text == "喫煙所はどこ"
    unknown = (b"From: hanako@example.org\r\nContent-Type: text/plain; charset=x-martian\r\n"
               b"\r\nhello")
    got = read_mail(unknown)
    assert got.text == "hello" and got.message_id.startswith("<sha256.")
    assert read_mail(unknown).message_id == got.message_id  # same bytes, same key
    # Headers the package's parser trips over (IndexError inside it) read as raw text.
    hostile = read_mail(b"From: =?utf-8?q?=E3=81?= <a@b.c>\r\nMessage-ID: <<<>>>\r\n"
                        b"In-Reply-To: <x@y> <z\r\n\r\nhi")
    assert (hostile.sender, hostile.text, hostile.answers) == ("a@b.c", "hi", ("<x@y>",))
    with pytest.raises(MalformedMail):
        read_mail(b"Subject: no sender\r\n\r\nhello")
    with pytest.raises(MalformedMail):
        read_mail(b"From: a@b.c, d@e.f\r\n\r\ntwo senders")  # whose reply is it?


def test_the_server_command_runs_the_receiver(tmp_path: Path) -> None:
    """``officegate server --smtp-port N`` answers SMTP on N (and HTTP as before)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEGATE_")}
    env.update({"OFFICEGATE_DATA_DIR": str(tmp_path), "OFFICEGATE_SITE": "smtpcli",
                "OFFICEGATE_MESSAGING_MAIL_FROM": "desk@smtpcli.example"})
    env.pop("DATABASE_URL", None)
    env.pop("MQTT_URL", None)
    for _attempt in range(3):  # another process on this machine may take a "free" port first
        smtp_port = free_port()
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", "from officegate.cli import main; main()", "server",
             "--port", str(free_port()), "--smtp-port", str(smtp_port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            def greets(proc: subprocess.Popen = proc, port: int = smtp_port) -> object:
                if proc.poll() is not None:
                    return proc.stderr.read() if proc.stderr else b"exited"
                try:
                    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                        code, _ = smtp.ehlo()
                        return (code, smtp.mail("someone@example.net")[0],
                                smtp.rcpt("desk@smtpcli.example")[0],
                                smtp.rcpt("other@smtpcli.example")[0])
                except OSError:
                    return None
            got = wait_for("the SMTP receiver of `officegate server`", greets, 90)
        finally:
            proc.terminate()
            proc.wait(30)
        if isinstance(got, bytes) and b"address already in use" in got:
            continue
        assert got == (250, 250, 250, 550), got
        return
    raise AssertionError("no free ports")

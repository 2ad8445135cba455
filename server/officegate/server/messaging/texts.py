"""What the bot and the system say, in Japanese and English."""

from __future__ import annotations

import re

from officegate.server.faq.normalise import language_of, normalise

PHRASES: dict[str, tuple[str, str]] = {
    "handoff_host": ("{host}さんにおつなぎしました。このチャットで返信します。少々お待ちください。",
                     "I've passed this to {host}; they will reply here shortly."),
    "handoff_reception": ("受付スタッフにおつなぎしました。このチャットで返信します。"
                          "少々お待ちください。",
                          "I've passed this to our reception team; they will reply here "
                          "shortly."),
    "opted_out": ("お知らせの配信を停止しました。ご質問にはこれからもお答えします。",
                  "You won't get any more notices from us. You can still ask questions "
                  "here."),
    "csat_thanks": ("ご回答ありがとうございました。", "Thank you for your feedback."),
    "linked": ("このチャットをご来訪の案内につなぎました。ご質問をどうぞ。",
               "This chat is now joined to your visit. Ask us anything here."),
}
_OPT_OUT = re.compile(r"^(stop|unsubscribe|配信停止|通知停止|ていし|停止)$")


def language(text: str, fallback: str) -> str:
    """The language of what the visitor just wrote ("ja" or "en"); Latin-only -> "en"."""
    if not text.strip():
        return fallback
    return language_of(text)


def written_language(text: str) -> str | None:
    """The language a visitor's message is written in; None when it shows none (a rating
    "5", an emoji, or a placeholder like "(image)" standing for a sticker or a photo)."""
    stripped = text.strip()
    if stripped.startswith("(") and stripped.endswith(")"):
        return None
    if not any(c.isalpha() for c in stripped):
        return None
    return language_of(stripped)


def wants_opt_out(text: str) -> bool:
    """The one opt-out: a message that is only "STOP" / "配信停止"."""
    return bool(_OPT_OUT.match(normalise(text).rstrip(" .!。")))


def say(key: str, lang: str, **values: str) -> str:
    """A phrase in ``lang`` with ``values`` filled in."""
    ja, en = PHRASES[key]
    return (ja if lang == "ja" else en).format(**values)

"""What a host reads: the notice texts for each journey step, in Japanese and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Text:
    """A notice's title and body in both languages."""

    title_en: str
    title_ja: str
    body_en: str
    body_ja: str


def _minutes(eta_s: Any) -> int:
    return max(1, round(int(eta_s or 0) / 60))


def _excerpt(data: dict[str, Any]) -> str:
    """The visitor's words, short enough for a notification."""
    text = " ".join(str(data.get("text") or "").split())
    return text if len(text) <= 200 else text[:199] + "…"


def _link(data: dict[str, Any]) -> str:
    link = str(data.get("link") or "")
    return f"\n{link}" if link else ""


def compose(kind: str, *, visitor: str, data: dict[str, Any]) -> Text:
    """The notice for journey step ``kind`` about ``visitor``."""
    if kind == "approaching":
        m = _minutes(data.get("eta_s"))
        return Text(f"{visitor} is about {m} min away", f"{visitor} 様がまもなく到着（約{m}分）",
                    f"Your visitor {visitor} is approaching the office, about {m} "
                    f"minute{'' if m == 1 else 's'} away.",
                    f"来訪者 {visitor} 様がオフィスに近づいています。到着まで約{m}分です。")
    if kind == "arrived":
        return Text(f"{visitor} has arrived", f"{visitor} 様が到着しました",
                    f"Your visitor {visitor} is at the building.",
                    f"来訪者 {visitor} 様が建物に到着しました。")
    if kind == "checked_in":
        return Text(f"{visitor} checked in", f"{visitor} 様がチェックインしました",
                    f"{visitor} checked in at the lobby; the gate is open for them.",
                    f"{visitor} 様がロビーでチェックインしました。ゲートを通れます。")
    if kind == "held_for_approval":
        reason = str(data.get("reason") or "")
        if not reason:  # a deny-list match: staff decide, and only staff see why
            return Text(f"{visitor} is waiting for approval", f"{visitor} 様は承認待ちです",
                        f"{visitor} tried to check in and is held for security staff to "
                        "approve.", f"{visitor} 様のチェックインは警備スタッフの承認待ちです。")
        return Text(f"{visitor} is waiting for approval", f"{visitor} 様は承認待ちです",
                    f"{visitor} tried to check in and is held for approval. Note: {reason}",
                    f"{visitor} 様のチェックインは承認待ちです。メモ: {reason}")
    if kind == "waiting":
        m = int(data.get("minutes") or 0)
        again_en, again_ja = ("Reminder: ", "再通知: ") if data.get("reminder") else ("", "")
        return Text(f"{again_en}{visitor} has been waiting {m} min",
                    f"{again_ja}{visitor} 様が{m}分お待ちです",
                    f"{visitor} has been waiting in the lobby for {m} minutes. Acknowledge "
                    "this notice or mark them met to stop the reminders.",
                    f"{visitor} 様がロビーで{m}分お待ちです。この通知を確認するか、"
                    "お迎え済みにするとリマインドは止まります。")
    if kind == "chat_handoff":
        said, link = _excerpt(data), _link(data)
        return Text(f"{visitor} is asking for you", f"{visitor} 様がお問い合わせです",
                    f"The chat bot handed {visitor}'s question to you: \"{said}\"\n"
                    f"Reply from the visit page:{link}",
                    f"チャットボットが {visitor} 様の質問をあなたに引き継ぎました:「{said}」\n"
                    f"訪問ページから返信してください:{link}")
    if kind == "chat_message":
        said, link = _excerpt(data), _link(data)
        return Text(f"New message from {visitor}", f"{visitor} 様から新しいメッセージ",
                    f"{visitor} wrote: \"{said}\"\nReply from the visit page:{link}",
                    f"{visitor} 様からのメッセージ:「{said}」\n"
                    f"訪問ページから返信してください:{link}")
    if kind == "checked_out":
        return Text(f"{visitor} checked out", f"{visitor} 様がチェックアウトしました",
                    f"{visitor} has left the building.", f"{visitor} 様が退館しました。")
    raise ValueError(f"no notice text for {kind!r}")


def escalation(text: Text, *, host: str) -> Text:
    """The same notice for the fallback contact, saying the host did not answer."""
    return Text(f"[no answer from {host}] {text.title_en}",
                f"[{host} 応答なし] {text.title_ja}",
                f"{text.body_en}\n{host} has not acknowledged this notice.",
                f"{text.body_ja}\n{host} さんがこの通知を確認していません。")

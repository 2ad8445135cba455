"""Which journey step sends which notice, in both languages, and what each step is called.

A rule's ``once_per_visit`` collapses repeats (every gate on the way is a ``gate_passed``,
but the visitor hears "you're through" once; the survey goes out once whether the visit
ends by check-out or by time).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """A notice for one kind of journey event."""

    name: str
    ja: str
    en: str
    once_per_visit: bool = False
    survey: bool = False


RULES: dict[str, Rule] = {
    "invited": Rule("invitation",
                    "{name}様\n{host}さんとのご面会のご案内です。\n日時: {when}\n場所: {room}\n"
                    "当日はパス画面のQRコードで入館できます。ご質問はパス画面のチャットへどうぞ。\n"
                    "個人情報の取り扱い: {privacy_url}",
                    "Dear {name},\nYou are invited to meet {host}.\nWhen: {when}\nWhere: {room}\n"
                    "On the day, your pass page QR code lets you in. Questions? Use the chat "
                    "on your pass page.\nHow we handle your data: {privacy_url}",
                    once_per_visit=True),
    "reminder_due": Rule("reminder", "明日 {when} に{host}さんとのご面会です。お気をつけてお越しく"
                                     "ださい。",
                         "Reminder: you meet {host} tomorrow at {when}. See you then!",
                         once_per_visit=True),
    "approaching": Rule("approaching", "まもなくご到着ですね。ロビーのQRポスターを読み取るとチェッ"
                                       "クインできます。",
                        "Almost here! Scan the QR poster in the lobby to check in.",
                        once_per_visit=True),
    "arrived": Rule("arrived", "ようこそ。ロビーのQRポスターを読み取ってチェックインしてください。",
                    "Welcome! Scan the QR poster in the lobby to check in.", once_per_visit=True),
    "checked_in": Rule("directions",
                       "チェックインしました。{host}さんにお知らせしました。\n{directions}",
                       "You're checked in and {host} has been told.\n{directions}",
                       once_per_visit=True),
    "gate_passed": Rule("through_gate", "ゲートを通過しました。{room}へお進みください。",
                        "You're through the gate. Please go on to {room}.", once_per_visit=True),
    "drink_offered": Rule("drink", "よろしければ、ゲート横の自動販売機でお飲み物を1本どうぞ。パス"
                                   "のQRをかざしてください。",
                          "Would you like a drink? Show your pass QR at the vending machine by "
                          "the gate.", once_per_visit=True),
    "meeting_starting": Rule("meeting_starting", "まもなく会議が始まります({room})。",
                             "Your meeting is about to start ({room}).", once_per_visit=True),
    "host_late": Rule("host_late", "{host}さんが少し遅れています({minutes}分ほど)。申し訳ありませ"
                                   "ん。",
                      "{host} is running a little late (about {minutes} min). Sorry!"),
    "checked_out": Rule("survey", "本日はご来訪ありがとうございました。満足度を1〜5でお聞かせくだ"
                                  "さい(5が最高)。",
                        "Thank you for visiting today. How was it, from 1 to 5 (5 = great)?",
                        once_per_visit=True, survey=True),
    "visit_ended": Rule("survey", "本日はご来訪ありがとうございました。満足度を1〜5でお聞かせくだ"
                                  "さい(5が最高)。",
                        "Thank you for visiting today. How was it, from 1 to 5 (5 = great)?",
                        once_per_visit=True, survey=True),
}

# How each journey step reads on the timeline (staff and visitor).
ACTIVITY: dict[str, str] = {
    "invited": "招待 / Invited", "pass_opened": "パスを開いた / Pass opened",
    "reminder_due": "前日リマインド / Reminder due", "approaching": "接近中 / Approaching",
    "arrived": "到着 / Arrived", "checked_in": "チェックイン / Checked in",
    "held_for_approval": "承認待ち / Held for approval", "gate_passed": "ゲート通過 / Gate passed",
    "access_denied": "入館拒否 / Access denied", "drink_offered": "ドリンク案内 / Drink offered",
    "drink_ordered": "ドリンク注文 / Drink ordered", "drink_served": "ドリンク提供 / Drink served",
    "drink_failed": "ドリンク失敗 / Drink failed", "meeting_starting": "会議開始前 / Meeting start"
        "ing",
    "room_entered": "入室 / Room entered", "meeting_started": "会議開始 / Meeting started",
    "host_late": "ホスト遅延 / Host running late", "no_show": "不在 / No-show",
    "meeting_ended": "会議終了 / Meeting ended", "checked_out": "退館 / Checked out",
    "visit_ended": "来訪終了 / Visit ended",
}

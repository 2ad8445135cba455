"""Bilingual labels of the decision reasons, for the access log."""

from __future__ import annotations

from officegate.protocol.decision import Reason

REASON_LABELS: dict[str, tuple[str, str]] = {
    Reason.ACCEPTED: ("Accepted", "許可"),
    Reason.MALFORMED: ("Unreadable code", "読み取れないコード"),
    Reason.UNKNOWN_KEY: ("Unknown signing key", "不明な署名鍵"),
    Reason.BAD_SIGNATURE: ("Forged pass (bad signature)", "署名が不正"),
    Reason.NOT_YET_VALID: ("Not yet valid", "有効期間前"),
    Reason.EXPIRED: ("Expired", "有効期限切れ"),
    Reason.REVOKED: ("Revoked", "取り消し済み"),
    Reason.WRONG_DOOR: ("Not allowed at this door", "このドアは対象外"),
    Reason.STALE_CODE: ("Old or missing rotating code", "表示コードが古い・なし"),
    Reason.REPLAYED: ("Replayed code", "再利用されたコード"),
}


def reason_label(reason: str) -> tuple[str, str]:
    """(English, Japanese) label of a reason; the raw value for reasons we do not know."""
    return REASON_LABELS.get(reason, (reason, reason))

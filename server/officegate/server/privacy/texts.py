"""What the privacy and audit pages say, one language at a time (Japanese or English).

Kept as one table per language, keyed by message id, so they move into the gettext
catalogs (Babel) as they are.
"""

from __future__ import annotations

from fastapi import Request

from officegate.server.i18n import negotiate

LANGS = ("ja", "en")


def request_lang(request: Request, user_lang: str | None = None) -> str:
    """The page language, chosen as on every page (``i18n.negotiate``: ``?lang=``, the
    signed-in user's setting, the switcher's cookie, Accept-Language, Japanese)."""
    return negotiate.page_language(request, user_lang, offered=LANGS)


TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "notice_title": "個人情報の取り扱い",
        "operator": "運営者", "contact": "お問い合わせ先", "purposes": "利用目的",
        "purpose_access": "ご来訪の受付と入館の管理（パス、ゲート、会議室のドア）",
        "purpose_security": "建物の安全（入退室の記録、避難時の在館者確認）",
        "purpose_location": "到着のお知らせ（同意いただいた場合のみ。位置そのものは保存しません）",
        "purpose_marketing": "ご案内の送付（同意いただいた場合のみ）",
        "retention": "保存期間",
        "keep_identity": "お名前・メールアドレス・メッセージ: ご来訪の終了から{days}日",
        "keep_access": "入退室の記録: {days}日（お名前を消した後は仮名のまま）",
        "keep_arrival": "到着の判定（距離・到着予想）: ご来訪の終了から{days}日",
        "rights": "ご本人の権利",
        "rights_text": "パス画面から、保存されている内容の確認・ダウンロード・削除ができます。",
        "version": "版",
        "kept_title": "保存されているあなたの情報",
        "kept_until": "保存期限", "download_json": "JSON でダウンロード",
        "erase": "私の情報を削除する",
        "erase_warning": "削除するとこのパスは使えなくなり、元に戻せません。",
        "erased": "お名前・連絡先・メッセージは削除されました。",
        "notice_link": "個人情報の取り扱い",
        "consent_title": "同意",
        "consent_location": "到着のお知らせのための位置情報の利用",
        "consent_marketing": "ご案内の送付",
        "given": "同意済み", "not_given": "未同意", "give": "同意する", "withdraw": "同意を撤回",
        "name": "お名前", "email": "メールアドレス", "visits": "ご来訪", "messages": "メッセージ",
        "access_events": "入退室の記録", "contact_points": "連絡先",
        "none": "なし",
        "audit_title": "監査ログ", "search": "検索", "action": "操作", "all": "すべて",
        "since": "開始日", "until": "終了日", "csv": "CSV をダウンロード",
        "chain_ok": "改ざんは見つかりませんでした（{n} 件を検証）",
        "chain_broken": "改ざんを検出: 項目 {id} — {reason}",
        "time": "日時", "who": "実行者", "where": "接続元", "target": "対象",
        "before": "変更前", "after": "変更後", "no_entries": "記録はありません",
        "settings_title": "保存期間の設定",
        "identity_days": "お名前・連絡先・メッセージ（来訪終了後の日数）",
        "access_days": "入退室の記録（日数）", "arrival_days": "到着の判定（来訪終了後の日数）",
        "audit_days": "監査ログ（日数）", "save": "保存", "saved": "保存しました",
    },
    "en": {
        "notice_title": "How we handle your personal data",
        "operator": "Operator", "contact": "Contact", "purposes": "Purposes",
        "purpose_access": "Receiving your visit and letting you in (pass, gates, room doors)",
        "purpose_security": "Building security (access records, roll call in an evacuation)",
        "purpose_location": "Telling your host you are arriving (only with your consent; "
                            "your location itself is never stored)",
        "purpose_marketing": "Sending you news (only with your consent)",
        "retention": "How long we keep it",
        "keep_identity": "Name, e-mail and messages: {days} days after your visit",
        "keep_access": "Access records: {days} days (pseudonymous once your name is gone)",
        "keep_arrival": "Arrival decisions (distance, arrival estimate): {days} days after "
                        "your visit",
        "rights": "Your rights",
        "rights_text": "From your pass page you can see what we keep, download it and erase it.",
        "version": "Version",
        "kept_title": "What we keep about you",
        "kept_until": "Kept until", "download_json": "Download as JSON",
        "erase": "Erase my data",
        "erase_warning": "Erasing ends this pass and cannot be undone.",
        "erased": "Your name, contact details and messages have been erased.",
        "notice_link": "Privacy notice",
        "consent_title": "Consent",
        "consent_location": "Using your location to announce your arrival",
        "consent_marketing": "Sending you news",
        "given": "Given", "not_given": "Not given", "give": "Consent",
        "withdraw": "Withdraw consent",
        "name": "Name", "email": "E-mail", "visits": "Visits", "messages": "Messages",
        "access_events": "Access records", "contact_points": "Contact points",
        "none": "None",
        "audit_title": "Audit log", "search": "Search", "action": "Action", "all": "All",
        "since": "From", "until": "Until", "csv": "Download CSV",
        "chain_ok": "No tampering found ({n} entries verified)",
        "chain_broken": "Tampering detected at entry {id}: {reason}",
        "time": "Time", "who": "Who", "where": "From", "target": "Target",
        "before": "Before", "after": "After", "no_entries": "No entries",
        "settings_title": "Retention",
        "identity_days": "Name, contact points and messages (days after the visit)",
        "access_days": "Access records (days)", "arrival_days": "Arrival decisions (days "
                                                                "after the visit)",
        "audit_days": "Audit log (days)", "save": "Save", "saved": "Saved",
    },
}


def texts(lang: str) -> dict[str, str]:
    """The strings of ``lang`` (Japanese for anything else)."""
    return TEXTS.get(lang, TEXTS["ja"])

"""What the visitor and staff read about drinks, in English and Japanese."""

from __future__ import annotations

OFFER = ("Would you like a drink?", "お飲み物はいかがですか？")

# Why an order ended without a drink; every one says the free drink was not used up.
FAILURES: dict[str, tuple[str, str]] = {
    "jammed": (
        "The machine could not serve your drink (it jammed). Your free drink was not used: "
        "please order again or ask a member of staff.",
        "自動販売機が詰まり、お飲み物をお出しできませんでした。無料ドリンクは消費されていません。"
        "もう一度ご注文いただくか、スタッフにお声がけください。"),
    "out_of_stock": (
        "Sorry, that drink has just sold out. Your free drink was not used: please choose "
        "another one.",
        "申し訳ありません、そのお飲み物は売り切れました。無料ドリンクは消費されていません。"
        "別のお飲み物をお選びください。"),
    "expired": (
        "Your order timed out before the pass was shown at the machine. Your free drink was "
        "not used: you can order again.",
        "自動販売機でパスが提示される前に注文の有効時間が過ぎました。無料ドリンクは消費されて"
        "いません。もう一度ご注文いただけます。"),
    "cancelled": ("You cancelled the order. Your free drink was not used.",
                  "ご注文を取り消しました。無料ドリンクは消費されていません。"),
}

SERVED = ("Enjoy your drink!", "お飲み物をどうぞ！")


def ordered(machine_en: str, machine_ja: str, drink_en: str, drink_ja: str) -> tuple[str, str]:
    """The message while an order waits at a machine."""
    return (f"Show your pass QR at the {machine_en} to get your {drink_en}.",
            f"{machine_ja}でパスのQRコードをかざすと、{drink_ja}が出てきます。")


QUOTA_USED = ("You have already had your free drink for this visit.",
              "この訪問の無料ドリンクはすでにご利用済みです。")
ORDER_WAITING = ("You already have a drink waiting. Cancel it first to choose another.",
                 "受け取り待ちのご注文があります。変更する場合は先に取り消してください。")
NO_OFFER = ("There is no drink offer for this visit right now.",
            "現在、この訪問へのドリンクのご案内はありません。")
SOLD_OUT = ("Sorry, that drink is sold out. Please choose another one.",
            "申し訳ありません、そのお飲み物は売り切れです。別のお飲み物をお選びください。")
NO_MACHINE = ("That vending machine is not on your way.",
              "その自動販売機はご案内の対象ではありません。")
NOTHING_TO_CANCEL = ("There is no order to cancel.", "取り消すご注文はありません。")

"""What a host reads about an approaching visitor: one minute is "minute", not "minutes"."""

from __future__ import annotations

from officegate.server.notify.messages import compose


def test_approaching_notice_counts_minutes_in_good_english() -> None:
    one = compose("approaching", visitor="Aiko", data={"eta_s": 50})
    assert one.body_en.endswith("about 1 minute away.") and "約1分" in one.body_ja
    five = compose("approaching", visitor="Aiko", data={"eta_s": 300})
    assert five.body_en.endswith("about 5 minutes away.")

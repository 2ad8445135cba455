"""Chapter 1: the host invites the visitor; the visitor's phone opens the pass link."""

from __future__ import annotations

from officegate.demo.chapters.context import LOBBY, Story


def play(story: Story) -> None:
    stack = story.stack
    story.invitation = stack.invite(
        host_token=stack.token("host"), visitor_name="田中 愛子 Aiko Tanaka", zones=[LOBBY],
        room="3F Sakura", directions="3F, left of the lift / 3階、エレベーターを出て左")
    story.step("invite", f"{story.host_email} invites Aiko Tanaka -> pass link "
               f"{story.invitation['pass_url']}")

    story.visitor, story.opened = stack.open_pass(story.invitation["pass_url"])
    text = story.visitor.text()
    story.step("pass opened", f"on Aiko's phone; rotating QR ({len(text)} chars, code "
               f"{text[4:12]}) changes every {story.opened['code_period']} s")

"""Chapter: the meeting room. Aiko's lobby pass does not open the room; the meeting's pass
does, only that room's door and only around the meeting. The PIR and exit button tell the
server when the meeting really started and ended, and a booking nobody used is released."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from officegate.demo.chapters.context import LOBBY, Story
from officegate.demo.stack import StoryError, wait_for
from officegate.firmware_sim.room import SimRoom
from officegate.protocol import Reason

SAKURA_DOOR = "door-3f-sakura"
KAEDE_DOOR = "door-3f-kaede"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ensure(story: Story, admin: str) -> None:
    """The two rooms and their door devices (409 = already there from an earlier run)."""
    http = story.stack.http
    for door, name, label in ((SAKURA_DOOR, "sakura", "3F Sakura"),
                              (KAEDE_DOOR, "kaede", "3F Kaede")):
        r = http.post("/api/devices", json={"name": door, "kind": "door", "zone": "floor-3"},
                      headers=_auth(admin))
        if r.status_code not in (201, 409):
            raise StoryError(f"could not add door {door}: {r.status_code} {r.text}")
        r = http.post("/api/rooms", headers=_auth(admin), json={
            "name": name, "label": label, "door": door, "via_zones": [LOBBY]})
        if r.status_code not in (201, 409):
            raise StoryError(f"could not add room {name}: {r.status_code} {r.text}")


def _book(story: Story, room: str, start: datetime, title: str, visitor: str) -> dict[str, Any]:
    r = story.stack.http.post("/api/meetings", headers=_auth(story.stack.token("host")), json={
        "room": room, "title": title, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "visitors": [{"name": visitor}]})
    if r.status_code != 201:
        raise StoryError(f"booking refused: {r.status_code} {r.text}")
    return dict(r.json())


def play(story: Story) -> None:
    stack = story.stack
    admin = stack.token("admin")
    _ensure(story, admin)
    agent, board, camera = stack.add_gate(SAKURA_DOOR, "floor-3", seed=5)
    room = SimRoom.attach(agent, board, camera, vacancy_seconds=0.0)
    story.step(SAKURA_DOOR, "room door agent up: camera, exit button and PIR (gpiozero mock)")

    lobby_only = stack.show_to_gate(SAKURA_DOOR, story.the_visitor().screen, frames=10)
    if not lobby_only or lobby_only[0].reason is not Reason.WRONG_DOOR:
        raise StoryError(f"the lobby pass should not open the room, got "
                         f"{[d.reason.value for d in lobby_only]}")
    story.step(SAKURA_DOOR, "Aiko's lobby-only pass -> denied: wrong_door", ok=False)

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    meeting = _book(story, "sakura", start, "Partner sync / 定例", "田中 愛子 Aiko Tanaka")
    aiko, _opened = stack.open_pass(meeting["pass_urls"]["田中 愛子 Aiko Tanaka"])
    story.step("meeting", f"Ken books 3F Sakura {start:%H:%M}Z with Aiko; her meeting pass "
               "opens this room's door only, from 15 minutes before to the end")
    opened = [d for d in stack.show_to_gate(SAKURA_DOOR, aiko.screen, frames=20) if d.accepted]
    if len(opened) != 1:
        raise StoryError("the meeting pass should open the room door once")
    room.someone_moves()
    story.step(SAKURA_DOOR, "Aiko's meeting pass -> door opens; the PIR sees movement", ok=True)

    staff = _auth(admin)

    def meeting_now() -> dict[str, Any]:
        return dict(stack.http.get(f"/api/meetings/{meeting['id']}", headers=staff).json())

    seen = wait_for("the meeting to start in the log", lambda: (
        m := meeting_now())["actual_start"] and m["inside_count"] and m)
    story.step("occupancy", f"meeting started at {seen['actual_start'][11:19]}Z "
               f"(late by {seen['late_start_minutes']} min); inside: "
               f"{', '.join(a['name'] for a in seen['attendees'] if a['inside'])}")
    room.press_exit()
    room.everyone_still()
    done = wait_for("the room to become vacant", lambda: (
        m := meeting_now())["state"] == "ended" and m)
    story.step("occupancy", f"exit button + PIR still -> room vacant, meeting ended at "
               f"{done['actual_end'][11:19]}Z")

    missed = _book(story, "kaede", datetime.now(UTC) - timedelta(minutes=11),
                   "Vendor call (nobody came)", "Bob Smith")
    stack.http.post("/api/occupancy/sweep", headers=staff)
    released = wait_for("the no-show to be released", lambda: (
        m := dict(stack.http.get(f"/api/meetings/{missed['id']}", headers=staff).json())
    )["state"] == "no_show" and m)
    story.step("no-show", f"3F Kaede booked {released['starts_at'][11:16]}Z: no entry, no "
               "motion for 10 min -> released, Bob's pass revoked, host told")

    # The log counts the site's local days (Asia/Tokyo unless OFFICEGATE_TIMEZONE says else).
    zone = ZoneInfo(str(stack.http.get("/api/site", headers=staff).json()["timezone"]))
    day = start.astimezone(zone).date().isoformat()
    log = dict(stack.http.get(f"/api/occupancy/sakura/{day}", headers=staff).json())
    figures = log["figures"]
    story.step("occupancy log", f"3F Sakura {day}: {len(log['meetings'])} meeting(s), "
               f"peak {figures['peak_occupancy']}, no-show rate {figures['no_show_rate']}; "
               f"{stack.base_url}/staff/occupancy?room=sakura&day={day}")
    room.close()

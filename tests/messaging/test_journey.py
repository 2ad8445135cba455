"""Journey events on the timeline, proactive notices (quiet hours, opt-out, duplicates), CSAT,
figures, and a gate event travelling through the real MQTT broker and bridge."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent, new_event_id
from officegate.server.journey import JourneyEvent
from officegate.server.proactive.service import in_quiet_hours

from .conftest import Office, bearer, invite


def _publish(client: TestClient, kind: str, visit_id: int, key: str, **data: object) -> None:
    state = client.app.state.officegate  # type: ignore[attr-defined]
    state.journey.publish(JourneyEvent(kind=kind, key=key, at=datetime.now(UTC),
                                       visit_id=visit_id, data=dict(data)))


def _timeline(client: TestClient, token: str) -> list[dict]:
    return client.get(f"/api/chat/{token}").json()["messages"]


def test_quiet_hours_wrap_midnight() -> None:
    at = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 22:30 in Tokyo
    assert in_quiet_hours(at, tz="Asia/Tokyo", start=21, end=8)
    assert not in_quiet_hours(at, tz="Asia/Tokyo", start=23, end=8)
    assert in_quiet_hours(at, tz="UTC", start=9, end=17)
    assert not in_quiet_hours(at, tz="UTC", start=0, end=0)


def test_notices_once_even_when_events_arrive_twice(client: TestClient, office: Office,
                                                    smtp_server) -> None:
    visit = invite(client, office)
    vid, token = visit["visit_id"], visit["token"]
    for _ in range(2):  # an MQTT redelivery carries the same key
        _publish(client, "checked_in", vid, f"checked_in:{vid}")
    _publish(client, "gate_passed", vid, "gate_passed:e1", device=office.gate, reason="accepted")
    _publish(client, "gate_passed", vid, "gate_passed:e2", device="door-3", reason="accepted")
    tl = _timeline(client, token)
    directions = [m for m in tl if m["kind"] == "outgoing" and m["event_kind"] == "checked_in"]
    assert len(directions) == 1 and "3階、エレベーターを出て左" in directions[0]["body"]
    assert len([m for m in tl if m["kind"] == "activity" and m["event_kind"] == "checked_in"]) == 1
    # Both gates are on the timeline; "you're through" is said once.
    assert len([m for m in tl if m["event_kind"] == "gate_passed" and m["kind"] == "activity"]) == 2
    assert len([m for m in tl if m["event_kind"] == "gate_passed" and m["kind"] == "outgoing"]) == 1
    # Never wrote in any chat: the survey goes to the e-mail the invitation went to, once.
    _publish(client, "visit_ended", vid, f"visit_ended:{vid}")
    _publish(client, "visit_ended", vid, f"visit_ended:{vid}")
    surveys = [m for m in smtp_server.messages if "アンケート" in m["Subject"]]
    assert len(surveys) == 1 and surveys[0]["To"] == "hanako@example.org"


def test_opt_out_stops_notices_but_not_answers(client: TestClient, office: Office) -> None:
    visit = invite(client, office)
    vid, token = visit["visit_id"], visit["token"]
    r = client.post(f"/api/chat/{token}/messages", json={"text": "配信停止"})
    assert "停止" in r.json()["replies"][0]["body"]
    _publish(client, "meeting_starting", vid, f"meeting_starting:{vid}")
    tl = _timeline(client, token)
    assert [m["kind"] for m in tl if m["event_kind"] == "meeting_starting"] == ["activity"]
    r = client.post(f"/api/chat/{token}/messages", json={"text": "トイレはどこですか"})
    assert r.json()["replies"][0]["data"]["faq"] == "toilet"
    assert client.post(f"/api/chat/{token}/opt-out", json={"opt_out": False}).status_code == 200
    _publish(client, "host_late", vid, "host_late:1", minutes=10)
    assert any(m["kind"] == "outgoing" and m["event_kind"] == "host_late"
               for m in _timeline(client, token))


def test_quiet_hours_keep_pushes_on_the_web_timeline(client: TestClient, office: Office,
                                                     smtp_server) -> None:
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    rt.config = rt.config.model_copy(update={"quiet_start_hour": 0, "quiet_end_hour": 23,
                                             "timezone": "UTC"})
    visit = invite(client, office)
    sent_before = len(smtp_server.messages)  # the invitation is exempt: the host sent it now
    assert sent_before == 1
    at = datetime.now(UTC).replace(hour=3)
    state = client.app.state.officegate  # type: ignore[attr-defined]
    state.journey.publish(JourneyEvent(kind="visit_ended", key="visit_ended:q", at=at,
                                       visit_id=visit["visit_id"]))
    survey = [m for m in _timeline(client, visit["token"]) if m["data"].get("survey")]
    assert survey and survey[0]["channel"] == "web" and survey[0]["data"]["quiet_hours"]
    assert len(smtp_server.messages) == sent_before


def test_survey_csat_and_figures(client: TestClient, office: Office, smtp_server) -> None:
    staff = bearer(client, office.staff)
    scores = []
    for i, rating in enumerate(("5", "4点 とても良かった", "2")):
        visit = invite(client, office, name=f"Visitor {i}", email=f"v{i}@example.org")
        vid, token = visit["visit_id"], visit["token"]
        if i == 0:  # one visitor asks a person; the host answers
            client.post(f"/api/chat/{token}/messages", json={"text": "talk to a human please"})
            cid = client.get("/api/conversations?status=open", headers=staff).json()[0]["id"]
            client.post(f"/api/conversations/{cid}/messages", headers=staff,
                        json={"text": "Hello, how can I help?"})
            client.post(f"/api/conversations/{cid}/status", headers=staff,
                        json={"status": "resolved"})
        else:  # the others are answered by the bot alone
            client.post(f"/api/chat/{token}/messages", json={"text": "Where can I park?"})
        _publish(client, "checked_in", vid, f"checked_in:{vid}")
        _publish(client, "visit_ended", vid, f"visit_ended:{vid}")
        _publish(client, "checked_out", vid, f"checked_out:{vid}")  # one survey, not two
        assert client.get(f"/api/chat/{token}").json()["survey_pending"]
        r = client.post(f"/api/chat/{token}/messages", json={"text": rating})
        scores.append(r.json()["replies"][0]["data"]["csat"])
        assert client.post(f"/api/chat/{token}/csat", json={"rating": 5}).status_code == 409
    assert scores == [5, 4, 2]
    # They had written in the web chat, so the survey came there, not by e-mail.
    assert not [m for m in smtp_server.messages if "アンケート" in m["Subject"]]
    f = client.get("/api/messaging/metrics", headers=staff).json()
    assert f["csat_score"] == round(2 / 3, 4) and f["csat_responses"] == 3
    assert f["surveys_sent"] == 3 and f["survey_response_rate"] == 1.0
    assert f["conversations"] == 3 and f["bot_containment_rate"] == round(2 / 3, 4)
    assert f["first_response_median_s"] is not None and f["resolution_median_s"] is not None
    assert f["funnel"]["invited"] == 3 and f["funnel"]["checked_in"] == 3
    assert f["funnel"]["surveyed"] == 3
    csv = client.get("/api/messaging/metrics.csv", headers=staff)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "csat_score,0.6667,ratio" in csv.text and "funnel_surveyed,3,visits" in csv.text
    host = bearer(client, office.host)
    assert client.get("/api/messaging/metrics", headers=host).status_code == 403


def test_gate_event_from_the_broker_lands_on_the_timeline(
        client: TestClient, office: Office, mqtt_broker: BrokerAddress) -> None:
    visit = invite(client, office)
    event = AccessEvent(id=new_event_id(), device=office.gate, site=office.site,
                        at=time.time(), reason="accepted", pass_id=visit["pass_id"],
                        visit_id=visit["visit_id"], subject=None, kid=None, latency_ms=12.0,
                        detail="")
    pub = make_client(client_id=f"test-gate-{office.gate}", broker=mqtt_broker,
                      clean_session=True)
    pub.connect(mqtt_broker.host, mqtt_broker.port, 10)
    pub.loop_start()
    # The edge repeats an unacknowledged event (its outbox); every copy carries the same id.
    deadline = time.monotonic() + 20
    sent_at = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() - sent_at > 2:
            for _ in range(2):
                pub.publish(topics.device_events(office.gate), event.to_json(),
                            qos=1).wait_for_publish(5)
            sent_at = time.monotonic()
        tl = _timeline(client, visit["token"])
        if any(m["event_kind"] == "gate_passed" for m in tl):
            break
        time.sleep(0.1)
    time.sleep(0.3)  # let any copy still in flight arrive before counting
    tl = _timeline(client, visit["token"])
    pub.loop_stop()
    pub.disconnect()
    gate = [m for m in tl if m["event_kind"] == "gate_passed" and m["kind"] == "activity"]
    assert len(gate) == 1 and office.gate in gate[0]["body"]


def test_clock_sweep_reminds_the_day_before_and_sees_the_pass_opened(
        client: TestClient, office: Office, smtp_server) -> None:
    from datetime import timedelta

    from officegate.server.proactive import schedule
    from officegate.server.visits.models import Visit

    visit = invite(client, office)
    vid, token = visit["visit_id"], visit["token"]
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    state = client.app.state.officegate  # type: ignore[attr-defined]
    now = datetime.now(UTC)

    def invited_days_ago(db) -> None:  # booked three days ago, for tomorrow morning
        row = db.get(Visit, vid)
        row.created_at, row.starts_at = now - timedelta(days=3), now + timedelta(hours=20)
        row.ends_at = row.starts_at + timedelta(hours=1)
    rt.run(invited_days_ago)
    r = client.post(f"/api/p/{token}/open", json={"device_id": "phone-0123456789abcdef"})
    assert r.status_code == 200, r.text
    for _ in range(2):  # sweeping twice sends nothing twice
        schedule.sweep(sessions=state.sessions, journey=state.journey)
    tl = _timeline(client, token)
    assert [m["kind"] for m in tl if m["event_kind"] == "reminder_due"] == ["activity",
                                                                           "outgoing"]
    assert [m["kind"] for m in tl if m["event_kind"] == "pass_opened"] == ["activity"]
    assert not [m for m in tl if m["event_kind"] == "meeting_starting"]  # 20 h to go
    # A snoozed conversation reopens when its time is up.
    staff = bearer(client, office.staff)
    client.post(f"/api/chat/{token}/messages", json={"text": "人と話したい"})
    cid = client.get("/api/conversations?status=open", headers=staff).json()[0]["id"]
    r = client.post(f"/api/conversations/{cid}/status", headers=staff,
                    json={"status": "snoozed", "snooze_minutes": 30})
    assert r.json()["status"] == "snoozed"
    schedule.sweep(sessions=state.sessions, journey=state.journey,
                   now=now + timedelta(minutes=31))
    assert client.get(f"/api/conversations/{cid}", headers=staff).json()["status"] == "open"
    reminders = [m for m in smtp_server.messages if "お知らせ" in m["Subject"]]
    assert len(reminders) == 1 and "明日" in reminders[0].get_content()


def test_host_running_late_is_said_once_with_the_minutes(client: TestClient,
                                                         office: Office) -> None:
    visit = invite(client, office)
    vid, token = visit["visit_id"], visit["token"]
    for minutes in (6, 7):  # the occupancy sweep republishes with the same key
        _publish(client, "host_late", vid, f"host_late:1:{vid}", minutes=minutes)
    late = [m for m in _timeline(client, token)
            if m["kind"] == "outgoing" and m["event_kind"] == "host_late"]
    assert len(late) == 1
    assert "6" in late[0]["body"] and ("遅れて" in late[0]["body"] or "late" in late[0]["body"])

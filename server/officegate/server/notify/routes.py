"""The host side: the installable host page, notification targets, notices, live feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.arrival.routes import HubDep
from officegate.server.audit import service as audit
from officegate.server.db import RowId, session_scope
from officegate.server.deps import CurrentUser, SessionDep, StaffPageUser, StateDep
from officegate.server.errors import InvalidInput
from officegate.server.http.openapi import APPRISE_URL, PUSH_SUBSCRIPTION
from officegate.server.i18n import negotiate
from officegate.server.notify import service as notify
from officegate.server.notify.vapid import application_server_key

router = APIRouter(tags=["notifications"])


class TargetIn(BaseModel):
    """An apprise URL, or the browser's PushSubscription JSON."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["kind", "url"], "properties": {
            "kind": {"const": "apprise"}, "url": {"type": "string", **APPRISE_URL}}},
        {"required": ["kind", "subscription"], "properties": {
            "kind": {"const": "webpush"}, "subscription": PUSH_SUBSCRIPTION}}]})
    kind: Literal["apprise", "webpush"]
    url: str | None = Field(default=None, max_length=2000, json_schema_extra=APPRISE_URL)
    subscription: dict[str, Any] | None = None


class TargetOut(BaseModel):
    """A target; apprise URLs are shown only by scheme (they may hold passwords)."""

    id: int
    kind: str
    label: str


class PrefsIn(BaseModel):
    """Fallback contact (apprise URL) and how long to wait for an acknowledgement."""

    model_config = ConfigDict(extra="forbid")
    fallback_url: str | None = Field(default=None, max_length=2000,
                                     json_schema_extra=APPRISE_URL)
    ack_minutes: int = Field(default=5, ge=1, le=240)


class NoticeOut(BaseModel):
    """A notice as the host page shows it."""

    id: int
    kind: str
    visit_id: int | None
    title_en: str
    title_ja: str
    body_en: str
    body_ja: str
    at: datetime
    acknowledged: bool


def _label(kind: str, address: str) -> str:
    if kind == "webpush":
        return "Web Push"
    return address.split("://", 1)[0] + "://…"


@router.get("/api/notify/vapid")
def vapid_key(hub: HubDep) -> dict[str, str]:
    """The server's Web Push public key (``applicationServerKey``)."""
    return {"public_key": application_server_key(hub.vapid_key)}


@router.post("/api/notify/targets", response_model=TargetOut, status_code=201)
def add_target(body: TargetIn, request: Request, db: SessionDep, state: StateDep,
               user: CurrentUser) -> TargetOut:
    """Add a notification target for yourself (422 when it points inside the network)."""
    outbound = state.settings.outbound_policy
    if body.kind == "apprise":
        address = notify.check_apprise_url(body.url or "", outbound=outbound)
    elif body.subscription is not None:
        address = notify.check_subscription(body.subscription, outbound=outbound)
    else:
        raise InvalidInput("bad_subscription", "webpush needs 'subscription'",
                           "プッシュ購読がありません")
    row = notify.add_target(db=db, user=user, kind=body.kind, address=address)
    out = TargetOut(id=row.id, kind=row.kind, label=_label(row.kind, row.address))
    # Only the scheme: an apprise URL or a push endpoint may carry a password or token.
    audit.record(db, who=audit.actor_of(request, user), action="notify.target_add",
                 target=f"notify_target:{row.id}", after={"kind": out.kind, "label": out.label})
    return out


@router.get("/api/notify/targets", response_model=list[TargetOut])
def list_targets(db: SessionDep, user: CurrentUser) -> list[TargetOut]:
    """Your notification targets."""
    return [TargetOut(id=t.id, kind=t.kind, label=_label(t.kind, t.address))
            for t in notify.list_targets(db=db, user_id=user.id)]


@router.delete("/api/notify/targets/{target_id}", status_code=204)
def remove_target(target_id: RowId, request: Request, db: SessionDep,
                  user: CurrentUser) -> Response:
    """Remove one of your targets."""
    notify.remove_target(db=db, user=user, target_id=target_id)
    audit.record(db, who=audit.actor_of(request, user), action="notify.target_remove",
                 target=f"notify_target:{target_id}")
    return Response(status_code=204)


@router.put("/api/notify/prefs")
def set_prefs(body: PrefsIn, request: Request, db: SessionDep, state: StateDep,
              user: CurrentUser) -> dict[str, Any]:
    """Set your fallback contact and acknowledgement time."""
    row = notify.set_prefs(db=db, user=user, fallback_url=body.fallback_url,
                           ack_minutes=body.ack_minutes,
                           outbound=state.settings.outbound_policy)
    out = {"fallback": row.fallback_url is not None, "ack_minutes": row.ack_minutes}
    audit.record(db, who=audit.actor_of(request, user), action="notify.prefs",
                 target=f"user:{user.id}", after=out)
    return out


@router.get("/api/notify/notices", response_model=list[NoticeOut])
def notices(db: SessionDep, user: CurrentUser) -> list[NoticeOut]:
    """Your newest notices."""
    return [NoticeOut(**notify.payload(n)) for n in notify.recent(db=db, user_id=user.id)]


@router.post("/api/notify/notices/{notice_id}/ack", response_model=NoticeOut)
def acknowledge(notice_id: RowId, db: SessionDep, user: CurrentUser) -> NoticeOut:
    """Acknowledge a notice (stops the fallback contact from being told)."""
    return NoticeOut(**notify.payload(notify.acknowledge(db=db, user=user, notice_id=notice_id)))


@router.get("/api/notify/feed")
async def feed(hub: HubDep, user: CurrentUser,
               last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    """Server-Sent Events: your notices as they happen. A page reconnecting with
    ``Last-Event-ID`` (browsers send it by themselves) first gets what it missed."""
    missed = None
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit() or len(last_event_id.strip()) > 18:
            raise InvalidInput("bad_last_event_id", "Last-Event-ID must be a notice id",
                               "Last-Event-ID が不正です")
        seen, user_id, sessions = int(last_event_id), user.id, hub.state.sessions

        def read() -> list[dict[str, Any]]:
            with session_scope(sessions) as db:
                return [notify.payload(n)
                        for n in notify.after(db=db, user_id=user_id, notice_id=seen)]

        async def missed_notices() -> list[dict[str, Any]]:
            return await run_in_threadpool(read)

        missed = missed_notices
    return StreamingResponse(hub.notifier.feed.stream(user.id, missed=missed),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/host", response_class=HTMLResponse, include_in_schema=False)
def host_page(request: Request, state: StateDep, user: StaffPageUser) -> Response:
    """The host's page: live notices, approvals, push subscription (installable PWA)."""
    return state.templates.TemplateResponse(request, "host.html", {
        "user": user, "lang": negotiate.page_language(request, user.lang)})


@router.get("/host/sw.js", include_in_schema=False)
def host_worker() -> Response:
    """The host page's service worker (push messages), scoped to /host."""
    from officegate.server.app import STATIC_DIR

    return FileResponse(STATIC_DIR / "host-sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/host/manifest.webmanifest", include_in_schema=False)
def host_manifest() -> dict[str, Any]:
    """The host page's web app manifest (install to the home screen)."""
    return {"name": "OfficeGate Host", "short_name": "OG Host", "start_url": "/host",
            "scope": "/host", "display": "standalone", "background_color": "#f6f7f9",
            "theme_color": "#0f4c81",
            "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}]}

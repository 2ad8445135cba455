"""The pass link is bound to the phone that opened it, on every route of the pass page.

A link alone is not enough: every pass-page API call also names the phone, by the
``X-Pass-Device`` header the page's scripts send or the ``og_device`` cookie that opening
the pass sets (an EventSource cannot send headers). The first phone binds an unbound pass
(as ``/open`` does); any other phone is refused with 403 ``bound_to_other_device``.
"""

from __future__ import annotations

import re

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from officegate.server.deps import SessionDep
from officegate.server.errors import Forbidden
from officegate.server.visits.models import VisitorPass
from officegate.server.visits.pass_page import bind, device_hash, find_pass

DEVICE_HEADER = "x-pass-device"
DEVICE_COOKIE = "og_device"
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")  # as PassOpenIn.device_id


def presented(request: Request) -> list[str]:
    """The phone ids a request carries (header first, then cookie), well-formed ones only."""
    found = [request.headers.get(DEVICE_HEADER, ""), request.cookies.get(DEVICE_COOKIE, "")]
    return [d for d in found if _DEVICE.match(d)]


def refused() -> Forbidden:
    """The answer to a phone that does not hold the pass."""
    return Forbidden(
        "bound_to_other_device",
        "This pass is open on another phone. A forwarded link does not work; please ask "
        "your host for your own pass.",
        "このパスは別の端末で開かれています。転送されたリンクは使えません。"
        "担当者にご自身のパスを依頼してください。")


def check_holder(*, db: Session, request: Request, token: str) -> VisitorPass:
    """The pass behind ``token`` when this request comes from the phone holding it."""
    row = find_pass(db=db, token=token)
    devices = presented(request)
    if row.bound_device_hash is None and devices:
        bind(db=db, row=row, device_id=devices[0])
    if row.bound_device_hash is None or all(
            device_hash(d) != row.bound_device_hash for d in devices):
        raise refused()
    return row


def pass_holder(token: str, request: Request, db: SessionDep) -> None:
    """Route dependency: 404 for an unknown link, 403 for a phone not holding the pass."""
    check_holder(db=db, request=request, token=token)
    # Committed now: routes that write through their own session (the chat) must not wait
    # for this one's binding or read transaction (SQLite has one writer).
    db.commit()


def remember_device(response: Response, device_id: str, *, secure: bool) -> None:
    """The cookie that names this phone on the pass page's later calls."""
    response.set_cookie(DEVICE_COOKIE, device_id, max_age=60 * 24 * 3600, httponly=True,
                        samesite="strict", secure=secure, path="/")


HolderOnly = Depends(pass_holder)

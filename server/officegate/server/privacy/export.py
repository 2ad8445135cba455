"""What is kept about a visitor, and until when: the subject access answer (JSON and page)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.access.models import AccessEventRecord
from officegate.server.arrival.models import ArrivalTrack
from officegate.server.auth.models import User
from officegate.server.messaging.models import ChannelIdentity, Contact, Message
from officegate.server.privacy import consent
from officegate.server.privacy.erasure import is_erased
from officegate.server.privacy.models import PrivacyRequest
from officegate.server.privacy.policy import Retention
from officegate.server.visits.models import Visit, Visitor, VisitorPass


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _visits(db: Session, visitor: Visitor) -> list[Visit]:
    return list(db.scalars(select(Visit).where(Visit.visitor_id == visitor.id)
                           .order_by(Visit.starts_at)))


def _messages(db: Session, visitor: Visitor) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    contact_ids = list(db.scalars(select(Contact.id).where(Contact.visitor_id == visitor.id)))
    messages = [{"at": _iso(m.created_at), "kind": m.kind, "sender": m.sender,
                 "channel": m.channel, "text": m.body}
                for m in db.scalars(select(Message).where(
                    Message.contact_id.in_(contact_ids), Message.kind != "note",
                    Message.body != "").order_by(Message.id))]
    points = [{"channel": i.channel, "address": i.address}
              for i in db.scalars(select(ChannelIdentity).where(
                  ChannelIdentity.contact_id.in_(contact_ids)))]
    return messages, points


def kept_about(*, db: Session, visitor: Visitor, policy: Retention) -> dict[str, Any]:
    """Everything kept about ``visitor``, grouped, with the date each group goes.

    Staff notes (kind "note") are staff's own records and not part of the answer.
    """
    visits = _visits(db, visitor)
    ids = [v.id for v in visits]
    last_end = max((v.ends_at for v in visits), default=visitor.created_at)
    hosts = {u.id: u.name or u.email for u in db.scalars(
        select(User).where(User.id.in_({v.host_id for v in visits})))}
    passes = db.scalars(select(VisitorPass).where(VisitorPass.visit_id.in_(ids))
                        .order_by(VisitorPass.id))
    events = list(db.scalars(select(AccessEventRecord).where(
        AccessEventRecord.visit_id.in_(ids)).order_by(AccessEventRecord.at)))
    tracks = db.scalars(select(ArrivalTrack).where(ArrivalTrack.visit_id.in_(ids)))
    messages, points = _messages(db, visitor)
    requests = db.scalars(select(PrivacyRequest).where(PrivacyRequest.visitor_id == visitor.id)
                          .order_by(PrivacyRequest.id))
    newest_event = max((e.at for e in events), default=None)
    return {
        "erased": is_erased(db=db, visitor=visitor),
        "visitor": {"subject": visitor.subject, "name": visitor.name, "email": visitor.email,
                    "created_at": _iso(visitor.created_at)},
        "visits": [{"id": v.id, "starts_at": _iso(v.starts_at), "ends_at": _iso(v.ends_at),
                    "room": v.room, "host": hosts.get(v.host_id),
                    "checked_in_at": _iso(v.checked_in_at)} for v in visits],
        "passes": [{"pass_id": p.pass_id, "valid_from": _iso(p.valid_from),
                    "valid_until": _iso(p.valid_until), "opened_at": _iso(p.bound_at),
                    "revoked_at": _iso(p.revoked_at)} for p in passes],
        "access_events": [{"at": _iso(e.at), "device": e.device, "decision": e.reason}
                          for e in events],
        "arrival": [{"visit_id": t.visit_id, "consent_at": _iso(t.consent_at),
                     "approached_at": _iso(t.approached_at), "arrived_at": _iso(t.arrived_at),
                     "eta_s": t.eta_s, "distance_m": t.last_distance_m,
                     "owntracks_user": t.owntracks_user} for t in tracks],
        "messages": messages,
        "contact_points": points,
        "consents": {v.id: consent.standing(db=db, visit_id=v.id) for v in visits},
        "requests": [{"kind": r.kind, "source": r.source, "state": r.state,
                      "created_at": _iso(r.created_at), "done_at": _iso(r.done_at)}
                     for r in requests],
        "kept_until": {
            "identity_and_messages": _iso(last_end + policy.identity),
            "arrival_decisions": _iso(last_end + timedelta(days=policy.arrival_days)),
            "access_events": _iso(newest_event + timedelta(days=policy.access_days))
            if newest_event else None,
        },
    }

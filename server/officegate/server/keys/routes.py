"""Key API: list the site's signing keys, rotate to a new one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from officegate.server.audit import service as audit
from officegate.server.deps import AdminUser, SessionDep, StaffUser, StateDep
from officegate.server.keys import service
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.keys.schemas import RotatedOut, SigningKeyOut
from officegate.server.sites import service as sites

router = APIRouter(prefix="/api/keys", tags=["keys"])


@router.get("", response_model=list[SigningKeyOut])
def list_keys(db: SessionDep, state: StateDep, _user: StaffUser) -> list[SigningKeyOut]:
    """The site's signing keys, newest first."""
    site = sites.get_site(db=db, code=state.settings.site)
    current = service.current_key_record(db=db, site=site)
    rows = db.scalars(select(SigningKeyRecord).where(SigningKeyRecord.site_id == site.id)
                      .order_by(SigningKeyRecord.created_at.desc()))
    return [SigningKeyOut(kid=r.kid, alg=r.alg, created_at=r.created_at, rotated_at=r.rotated_at,
                          retired_at=r.retired_at, current=current is not None
                          and r.kid == current.kid) for r in rows]


@router.post("/rotate", response_model=RotatedOut)
def rotate(request: Request, db: SessionDep, state: StateDep, user: AdminUser) -> RotatedOut:
    """Sign new passes with a new key (admin); the keyset is republished at once."""
    site = sites.get_site(db=db, code=state.settings.site)
    old = service.current_key_record(db=db, site=site)
    record = service.rotate_key(db=db, site=site, keyring=state.settings.keyring,
                                alg=state.settings.key_alg)
    out = RotatedOut(kid=record.kid, alg=record.alg, keyset_version=site.keyset_version)
    audit.record(db, who=audit.actor_of(request, user), action="key.rotate",
                 target=f"site:{site.code}", before={"kid": old.kid if old else None},
                 after={"kid": record.kid, "alg": record.alg})
    db.commit()
    if state.bridge is not None:
        state.bridge.publish_keys()
    return out

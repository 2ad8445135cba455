"""Signing keys: created on first start, rotated on demand, published as the site KeySet.

The private key and its code key live in ``<data_dir>/keys/<site>-<kid>.key`` (mode 0600);
the database only says which key is current and which are rotated or retired.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officegate.protocol import KeySet, SigningKey
from officegate.server.db import utcnow
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.sites.models import Site
from officegate.server.visits.models import VisitorPass


def _key_path(keys_dir: Path, record: SigningKeyRecord) -> Path:
    return keys_dir / record.file_name


def _prepare_dir(keys_dir: Path) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)  # the directory too: nobody else may even list key files


def current_key_record(*, db: Session, site: Site) -> SigningKeyRecord | None:
    """The key that signs new passes (newest, not rotated), or None before the first start."""
    return db.scalar(
        select(SigningKeyRecord)
        .where(SigningKeyRecord.site_id == site.id, SigningKeyRecord.rotated_at.is_(None))
        .order_by(SigningKeyRecord.created_at.desc())
    )


def _new_key(*, db: Session, site: Site, keys_dir: Path, alg: str) -> SigningKeyRecord:
    _prepare_dir(keys_dir)
    key = SigningKey.generate(alg)  # type: ignore[arg-type]
    record = SigningKeyRecord(kid=key.kid.hex(), site_id=site.id, alg=key.alg,
                              file_name=f"{site.code}-{key.kid.hex()}.key")
    key.save(_key_path(keys_dir, record))
    db.add(record)
    site.keyset_version += 1
    db.flush()
    return record


def ensure_signing_key(*, db: Session, site: Site, keys_dir: Path, alg: str) -> SigningKeyRecord:
    """The current key of ``site``, generating the first one when there is none."""
    record = current_key_record(db=db, site=site)
    if record is not None and _key_path(keys_dir, record).exists():
        return record
    if record is not None:
        # The row survived but the file is gone: that key can sign nothing any more.
        record.rotated_at = record.retired_at = utcnow()
    return _new_key(db=db, site=site, keys_dir=keys_dir, alg=alg)


def rotate_key(*, db: Session, site: Site, keys_dir: Path, alg: str) -> SigningKeyRecord:
    """Start signing with a new key (new kid); the old one stays trusted until its passes end."""
    now = utcnow()
    for record in db.scalars(select(SigningKeyRecord).where(
            SigningKeyRecord.site_id == site.id, SigningKeyRecord.rotated_at.is_(None))):
        record.rotated_at = now
    return _new_key(db=db, site=site, keys_dir=keys_dir, alg=alg)


def load_signing_key(*, keys_dir: Path, record: SigningKeyRecord) -> SigningKey:
    """The private key of ``record`` read from its file."""
    return SigningKey.load(_key_path(keys_dir, record))


def retire_unused_keys(*, db: Session, site: Site) -> int:
    """Retire rotated keys whose passes have all expired; returns how many were retired."""
    now = utcnow()
    retired = 0
    for record in db.scalars(select(SigningKeyRecord).where(
            SigningKeyRecord.site_id == site.id, SigningKeyRecord.rotated_at.is_not(None),
            SigningKeyRecord.retired_at.is_(None))):
        last = db.scalar(select(func.max(VisitorPass.valid_until))
                         .where(VisitorPass.kid == record.kid))
        if last is None or last < now:
            record.retired_at = now
            retired += 1
    if retired:
        site.keyset_version += 1
    return retired


def build_keyset(*, db: Session, site: Site, keys_dir: Path) -> KeySet:
    """The KeySet edges should trust: every key of the site that is not retired."""
    retire_unused_keys(db=db, site=site)
    records = db.scalars(select(SigningKeyRecord).where(
        SigningKeyRecord.site_id == site.id, SigningKeyRecord.retired_at.is_(None),
    ).order_by(SigningKeyRecord.created_at))
    trusted = []
    for record in records:
        path = _key_path(keys_dir, record)
        if path.exists():
            # No validity bounds: a key leaves the set when retired, and edge clocks may lag.
            trusted.append(SigningKey.load(path).trusted())
    return KeySet(site=site.code, keys=trusted, version=site.keyset_version)

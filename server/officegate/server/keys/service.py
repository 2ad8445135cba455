"""Signing keys: created on first start, rotated on demand, published as the site KeySet.

The private key and its code key live in the database, sealed with the key-encryption key
(keys/vault.py), so every server of a site signs with the same key and a server with an
empty data folder joins and works. Keys from before (a 0600 file per key in
``<data_dir>/keys``) are sealed into the database on the first start that finds them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officegate.protocol import KeySet, SigningKey
from officegate.server.db import utcnow
from officegate.server.keys.models import ServerSecret, SigningKeyRecord
from officegate.server.keys.vault import Keyring
from officegate.server.sites.models import Site
from officegate.server.visits.models import VisitorPass


def _purpose(record: SigningKeyRecord) -> str:
    return f"signing-key:{record.kid}"


def current_key_record(*, db: Session, site: Site) -> SigningKeyRecord | None:
    """The key that signs new passes (newest, not rotated), or None before the first start."""
    return db.scalar(
        select(SigningKeyRecord)
        .where(SigningKeyRecord.site_id == site.id, SigningKeyRecord.rotated_at.is_(None))
        .order_by(SigningKeyRecord.created_at.desc())
    )


def _new_key(*, db: Session, site: Site, keyring: Keyring, alg: str) -> SigningKeyRecord:
    key = SigningKey.generate(alg)  # type: ignore[arg-type]
    record = SigningKeyRecord(kid=key.kid.hex(), site_id=site.id, alg=key.alg, file_name="")
    record.sealed = keyring.seal(key.to_text().encode("ascii"), purpose=_purpose(record))
    db.add(record)
    site.keyset_version += 1
    db.flush()
    return record


def ensure_signing_key(*, db: Session, site: Site, keyring: Keyring, alg: str,
                       legacy_dir: Path | None = None) -> SigningKeyRecord:
    """The current key of ``site``, generating the first one when there is none.

    A key still in its file (``legacy_dir``) is sealed into the database; one whose file is
    gone can sign nothing and is retired. Raises KeyringError when the database's keys were
    sealed with another key-encryption key than ``keyring``'s (a misconfigured server).
    """
    if legacy_dir is not None:
        _seal_legacy_files(db=db, site=site, keyring=keyring, legacy_dir=legacy_dir)
    record = current_key_record(db=db, site=site)
    if record is not None and record.sealed is not None:
        load_signing_key(keyring=keyring, record=record)  # opens under our KEK, or says why
        return record
    return _new_key(db=db, site=site, keyring=keyring, alg=alg)


def _seal_legacy_files(*, db: Session, site: Site, keyring: Keyring, legacy_dir: Path) -> None:
    now = utcnow()
    for record in db.scalars(select(SigningKeyRecord).where(
            SigningKeyRecord.site_id == site.id, SigningKeyRecord.sealed.is_(None))):
        path = legacy_dir / record.file_name if record.file_name else None
        if path is not None and path.is_file():
            text = SigningKey.load(path).to_text()
            record.sealed = keyring.seal(text.encode("ascii"), purpose=_purpose(record))
        elif record.retired_at is None:
            # The file is gone: that key can sign nothing any more.
            record.rotated_at = record.rotated_at or now
            record.retired_at = now
            site.keyset_version += 1


def rotate_key(*, db: Session, site: Site, keyring: Keyring, alg: str) -> SigningKeyRecord:
    """Start signing with a new key (new kid); the old one stays trusted until its passes end."""
    now = utcnow()
    for record in db.scalars(select(SigningKeyRecord).where(
            SigningKeyRecord.site_id == site.id, SigningKeyRecord.rotated_at.is_(None))):
        record.rotated_at = now
    return _new_key(db=db, site=site, keyring=keyring, alg=alg)


def load_signing_key(*, keyring: Keyring, record: SigningKeyRecord) -> SigningKey:
    """The private key of ``record``, opened with the key-encryption key."""
    if record.sealed is None:
        raise ValueError(f"signing key {record.kid} is not in the database")
    text = keyring.open(record.sealed, purpose=_purpose(record)).decode("ascii")
    return SigningKey.from_text(text, source=f"signing key {record.kid}")


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


def build_keyset(*, db: Session, site: Site, keyring: Keyring) -> KeySet:
    """The KeySet edges should trust: every key of the site that is not retired."""
    retire_unused_keys(db=db, site=site)
    records = db.scalars(select(SigningKeyRecord).where(
        SigningKeyRecord.site_id == site.id, SigningKeyRecord.retired_at.is_(None),
        SigningKeyRecord.sealed.is_not(None),
    ).order_by(SigningKeyRecord.created_at))
    # No validity bounds: a key leaves the set when retired, and edge clocks may lag.
    trusted = [load_signing_key(keyring=keyring, record=r).trusted() for r in records]
    return KeySet(site=site.code, keys=trusted, version=site.keyset_version)


def shared_secret(*, db: Session, keyring: Keyring, name: str, make: bytes) -> bytes:
    """The secret ``name`` every server shares; the first server to ask stores ``make``.

    Two servers starting at once both try; the database keeps one, and both read it.
    """
    row = db.get(ServerSecret, name)
    if row is None:
        try:
            with db.begin_nested():
                db.add(ServerSecret(name=name, sealed=keyring.seal(make, purpose=f"secret:{name}"),
                                    created_at=utcnow()))
        except IntegrityError:
            pass  # another server stored it first: read theirs
        row = db.get(ServerSecret, name, populate_existing=True)
    assert row is not None  # noqa: S101 -- stored above or by the other server
    return keyring.open(row.sealed, purpose=f"secret:{name}")

"""FAQ entries per site: seeded with the defaults, edited by staff, compiled to a matcher."""

from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.audit import service as audit
from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.errors import InvalidInput, NotFound
from officegate.server.faq.defaults import DEFAULT_FAQ
from officegate.server.faq.matcher import THRESHOLD, FaqItem, FaqMatcher
from officegate.server.faq.models import FaqChange, FaqEntry

FIELDS = ("questions_ja", "questions_en", "answer_ja", "answer_en", "active")

_TOPIC = re.compile(r"^[a-z0-9_]{2,64}$")


def ensure_defaults(*, db: Session, site: str) -> None:
    """Give a site with no FAQ yet the default topics."""
    if db.scalar(select(FaqEntry.id).where(FaqEntry.site == site).limit(1)) is not None:
        return
    for t in DEFAULT_FAQ:
        db.add(FaqEntry(site=site, topic=t["topic"], questions_ja=list(t["questions_ja"]),
                        questions_en=list(t["questions_en"]), answer_ja=t["answer_ja"],
                        answer_en=t["answer_en"], active=True))
    db.flush()


def list_entries(*, db: Session, site: str) -> list[FaqEntry]:
    """The site's FAQ entries by topic."""
    ensure_defaults(db=db, site=site)
    return list(db.scalars(select(FaqEntry).where(FaqEntry.site == site)
                           .order_by(FaqEntry.topic)))


def _clean_lines(values: list[str]) -> list[str]:
    out = [v.strip()[:300] for v in values if v.strip()]
    return out[:50]


def snapshot(row: FaqEntry) -> dict[str, Any]:
    """The editable fields of an entry, as the history keeps them."""
    return {f: (list(getattr(row, f)) if f.startswith("questions") else getattr(row, f))
            for f in FIELDS}


def _record(db: Session, *, site: str, topic: str, action: str, by: User | None,
            who: audit.Actor | None, before: dict[str, Any] | None,
            after: dict[str, Any] | None) -> None:
    """The topic's own history, and the audit log when a person (``who``) made the change."""
    name = f"{by.display_name} <{by.email}>" if by is not None else "system"
    db.add(FaqChange(site=site, topic=topic, action=action, user_id=by.id if by else None,
                     user_name=name[:320], before=before, after=after))
    if who is not None:
        audit.record(db, who=who, action=f"faq.{action}", target=f"faq:{topic}",
                     before=before, after=after)


def save_entry(*, db: Session, site: str, topic: str, questions_ja: list[str],
               questions_en: list[str], answer_ja: str, answer_en: str,
               active: bool = True, by: User | None = None,
               who: audit.Actor | None = None) -> FaqEntry:
    """Create or update one topic; InvalidInput when it could never be matched or answered.

    A real change is written to the topic's history with who made it (``by``), and the entry
    before and after, and to the audit log as ``who`` (from where) when given; saving the
    same text again records nothing.
    """
    topic = topic.strip().lower()
    if not _TOPIC.match(topic):
        raise InvalidInput("bad_topic", "topic: 2-64 of a-z, 0-9, _",
                           "トピック名は英小文字・数字・_ の2〜64文字です")
    qja, qen = _clean_lines(questions_ja), _clean_lines(questions_en)
    if not qja and not qen:
        raise InvalidInput("no_questions", "give at least one question variant",
                           "質問の言い方を1つ以上入力してください")
    if not answer_ja.strip() or not answer_en.strip():
        raise InvalidInput("no_answer", "give the answer in Japanese and in English",
                           "回答を日本語と英語の両方で入力してください")
    ensure_defaults(db=db, site=site)
    row = db.scalar(select(FaqEntry).where(FaqEntry.site == site, FaqEntry.topic == topic))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = FaqEntry(site=site, topic=topic)
        db.add(row)
    row.questions_ja, row.questions_en = qja, qen
    row.answer_ja, row.answer_en = answer_ja.strip()[:2000], answer_en.strip()[:2000]
    row.active = active
    after = snapshot(row)
    if after != before:
        row.updated_at = utcnow()
        _record(db, site=site, topic=topic, action="updated" if before else "created", by=by,
                who=who, before=before, after=after)
    db.flush()  # callers drop the site's compiled matcher (MatcherCache.forget)
    return row


def delete_entry(*, db: Session, site: str, topic: str, by: User | None = None,
                 who: audit.Actor | None = None) -> None:
    """Remove a topic (kept in its history); NotFound when there is none."""
    row = db.scalar(select(FaqEntry).where(FaqEntry.site == site, FaqEntry.topic == topic))
    if row is None:
        raise NotFound("no_topic", "no such FAQ topic", "そのFAQはありません")
    _record(db, site=site, topic=topic, action="deleted", by=by, who=who,
            before=snapshot(row), after=None)
    db.delete(row)
    db.flush()


def history(*, db: Session, site: str, topic: str | None = None,
            limit: int = 100) -> list[FaqChange]:
    """The site's FAQ changes (of one topic), newest first."""
    query = select(FaqChange).where(FaqChange.site == site)
    if topic is not None:
        query = query.where(FaqChange.topic == topic)
    return list(db.scalars(query.order_by(FaqChange.created_at.desc(), FaqChange.id.desc())
                           .limit(limit)))


def changed_fields(change: FaqChange) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` for each field an edit changed (every field of a create or
    delete)."""
    before, after = change.before or {}, change.after or {}
    return [(f, before.get(f), after.get(f)) for f in FIELDS if before.get(f) != after.get(f)]


class MatcherCache:
    """One compiled matcher per site, rebuilt after an edit."""

    def __init__(self) -> None:
        self._by_site: dict[str, FaqMatcher] = {}
        self._lock = threading.Lock()

    def get(self, *, db: Session, site: str, threshold: float = THRESHOLD) -> FaqMatcher:
        """The site's matcher (built from the database on first use)."""
        with self._lock:
            found = self._by_site.get(site)
        if found is not None and found.threshold == threshold:
            return found
        items = [FaqItem(e.topic, (*e.questions_ja, *e.questions_en), e.answer_ja, e.answer_en)
                 for e in list_entries(db=db, site=site) if e.active]
        matcher = FaqMatcher(items, threshold=threshold)
        with self._lock:
            self._by_site[site] = matcher
        return matcher

    def forget(self, site: str) -> None:
        """Drop a site's matcher so the next question sees the edited FAQ."""
        with self._lock:
            self._by_site.pop(site, None)


"""The audit log.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.posts import PostKind
from bot.storage.models import AuditEntry, Post, utcnow


def audit(
    session: Session,
    *,
    actor: int | None,
    action: str,
    post_id: int | None = None,
    before: str | None = None,
    after: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record a change; ``at``: the instant the action ran at (default: now)."""
    session.add(
        AuditEntry(
            at=at if at is not None else utcnow(),
            actor=actor,
            action=action,
            post_id=post_id,
            before=before,
            after=after,
            detail=detail[:500] if detail else None,
        )
    )
    session.flush()


def audit_entries(
    session: Session,
    *,
    post_id: int | None,
    actor: int | None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    """The newest ``limit`` entries that match, oldest first: a long log shows its latest
    changes, never its first ones."""
    query = select(AuditEntry)
    if post_id is not None:
        query = query.where(AuditEntry.post_id == post_id)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    newest = session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all()
    return list(reversed(newest))


def author_of(session: Session, *, post_id: int) -> int | None:
    """Who wrote a post queued by hand (its ``queue`` entry's actor); None: the CLI, or
    not a post written by hand."""
    query = select(AuditEntry).where(AuditEntry.post_id == post_id, AuditEntry.action == "queue")
    entry = session.exec(query.order_by(col(AuditEntry.id)).limit(1)).first()
    return entry.actor if entry is not None else None


def rejections_between(
    session: Session, *, since: datetime, until: datetime
) -> list[tuple[str | None, str | None, PostKind, datetime]]:
    """(unit, audience, kind, when) of every rejection in [since, until), from the audit
    log: whose news it was and whose channels it was for."""
    query = (
        select(Post.unit, Post.audience, Post.kind, AuditEntry.at)
        .join(Post, col(Post.id) == col(AuditEntry.post_id))
        .where(
            AuditEntry.action == "reject",
            col(AuditEntry.at) >= since,
            col(AuditEntry.at) < until,
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return [(unit, to, PostKind(kind), at) for unit, to, kind, at in session.exec(query).all()]


def pause_log(session: Session) -> list[AuditEntry]:
    """Every pause and resume in the audit log (the channel is the detail), oldest first."""
    query = select(AuditEntry).where(col(AuditEntry.action).in_(["pause", "resume"]))
    return list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))).all())

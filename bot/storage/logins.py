"""One-time dashboard login links: stored by digest, used at most once, within their time."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, update

from bot.storage.models import LoginLink


def add_login_link(session: Session, *, digest: str, user_id: int, expires_at: datetime) -> None:
    session.add(LoginLink(digest=digest, user_id=user_id, expires_at=expires_at))
    session.flush()


def use_login_link(session: Session, *, digest: str, now: datetime) -> int | None:
    """The user the link logs in, marking it used; None when it is unknown, used or expired.
    One UPDATE decides, so two requests racing with one link cannot both win."""
    result = session.exec(
        update(LoginLink)
        .where(
            col(LoginLink.digest) == digest,
            col(LoginLink.used_at).is_(None),
            col(LoginLink.expires_at) > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:
        return None
    found = session.get(LoginLink, digest)
    return found.user_id if found is not None else None

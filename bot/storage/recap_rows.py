"""Recap rows: stored recaps, their photos, and which are still unused for a kind.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.domain import duplicates, tone
from bot.domain.errors import N_, NotFoundError
from bot.domain.posts import FEATURING, PostKind
from bot.storage.models import Post, Recap, RecapPhoto


def add_recap(
    session: Session,
    *,
    title: str,
    text: str,
    source_url: str | None,
    source_name: str | None,
    cleaned: str = "",
    format: str = "text",
    original: bytes | None = None,
    submitted_by: int | None = None,
    unit: str | None = None,
    judgement: tone.Judgement | None = None,
    content_hash: str | None = None,
    duplicate_of: int | None = None,
) -> Recap:
    recap = Recap(
        submitted_by=submitted_by,
        unit=unit,
        content_hash=content_hash,
        duplicate_of=duplicate_of,
        title=title,
        text=text,
        cleaned=cleaned,
        format=format,
        original=original,
        source_url=source_url,
        source_name=source_name,
    )
    if judgement is not None:
        recap.tone = judgement.tone.value
        recap.tone_reasons = "\n".join(judgement.reasons)
        recap.tone_mixed = judgement.mixed
    session.add(recap)
    session.flush()
    return recap


#: How far back a new recap is compared with stored ones, at most: a story told again after
#: half a year is news again (a yearly event), and the comparison stays cheap.
DUPLICATE_LOOKBACK = timedelta(days=180)
DUPLICATE_MAX_COMPARED = 2000


def repeated_recap(
    session: Session, *, title: str, cleaned: str, now: datetime
) -> duplicates.Match | None:
    """The stored recap this one repeats (identical by hash, any age; near: recent ones)."""
    candidate = duplicates.fingerprint(title, cleaned)
    same = session.exec(
        select(Recap.id).where(Recap.content_hash == candidate.digest).order_by(col(Recap.id))
    ).first()
    if same is not None:
        return duplicates.Match(same, duplicates.Kind.IDENTICAL, 1.0)
    recent = session.exec(
        select(Recap.id, Recap.title, Recap.cleaned)
        .where(col(Recap.created_at) >= now - DUPLICATE_LOOKBACK)
        .order_by(col(Recap.id).desc())
        .limit(DUPLICATE_MAX_COMPARED)
    ).all()
    stored = (
        (recap_id, duplicates.fingerprint(other_title, other_text))
        for recap_id, other_title, other_text in recent
        if recap_id is not None
    )
    return duplicates.find(candidate, stored)


def add_recap_photo(
    session: Session,
    *,
    recap_id: int,
    position: int,
    mime: str,
    sha256: str | None,
    path: str | None,
    url: str | None,
) -> RecapPhoto:
    photo = RecapPhoto(
        recap_id=recap_id, position=position, mime=mime, sha256=sha256, path=path, url=url
    )
    session.add(photo)
    session.flush()
    return photo


def recap_photos(session: Session, *, recap_id: int) -> list[RecapPhoto]:
    """A recap's photos in their order in the recap."""
    query = (
        select(RecapPhoto).where(RecapPhoto.recap_id == recap_id).order_by(col(RecapPhoto.position))
    )
    return list(session.exec(query).all())


def get_recap(session: Session, *, recap_id: int) -> Recap:
    recap = session.get(Recap, recap_id)
    if recap is None:
        raise NotFoundError(N_("no recap with id {recap_id}"), recap_id=recap_id)
    return recap


def _drafted_from(kind: PostKind, audience: str | None) -> SelectOfScalar[Any]:
    """The recaps a post of ``kind`` for ``audience`` was drafted from."""
    same_audience = col(Post.audience).is_(None) if audience is None else Post.audience == audience
    return select(Post.recap_id).where(
        Post.kind == kind, col(Post.recap_id).is_not(None), same_audience
    )


def _unused(
    kind: PostKind, audience: str | None, unit: str | Literal["any"] | None
) -> SelectOfScalar[Recap]:
    """Recaps no post of ``kind`` for ``audience`` was drafted from (of ``unit`` unless any)."""
    query = select(Recap).where(*_unused_where(kind, audience))
    if unit != "any":
        query = query.where(col(Recap.unit).is_(None) if unit is None else Recap.unit == unit)
    return query.order_by(col(Recap.created_at).desc(), col(Recap.id).desc())


def _unused_where(kind: PostKind, audience: str | None) -> list[Any]:
    """The conditions of an unused recap.

    Never offered for drafting without a person asking: a negative recap (bad news is not
    today's good news), and a near-duplicate of a recap whose story that audience already got.
    """
    used = _drafted_from(kind, audience)
    return [
        col(Recap.id).not_in(used),
        or_(col(Recap.tone).is_(None), col(Recap.tone) != tone.Tone.NEGATIVE.value),
        or_(col(Recap.duplicate_of).is_(None), col(Recap.duplicate_of).not_in(used)),
    ]


def newest_unused_recap(
    session: Session,
    *,
    kind: PostKind,
    audience: str | None = None,
    unit: str | Literal["any"] | None = "any",
) -> Recap | None:
    """The freshest recap that no post of ``kind`` for ``audience`` was drafted from yet."""
    return session.exec(_unused(kind, audience, unit)).first()


def unused_recaps(
    session: Session,
    *,
    kind: PostKind,
    since: datetime,
    audience: str | None = None,
    unit: str | Literal["any"] | None = "any",
) -> list[Recap]:
    """Recaps stored since ``since`` that no post of ``kind`` for ``audience`` was drafted
    from, newest first."""
    query = _unused(kind, audience, unit).where(col(Recap.created_at) >= since)
    return list(session.exec(query).all())


def newest_unused_per_unit(
    session: Session, *, kind: PostKind, audience: str | None = None
) -> list[Recap]:
    """The newest recap of each unit (and of the organisation's own) that no post of
    ``kind`` for ``audience`` was drafted from yet: one query per unit that has one."""
    waiting = select(Recap.unit).where(col(Recap.id).not_in(_drafted_from(kind, audience)))
    units = session.exec(waiting.distinct()).all()
    found = (session.exec(_unused(kind, audience, unit)).first() for unit in units)
    return [recap for recap in found if recap is not None]


def waiting_per_unit(
    session: Session, *, kind: PostKind, audience: str | None = None
) -> dict[str | None, int]:
    """How many recaps of each unit no post of ``kind`` for ``audience`` was drafted from:
    what the rotation could still feature (the same recaps :func:`newest_unused_per_unit`
    draws from)."""
    query = (
        select(Recap.unit, func.count())
        .where(*_unused_where(kind, audience))
        .group_by(col(Recap.unit))
    )
    return dict(session.exec(query).all())


def last_featured(session: Session, *, kind: PostKind) -> dict[str | None, datetime]:
    """Each unit's latest slot among the approved posts of ``kind`` for the organisation's
    channels (key None: the organisation's own news). Units never featured are absent."""
    query = (
        select(Post.unit, func.max(Post.slot))
        .where(
            Post.kind == kind,
            col(Post.audience).is_(None),
            col(Post.status).in_(FEATURING),
            col(Post.slot).is_not(None),
        )
        .group_by(col(Post.unit))
    )
    return {unit: at for unit, at in session.exec(query).all() if at is not None}


def recap_used_for(
    session: Session, *, recap_id: int, kind: PostKind, audience: str | None = None
) -> bool:
    query = _drafted_from(kind, audience).where(Post.recap_id == recap_id)
    return session.exec(query.limit(1)).first() is not None


def recaps_newest_first(session: Session, *, limit: int | None = None) -> list[Recap]:
    return list(session.exec(select(Recap).order_by(col(Recap.id).desc()).limit(limit)).all())


def posts_from_recaps(
    session: Session, *, recap_ids: list[int] | None = None
) -> dict[int, list[Post]]:
    """Every post drafted from a recap (from these, if given), by recap id, oldest first."""
    result: dict[int, list[Post]] = {}
    query = select(Post).where(col(Post.recap_id).is_not(None)).order_by(col(Post.id))
    if recap_ids is not None:
        query = query.where(col(Post.recap_id).in_(recap_ids))
    for post in session.exec(query).all():
        assert post.recap_id is not None
        result.setdefault(post.recap_id, []).append(post)
    return result


def recap_photo_counts(session: Session) -> dict[int, int]:
    query = select(RecapPhoto.recap_id, func.count()).group_by(col(RecapPhoto.recap_id))
    return dict(session.exec(query).all())


def delete_recap(session: Session, *, recap_id: int) -> None:
    """Delete a recap and its photos' rows; the posts drafted from it and the recaps that
    repeat it lose the link (see :func:`bot.services.intake.delete_recap` for when)."""
    recap = get_recap(session, recap_id=recap_id)
    posts = session.exec(select(Post).where(Post.recap_id == recap_id)).all()
    for post in posts:
        post.recap_id = None
        session.add(post)
    for photo in recap_photos(session, recap_id=recap_id):
        session.delete(photo)
    copies = session.exec(select(Recap).where(Recap.duplicate_of == recap_id)).all()
    for copy in copies:
        copy.duplicate_of = None
        session.add(copy)
    session.flush()
    session.delete(recap)
    session.flush()

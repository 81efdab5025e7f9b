"""Posts written by a person: queued by hand, sent now, swapped, and the reserve pool
that fills a slot that would otherwise go empty."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot import ingest
from bot.config import Config
from bot.domain.errors import N_, InvalidStateError, RecapError
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.domain.slots import slots_after
from bot.services import events
from bot.services.decisions import approve
from bot.services.post_rules import check_fits, refused, state_of, store_photos, target_channels
from bot.services.views import PostView
from bot.storage import audit_rows, post_rows, publication_rows


def queue_post(
    session: Session,
    config: Config,
    *,
    text: str,
    kind: PostKind,
    at: datetime | None,
    channels: list[str],
    approved: bool,
    reserve: bool,
    now: datetime,
    by: int | None = None,
    photos: Sequence[ingest.Image] = (),
    unit: str | None = None,
) -> PostView:
    """Queue a post written by a person (no drafting): first line title, the rest body.

    ``unit``: a member unit's news, for its channels; a post queued for channels belongs to
    their unit when they all have one.

    ``at`` pins it to an instant (it takes no cadence slot); ``approved`` schedules it at
    once; ``reserve`` keeps it, approved, to fill a slot that would otherwise go empty.
    ``photos`` (checked by :func:`bot.ingest.read_photo`) go out with it, in order; their
    files are written to ``media_dir`` only once everything else has been checked.
    """
    text = unicodedata.normalize("NFC", text).strip()
    title, _, body = text.partition("\n")
    title, body = title.strip(), body.strip()
    if not title:
        raise RecapError(N_("the post has no text"))
    if not body:
        body, title = title, title[:80]
    for name in channels:
        config.channel(name)  # raises for an unknown name
    if at is not None and at <= now:
        raise InvalidStateError(N_("--at {at} is in the past"), at=at.isoformat())
    if reserve and at is not None:
        raise InvalidStateError("a reserve post has no date; give --at or --reserve, not both")
    if unit is not None:
        config.unit(unit)  # raises for an unknown id
    owners = {config.audience_of_channel(name) for name in channels}
    audience = unit if not channels else (owners.pop() if len(owners) == 1 else None)
    settings = config.settings.drafting
    post = post_rows.add_post(
        session,
        kind=kind,
        title=title,
        body=body,
        link=None,
        hashtags=settings.hashtags_for(kind),
        recap_id=None,
        unit=unit or audience,
        audience=audience,
    )
    check_fits(post)
    assert post.id is not None
    store_photos(session, config, post_id=post.id, photos=photos)
    post.channels = " ".join(dict.fromkeys(channels)) or None
    post.pinned_at = at
    post.reserve = reserve
    session.add(post)
    session.flush()
    audit_rows.audit(
        session,
        actor=by,
        action="queue",
        post_id=post.id,
        after="pending",
        detail=(
            f"{kind.value}; at={at.isoformat() if at else '-'}; reserve={reserve}"
            + (f"; photos={len(photos)}" if photos else "")
        ),
    )
    if reserve:
        post.status, post.decided_by, post.decided_at = PostStatus.SCHEDULED, by, now
        session.add(post)
        session.flush()
    elif approved:
        approve(session, config, post_id=post.id, by=by, now=now)
    return PostView.of(post)


def post_now(session: Session, config: Config, *, post_id: int, now: datetime) -> PostView:
    """Send a scheduled post at the next pass instead of at its slot (its slots are freed)."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.SCHEDULED or post.reserve:
        only = N_("post {post_id} is {status}; only a scheduled post can go now")
        raise refused(post, only, state_of(post))
    for publication in publication_rows.publications(session, post_id=post_id):
        if publication.status is PublicationStatus.SCHEDULED:
            publication.due_at, publication.pinned = now, True
            session.add(publication)
    session.flush()
    audit_rows.audit(session, actor=None, action="post-now", post_id=post_id, after=now.isoformat())
    refreshed = post_rows.refresh_post(session, post_id=post_id)
    events.copies_show_new_slot(session, post_id=post_id)
    return PostView.of(refreshed)


def swap_with_next(session: Session, config: Config, *, post_id: int) -> PostView:
    """Exchange slots with the next scheduled post of the same kind on the same channels."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    mine = {
        p.channel: p
        for p in publication_rows.publications(session, post_id=post_id)
        if p.status is PublicationStatus.SCHEDULED and not p.pinned
    }
    if post.status is not PostStatus.SCHEDULED or not mine:
        raise refused(
            post, N_("post {post_id} is {status}; it has no slot to swap"), state_of(post)
        )
    other = publication_rows.next_in_line(
        session, post_id=post_id, kind=post.kind, channels=list(mine)
    )
    if other is None:
        raise InvalidStateError(
            N_("post {post_id} is the last scheduled {kind} post"),
            post_id=post_id,
            kind=post.kind.value,
        )
    theirs = {
        p.channel: p
        for p in publication_rows.publications(session, post_id=other)
        if p.status is PublicationStatus.SCHEDULED and not p.pinned
    }
    shared = sorted(set(mine) & set(theirs))
    # Park one side first: the unique slot index would refuse the half-swapped state.
    for name in shared:
        mine[name].pinned = True
        session.add(mine[name])
    session.flush()
    for name in shared:
        a, b = mine[name], theirs[name]
        a.due_at, b.due_at = b.due_at, a.due_at
        session.add(b)
        session.flush()
        a.pinned = False
        session.add(a)
    session.flush()
    post_rows.refresh_post(session, post_id=other)
    audit_rows.audit(
        session, actor=None, action="swap", post_id=post_id, detail=f"with post {other}"
    )
    refreshed = post_rows.refresh_post(session, post_id=post_id)
    for moved in (post_id, other):
        events.copies_show_new_slot(session, post_id=moved)
    return PostView.of(refreshed)


def fill_from_reserve(session: Session, config: Config, *, now: datetime) -> list[tuple[int, str]]:
    """A slot that came up empty (within the catch-up grace) takes the oldest reserve post
    of its kind meant for that channel. Returns (post id, channel) for each slot filled."""
    filled: list[tuple[int, str]] = []
    if not post_rows.has_reserve(session):  # the common case, one indexed query for any number
        return filled  # of channels
    for channel in config.channels:
        for kind in PostKind:
            slot = _current_slot(config, channel.name, kind, now)
            if slot is None or publication_rows.slot_is_held(
                session, channel=channel.name, kind=kind, at=slot
            ):
                continue
            if config.settings.cadence.unanswered == "skip" and _awaits_answer(
                session, config, kind, channel.name, slot
            ):
                continue
            post = post_rows.oldest_reserve(session, kind=kind, channel=channel.name)
            if post is None or post.id is None:
                continue
            publication_rows.schedule_publication(
                session,
                post_id=post.id,
                channel=channel.name,
                kind=kind,
                due_at=slot,
                pinned=False,
            )
            if all(
                any(p.channel == c for p in publication_rows.publications(session, post_id=post.id))
                for c in target_channels(config, post)
            ):
                post.reserve = False  # used everywhere it was meant for
            session.add(post)
            session.flush()
            post_rows.refresh_post(session, post_id=post.id)
            filled.append((post.id, channel.name))
    return filled


def _awaits_answer(
    session: Session, config: Config, kind: PostKind, channel: str, slot: datetime
) -> bool:
    """Whether a draft meant for this slot is still waiting for the admins."""
    return any(
        post.created_at <= slot and channel in target_channels(config, post)
        for post in post_rows.pending_posts(session, kind=kind)
    )


def _current_slot(config: Config, channel: str, kind: PostKind, now: datetime) -> datetime | None:
    """The slot of ``kind`` that began at most ``catch_up_grace`` ago, if any."""
    cadence = config.cadence_for(channel)
    latest = None
    for slot in slots_after(kind, cadence, now - config.catch_up_grace):
        if slot > now:
            break
        latest = slot
    return latest

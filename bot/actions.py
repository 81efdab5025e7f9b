"""What people do with goodnews, in one place for the CLI and the chat handlers alike.

Each action takes an open session (the caller owns the transaction) and the config, calls
the domain for the decisions and the repository for the rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import ingest
from bot.config import Config
from bot.domain import drafting, ranking, recaps, rotation
from bot.domain.errors import N_, InvalidStateError, NotFoundError, RecapError
from bot.domain.posts import (
    APPROVABLE,
    OPEN_STATUSES,
    REJECTABLE,
    PostKind,
    PostStatus,
    PublicationStatus,
)
from bot.domain.slots import next_free_slot, slots_after
from bot.storage import repo
from bot.storage.media import save_photo
from bot.storage.models import Post, Publication, Recap

#: A title longer than this is not a title but a paragraph pasted on the first line.
MAX_TITLE_CHARS = 300


ROLES = ("admin", "officer")


def roles_of(session: Session, config: Config, user_id: int) -> set[str]:
    """A Telegram user's roles: from config (owners are admins too) and granted in chat."""
    telegram = config.settings.telegram
    roles = repo.grants_of(session, user_id=user_id)
    if user_id in telegram.owners:
        roles |= {"owner", "admin"}
    if user_id in telegram.admins:
        roles.add("admin")
    if user_id in telegram.officers or config.unit_of_officer(user_id) is not None:
        roles.add("officer")
    return roles


def people_with(session: Session, config: Config, role: str) -> list[int]:
    """Everyone holding ``role`` (in config or granted), in a stable order."""
    telegram = config.settings.telegram
    configured = {
        "admin": [*telegram.owners, *telegram.admins],
        "officer": [*telegram.officers, *(o for u in config.units for o in u.officers)],
    }[role]
    return list(dict.fromkeys([*configured, *repo.granted(session, role=role)]))


def change_role(
    session: Session, config: Config, *, owner: int, user_id: int, role: str, give: bool
) -> bool:
    """An owner grants or revokes a role; False when nothing changed."""
    if "owner" not in roles_of(session, config, owner):
        raise InvalidStateError(N_("only an owner (telegram.owners) can change roles"))
    if role not in ROLES:
        raise InvalidStateError(
            N_("unknown role {role!r}; roles: {roles}"), role=role, roles=", ".join(ROLES)
        )
    changed = (
        repo.grant(session, user_id=user_id, role=role, by=owner)
        if give
        else repo.revoke(session, user_id=user_id, role=role)
    )
    if changed:
        repo.audit(
            session,
            actor=owner,
            action="grant" if give else "revoke",
            detail=f"{role} for {user_id}",
        )
    return changed


def followed_units(session: Session, config: Config, *, chat_id: int) -> set[str] | None:
    """The units whose news a follower gets (the organisation's own always come); None: not
    a follower."""
    found = repo.follower(session, chat_id=chat_id)
    if found is None:
        return None
    chosen = repo.units_of(found)
    ids = {unit.id for unit in config.units}
    return ids if chosen is None else ids & set(chosen)


def follow_unit(
    session: Session, config: Config, *, chat_id: int, unit: str | None
) -> set[str] | None:
    """A follower switches one unit's news on or off (``unit`` None: every unit's again).
    Returns the units they now get; None when they are not a follower (nothing changes)."""
    followed = followed_units(session, config, chat_id=chat_id)
    if followed is None:
        return None
    ids = [u.id for u in config.units]
    if unit is None:
        followed = set(ids)
    else:
        followed ^= {config.unit(unit).id}  # raises for an unknown id
    everything = followed >= set(ids)
    repo.set_followed_units(
        session, chat_id=chat_id, units=None if everything else [i for i in ids if i in followed]
    )
    return followed


@dataclass(frozen=True)
class Decision:
    """The outcome of approve/reject: the post as it is now, and whether this call changed it."""

    post: Post
    changed: bool


def store_recap(
    session: Session,
    *,
    data: bytes,
    source: str,
    title: str | None,
    url: str | None,
    filename: str | None = None,
    media_dir: Path | None = None,
    submitted_by: int | None = None,
    photos: Sequence[ingest.Image] = (),
    unit: str | None = None,
) -> Recap:
    """Read, validate and store a recap with its photos; nothing is written when it is unusable.

    Text, Markdown, saved news pages (HTML) and Word documents are read; the original bytes
    are kept beside the text that was read and the cleaned paragraphs.
    """
    if url is not None and not url.startswith(("http://", "https://")):
        raise RecapError(f"--url must start with http:// or https://, got {url!r}")
    extracted = ingest.extract(data, source=source, filename=filename)
    title, body = _title_and_body(extracted.text, title, source)
    cleaned = recaps.clean_body(body, title=title)
    if not cleaned:
        raise RecapError(
            f"{source}: nothing is left once captions, bylines and footers are removed"
        )
    recap = repo.add_recap(
        session,
        title=title,
        text=body,
        cleaned="\n\n".join(cleaned),
        format=extracted.format,
        original=data,
        source_url=url or extracted.url,
        source_name=source,
        submitted_by=submitted_by,
        unit=unit,
    )
    assert recap.id is not None
    for position, image in enumerate([*extracted.images, *photos], start=1):
        path = None
        if image.data and media_dir is not None:
            path = save_photo(media_dir, image)
        elif not image.url:
            continue  # an embedded photo with nowhere to keep it
        repo.add_recap_photo(
            session,
            recap_id=recap.id,
            position=position,
            mime=image.mime,
            sha256=image.sha256 if image.data else None,
            path=path,
            url=image.url,
        )
    return recap


def _title_and_body(text: str, title: str | None, source: str) -> tuple[str, str]:
    """The given title, or the first line; a title that is really a paragraph is refused."""
    if title is None:
        title, body = recaps.split_title(text)
    else:
        title, body = title.strip(), text
    if not title:
        raise RecapError(N_("{source}: the recap has no title line; pass --title"), source=source)
    if len(title) > MAX_TITLE_CHARS:
        raise RecapError(
            f"{source}: the first line is {len(title)} characters, too long for a title; "
            "put the title on its own first line or pass --title"
        )
    if not body.strip():
        raise RecapError(N_("{source}: the recap has a title but no text"), source=source)
    return title, body


def draft(
    session: Session,
    config: Config,
    *,
    kind: PostKind,
    recap_id: int | None,
    now: datetime | None = None,
    unit: str | None = None,
) -> Post:
    """Draft a pending post of ``kind`` from a recap not yet used for that kind there.

    ``unit``: for that member unit's channels, from its own recaps; None: for the
    organisation's channels (every channel in a config without units), from any recap.
    Without ``recap_id``: the daily post takes the newest unused recap; the weekly story
    takes, among the week's unused recaps, the one with the most human-centred passages
    (named people, their words, concrete deeds), the newest on a tie. For the organisation
    in a config with units, the fair rotation chooses the unit first
    (:mod:`bot.domain.rotation`) and the post keeps its reason for the admins.
    """
    if unit is not None and not config.channels_of(config.unit(unit).id):
        raise InvalidStateError(
            N_("unit {unit} has no channels of its own; draft for the organisation"), unit=unit
        )
    reason: rotation.Reason | None = None
    if recap_id is None:
        recap, reason = _pick_recap(session, config, kind=kind, unit=unit, now=now)
        if recap is None:
            raise NotFoundError(
                f"no recap left that has not been drafted as {kind.value}; "
                "add one with `goodnews recap add`"
            )
    else:
        recap = repo.get_recap(session, recap_id=recap_id)
        if unit is not None and recap.unit != unit:
            raise InvalidStateError(f"recap {recap_id} is not unit {unit}'s news")
        if repo.recap_used_for(session, recap_id=recap_id, kind=kind, audience=unit):
            raise InvalidStateError(f"recap {recap_id} was already drafted as a {kind.value} post")
    settings = config.settings.drafting
    result = drafting.draft_post(
        kind=kind,
        title=recap.title,
        text=recap.text,
        link=recap.source_url,
        hashtags=settings.hashtags_for(kind),
        max_chars=settings.max_chars_for(kind),
    )
    post = repo.add_post(
        session,
        kind=kind,
        title=result.title,
        body=result.body,
        link=result.link,
        hashtags=result.hashtags,
        recap_id=recap.id,
        unit=recap.unit,
        audience=unit,
    )
    if reason is not None:
        post.rotation_waiting, post.rotation_last_featured = reason.waiting, reason.last_featured
        session.add(post)
        session.flush()
    assert post.id is not None and recap.id is not None
    _photos_from_recap(session, post_id=post.id, recap_id=recap.id)
    return post


def _pick_recap(
    session: Session, config: Config, *, kind: PostKind, unit: str | None, now: datetime | None
) -> tuple[Recap | None, rotation.Reason | None]:
    """The recap to draft from: a unit's own, or for the organisation any unit's; in a
    config with units, the organisation's is chosen by the fair rotation (with its reason).
    """
    if unit is None and config.units:
        return _rotate(session, kind=kind, now=now)
    whose: str | Literal["any"] | None = unit if unit is not None else "any"
    if kind is PostKind.WEEKLY:
        since = (now or datetime.now(UTC)) - timedelta(days=7)
        candidates = repo.unused_recaps(session, kind=kind, since=since, audience=unit, unit=whose)
        if candidates:
            # max() keeps the first of equals, and candidates come newest first.
            return max(candidates, key=_story_potential), None
    return repo.newest_unused_recap(session, kind=kind, audience=unit, unit=whose), None


def _rotate(
    session: Session, *, kind: PostKind, now: datetime | None
) -> tuple[Recap | None, rotation.Reason | None]:
    """The organisation's recap by the fair rotation (see :mod:`bot.domain.rotation`): the
    weekly story from the week's recaps (else the newest of each unit), the daily post from
    the newest unused recap of each unit."""
    recaps: list[Recap] = []
    if kind is PostKind.WEEKLY:
        since = (now or datetime.now(UTC)) - timedelta(days=7)
        recaps = repo.unused_recaps(session, kind=kind, since=since, audience=None, unit="any")
    recaps = recaps or repo.newest_unused_per_unit(session, kind=kind, audience=None)
    weekly = kind is PostKind.WEEKLY
    candidates = [
        rotation.Candidate(
            recap_id=r.id,
            unit=r.unit,
            created_at=r.created_at,
            score=_story_potential(r) if weekly else 0.0,
        )
        for r in recaps
        if r.id is not None
    ]
    featured = repo.last_featured(session, kind=kind)
    pick = rotation.pick_weekly if weekly else rotation.pick_daily
    choice = pick(candidates, featured)
    if choice is None:
        return None, None
    chosen = next(r for r in recaps if r.id == choice.recap_id)
    return chosen, choice.reason


def _story_potential(recap: Recap) -> float:
    return ranking.story_potential(recap.cleaned.split("\n\n"))


def _photos_from_recap(session: Session, *, post_id: int, recap_id: int) -> None:
    """The post takes its recap's stored photos, in order. Photos known only by a URL and
    types the platforms do not take as photos (a GIF) stay with the recap: publishing
    uploads local files."""
    kept = [
        photo
        for photo in repo.recap_photos(session, recap_id=recap_id)
        if photo.path and photo.sha256 and photo.mime in ingest.PHOTO_TYPES
    ]
    for position, photo in enumerate(kept, start=1):
        assert photo.path is not None and photo.sha256 is not None
        repo.add_post_photo(
            session,
            post_id=post_id,
            position=position,
            mime=photo.mime,
            sha256=photo.sha256,
            path=photo.path,
        )


def as_draft(post: Post) -> drafting.Draft:
    """The domain view of a stored post, which the renderers and publishers take."""
    return drafting.Draft(
        kind=post.kind,
        title=post.title,
        body=post.body,
        link=post.link,
        hashtags=tuple(post.hashtags.split()),
    )


def target_channels(config: Config, post: Post) -> list[str]:
    """The channels a post goes to: those it was queued for, else its audience's (a unit's
    channels, or the organisation's: every channel in a config without units)."""
    if post.channels:
        return post.channels.split()
    return [channel.name for channel in config.channels_of(post.audience)]


def free_slots(
    session: Session, config: Config, *, post: Post, now: datetime, count: int
) -> list[datetime]:
    """The next ``count`` free slots of the post's kind on its first channel."""
    assert post.id is not None
    channels = target_channels(config, post)
    name = channels[0] if channels else None
    taken = (
        repo.taken_slots(session, channel=name, kind=post.kind, exclude_post_id=post.id)
        if name
        else []
    )
    cadence = config.cadence_for(name)
    found: list[datetime] = []
    for slot in slots_after(post.kind, cadence, now):
        if slot not in set(taken):
            found.append(slot)
        if len(found) == count:
            break
    return found


def _slot_on(
    session: Session,
    config: Config,
    post: Post,
    channel: str,
    now: datetime,
    *,
    wanted: datetime | None = None,
) -> datetime:
    """The post's time on ``channel``: its pinned instant, else ``wanted`` if that is a free
    slot there, else the next free slot (after ``wanted`` when one was asked for)."""
    assert post.id is not None
    if post.pinned_at is not None:
        return post.pinned_at
    taken = repo.taken_slots(session, channel=channel, kind=post.kind, exclude_post_id=post.id)
    after = now if wanted is None else max(now, wanted - timedelta(microseconds=1))
    return next_free_slot(post.kind, config.cadence_for(channel), after=after, taken=taken)


def proposed_slot(session: Session, config: Config, *, post: Post, now: datetime) -> datetime:
    """When the post would first go out if approved now: its own slot if it has one."""
    if post.slot is not None and post.status is PostStatus.SCHEDULED:
        return post.slot
    channels = target_channels(config, post)
    if not channels:
        return post.pinned_at or next_free_slot(post.kind, config.cadence, after=now, taken=())
    return min(_slot_on(session, config, post, channel, now) for channel in channels)


def approve(
    session: Session,
    config: Config,
    *,
    post_id: int,
    by: int | None,
    now: datetime,
    wanted: datetime | None = None,
) -> Decision:
    """Schedule a pending post on each of its channels, in the next free slot of its kind
    there (or at its pinned instant). Approving twice is harmless."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.SCHEDULED:
        return Decision(post, changed=False)
    if post.status not in APPROVABLE:
        raise _refused(post, N_("post {post_id} is {status}; it cannot be approved"))
    for _attempt in range(5):  # another worker may take the same slot at the same moment
        try:
            with session.begin_nested():
                dues = [
                    repo.schedule_publication(
                        session,
                        post_id=post_id,
                        channel=channel,
                        kind=post.kind,
                        due_at=_slot_on(session, config, post, channel, now, wanted=wanted),
                        pinned=post.pinned_at is not None,
                    ).due_at
                    for channel in target_channels(config, post)
                ]
                post.slot = min((d for d in dues if d is not None), default=post.pinned_at)
                post.status = PostStatus.SCHEDULED
                post.decided_by, post.decided_at, post.updated_at = by, now, now
                session.add(post)
        except IntegrityError:
            session.refresh(post)
            continue
        repo.audit(
            session,
            actor=by,
            action="approve",
            post_id=post_id,
            before="pending",
            after=f"scheduled {post.slot.isoformat() if post.slot else ''}",
        )
        return Decision(post, changed=True)
    raise InvalidStateError(
        N_("post {post_id}: could not find a free slot; try again"), post_id=post_id
    )


def reject(session: Session, *, post_id: int, by: int | None, now: datetime) -> Decision:
    """Mark a post rejected; its slots are freed. Rejecting twice is harmless."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.REJECTED:
        return Decision(post, changed=False)
    if post.status not in REJECTABLE:
        raise _refused(post, N_("post {post_id} is {status}; it cannot be rejected"))
    before = post.status.value
    repo.cancel_publications(session, post_id=post_id)
    post.status, post.slot = PostStatus.REJECTED, None
    post.decided_by, post.decided_at, post.updated_at = by, now, now
    session.add(post)
    session.flush()
    repo.audit(
        session,
        actor=by,
        action="reject",
        post_id=post_id,
        before=before,
        after="rejected",
        at=now,  # the compliance report dates the rejection by it
    )
    return Decision(post, changed=True)


@dataclass(frozen=True)
class Votes:
    """Where a draft stands toward the quorum; ``decision`` is set once it is approved."""

    names: list[str]
    needed: int
    decision: Decision | None
    #: Voters who are no longer admins: their votes are not counted (shown on the copies).
    uncounted: list[str] = field(default_factory=list)


def vote_to_approve(
    session: Session, config: Config, *, post_id: int, by: int, name: str, now: datetime
) -> Votes:
    """An admin approves in chat: the draft is scheduled once ``telegram.quorum`` admins have."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    needed = config.settings.telegram.quorum
    if post.status is PostStatus.PENDING:
        new = repo.add_vote(session, post_id=post_id, user_id=by, name=name)
        names, uncounted = admins_votes(session, config, post_id=post_id)
        if len(names) < needed:
            if new:
                repo.audit(
                    session,
                    actor=by,
                    action="vote",
                    post_id=post_id,
                    detail=f"{len(names)}/{needed}",
                )
            return Votes(names, needed, None, uncounted)
        decision = approve(session, config, post_id=post_id, by=by, now=now)
        return Votes(names, needed, decision, uncounted)
    names, uncounted = admins_votes(session, config, post_id=post_id)
    decision = approve(session, config, post_id=post_id, by=by, now=now)
    return Votes(names, needed, decision, uncounted)


def admins_votes(session: Session, config: Config, *, post_id: int) -> tuple[list[str], list[str]]:
    """The names of the voters who are admins now (their votes count toward the quorum), and
    of those who no longer are (an owner revoked them after they voted: not counted)."""
    admins = set(people_with(session, config, "admin"))
    cast = repo.votes(session, post_id=post_id)
    return [v.name for v in cast if v.user_id in admins], [
        v.name for v in cast if v.user_id not in admins
    ]


def approve_at(
    session: Session, config: Config, *, post_id: int, by: int, at: datetime, now: datetime
) -> Decision:
    """An admin picks the time: one of the free slots offered (the post takes it, or the
    next free one where a channel has it taken meanwhile), or now (pinned to this instant).
    Quorum does not apply: choosing the time is the decision."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.PENDING:
        raise _refused(post, N_("post {post_id} is {status}; it cannot be rescheduled"))
    if at <= now:  # "post now": an instant, not a slot
        post.pinned_at = now
        session.add(post)
        session.flush()
        return approve(session, config, post_id=post_id, by=by, now=now)
    return approve(session, config, post_id=post_id, by=by, now=now, wanted=at)


def edit_post(session: Session, *, post_id: int, by: int | None, text: str) -> Post:
    """An admin rewrites a pending draft: first line the title, the rest the body."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.PENDING:
        raise _refused(post, N_("post {post_id} is {status}; it cannot be edited"))
    title, _, body = unicodedata.normalize("NFC", text).strip().partition("\n")
    if not title.strip() or not body.strip():
        raise RecapError(N_("send the title on the first line and the text below it"))
    before = post.title
    post.title, post.body, post.updated_at = title.strip(), body.strip(), datetime.now(UTC)
    _check_fits(post)
    session.add(post)
    session.flush()
    repo.audit(
        session,
        actor=by,
        action="edit",
        post_id=post_id,
        before=before[:200],
        after=post.title[:200],
    )
    return post


def reject_reason(session: Session, *, post_id: int, by: int | None, reason: str) -> int | None:
    """Record why a post was rejected; the officer who sent its recap, to tell (or None)."""
    post = repo.get_post(session, post_id=post_id)
    if post.status is not PostStatus.REJECTED:
        raise _refused(post, N_("post {post_id} is {status}, not rejected"))
    repo.audit(session, actor=by, action="reject-reason", post_id=post_id, detail=reason)
    if post.recap_id is None:
        return None
    return repo.get_recap(session, recap_id=post.recap_id).submitted_by


def unapprove(session: Session, *, post_id: int, now: datetime, by: int | None = None) -> Decision:
    """A scheduled post back to pending; its slots are freed for others."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.PENDING:
        return Decision(post, changed=False)
    if post.status is not PostStatus.SCHEDULED:
        raise _refused(post, N_("post {post_id} is {status}; it cannot be unapproved"))
    repo.cancel_publications(session, post_id=post_id)
    post.status, post.slot, post.updated_at = PostStatus.PENDING, None, now
    session.add(post)
    session.flush()
    repo.audit(
        session, actor=by, action="unapprove", post_id=post_id, before="scheduled", after="pending"
    )
    return Decision(post, changed=True)


def set_paused(
    session: Session,
    config: Config,
    *,
    channel: str | None,
    paused: bool,
    by: int | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Pause or resume one channel (or all); the names whose state changed.

    The audit entry (the channel in its detail, at ``now``) is what the compliance report
    reads to tell a paused slot from an empty one.
    """
    names = [config.channel(channel).name] if channel else [c.name for c in config.channels]
    changed = [name for name in names if repo.set_paused(session, channel=name, paused=paused)]
    for name in changed:
        repo.audit(session, actor=by, action="pause" if paused else "resume", detail=name, at=now)
    return changed


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
) -> Post:
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
        raise InvalidStateError(f"--at {at.isoformat()} is in the past")
    if reserve and at is not None:
        raise InvalidStateError("a reserve post has no date; give --at or --reserve, not both")
    if unit is not None:
        config.unit(unit)  # raises for an unknown id
    owners = {config.audience_of_channel(name) for name in channels}
    audience = unit if not channels else (owners.pop() if len(owners) == 1 else None)
    settings = config.settings.drafting
    post = repo.add_post(
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
    _check_fits(post)
    assert post.id is not None
    for position, image in enumerate(photos, start=1):
        repo.add_post_photo(
            session,
            post_id=post.id,
            position=position,
            mime=image.mime,
            sha256=image.sha256,
            path=save_photo(config.media_dir, image),
        )
    post.channels = " ".join(dict.fromkeys(channels)) or None
    post.pinned_at = at
    post.reserve = reserve
    session.add(post)
    session.flush()
    repo.audit(
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
    return post


def _check_fits(post: Post) -> None:
    html = drafting.render_telegram_html(as_draft(post))
    if len(html) > drafting.TELEGRAM_TEXT_LIMIT:
        raise RecapError(
            f"the post is {len(html)} characters as Telegram HTML; the limit is "
            f"{drafting.TELEGRAM_TEXT_LIMIT}"
        )


def post_now(session: Session, config: Config, *, post_id: int, now: datetime) -> Post:
    """Send a scheduled post at the next pass instead of at its slot (its slots are freed)."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.SCHEDULED or post.reserve:
        raise InvalidStateError(
            f"post {post_id} is {_state(post)}; only a scheduled post can go now"
        )
    for publication in repo.publications(session, post_id=post_id):
        if publication.status is PublicationStatus.SCHEDULED:
            publication.due_at, publication.pinned = now, True
            session.add(publication)
    session.flush()
    repo.audit(session, actor=None, action="post-now", post_id=post_id, after=now.isoformat())
    return repo.refresh_post(session, post_id=post_id)


def swap_with_next(session: Session, config: Config, *, post_id: int) -> Post:
    """Exchange slots with the next scheduled post of the same kind on the same channels."""
    post = repo.get_post(session, post_id=post_id, for_update=True)
    mine = {
        p.channel: p
        for p in repo.publications(session, post_id=post_id)
        if p.status is PublicationStatus.SCHEDULED and not p.pinned
    }
    if post.status is not PostStatus.SCHEDULED or not mine:
        raise InvalidStateError(f"post {post_id} is {_state(post)}; it has no slot to swap")
    other = repo.next_in_line(session, post_id=post_id, kind=post.kind, channels=list(mine))
    if other is None:
        raise InvalidStateError(f"post {post_id} is the last scheduled {post.kind.value} post")
    theirs = {
        p.channel: p
        for p in repo.publications(session, post_id=other)
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
    repo.refresh_post(session, post_id=other)
    repo.audit(session, actor=None, action="swap", post_id=post_id, detail=f"with post {other}")
    return repo.refresh_post(session, post_id=post_id)


def _refused(post: Post, template: str) -> InvalidStateError:
    """The action does not fit the post's state; ``template`` names the action (a catalog
    entry with ``{post_id}`` and ``{status}``)."""
    return InvalidStateError(template, post_id=post.id, status=post.status.value)


def _refused_publication(publication: Publication, template: str) -> InvalidStateError:
    return InvalidStateError(
        template,
        post_id=publication.post_id,
        status=publication.status.value,
        channel=publication.channel,
    )


def _state(post: Post) -> str:
    return "in the reserve pool" if post.reserve else post.status.value


def fill_from_reserve(session: Session, config: Config, *, now: datetime) -> list[tuple[int, str]]:
    """A slot that came up empty (within the catch-up grace) takes the oldest reserve post
    of its kind meant for that channel. Returns (post id, channel) for each slot filled."""
    filled: list[tuple[int, str]] = []
    if not repo.has_reserve(session):  # the common case, one indexed query for any number
        return filled  # of channels
    for channel in config.channels:
        for kind in PostKind:
            slot = _current_slot(config, channel.name, kind, now)
            if slot is None or repo.slot_is_held(session, channel=channel.name, kind=kind, at=slot):
                continue
            if config.settings.cadence.unanswered == "skip" and _awaits_answer(
                session, config, kind, channel.name, slot
            ):
                continue
            post = repo.oldest_reserve(session, kind=kind, channel=channel.name)
            if post is None or post.id is None:
                continue
            repo.schedule_publication(
                session,
                post_id=post.id,
                channel=channel.name,
                kind=kind,
                due_at=slot,
                pinned=False,
            )
            if all(
                any(p.channel == c for p in repo.publications(session, post_id=post.id))
                for c in target_channels(config, post)
            ):
                post.reserve = False  # used everywhere it was meant for
            session.add(post)
            session.flush()
            repo.refresh_post(session, post_id=post.id)
            filled.append((post.id, channel.name))
    return filled


def _awaits_answer(
    session: Session, config: Config, kind: PostKind, channel: str, slot: datetime
) -> bool:
    """Whether a draft meant for this slot is still waiting for the admins."""
    return any(
        post.created_at <= slot and channel in target_channels(config, post)
        for post in repo.pending_posts(session, kind=kind)
    )


@dataclass(frozen=True)
class EmptySlot:
    channel: str
    kind: PostKind
    at: datetime


def empty_slots_tomorrow(session: Session, config: Config, *, now: datetime) -> list[EmptySlot]:
    """Tomorrow's cadence slots (local date) on channels not paused that no post holds."""
    tomorrow = (now.astimezone(config.tz) + timedelta(days=1)).date()
    paused = repo.paused_channels(session)
    empty = []
    for channel in config.channels:
        if channel.name in paused:
            continue
        for kind in PostKind:
            for slot in slots_after(kind, config.cadence_for(channel.name), now):
                day = slot.astimezone(config.tz).date()
                if day > tomorrow:
                    break
                if day == tomorrow and not repo.slot_is_held(
                    session, channel=channel.name, kind=kind, at=slot
                ):
                    empty.append(EmptySlot(channel.name, kind, slot))
    return empty


def _current_slot(config: Config, channel: str, kind: PostKind, now: datetime) -> datetime | None:
    """The slot of ``kind`` that began at most ``catch_up_grace`` ago, if any."""
    cadence = config.cadence_for(channel)
    latest = None
    for slot in slots_after(kind, cadence, now - config.catch_up_grace):
        if slot > now:
            break
        latest = slot
    return latest


@dataclass(frozen=True)
class BoardSlot:
    """One slot of the coming days on one channel, and the post holding it (if any)."""

    channel: str
    kind: PostKind
    at: datetime
    post_id: int | None
    title: str | None
    status: str | None


def slot_board(
    session: Session,
    config: Config,
    *,
    now: datetime,
    days: int,
    channels: Sequence[str] | None = None,
) -> list[BoardSlot]:
    """Every cadence slot of the next ``days`` days on every channel (or these), empty ones
    included, plus posts pinned to an instant in that window."""
    end = now + timedelta(days=days)
    paused = repo.paused_channels(session)
    board: list[BoardSlot] = []
    held = repo.held_slots(session, after=now, before=end)
    for channel in config.channels:
        for kind in PostKind:
            for slot in slots_after(kind, config.cadence_for(channel.name), now):
                if slot > end:
                    break
                post = held.pop((channel.name, kind, slot), None)
                status = "paused" if channel.name in paused else None
                board.append(
                    BoardSlot(
                        channel.name,
                        kind,
                        slot,
                        post.id if post else None,
                        post.title if post else None,
                        status,
                    )
                )
    for (name, kind, at), post in held.items():  # pinned posts and moved ones
        board.append(BoardSlot(name, kind, at, post.id, post.title, "pinned"))
    if channels is not None:
        board = [slot for slot in board if slot.channel in channels]
    return sorted(board, key=lambda s: (s.at, s.channel, s.kind.value))


@dataclass(frozen=True)
class Stats:
    published_week: int
    published_month: int
    kept_week: float | None  # % of the daily slots so far that went out; None: no slot yet
    kept_month: float | None


def stats(session: Session, config: Config, *, now: datetime) -> Stats:
    """Posts published this local week and month, and how much of the daily cadence was
    kept: the share of daily slots so far (per channel) that a sent publication filled."""
    local = now.astimezone(config.tz)
    week_start = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=local.weekday()
    )
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Stats(
        published_week=repo.count_published(session, since=week_start),
        published_month=repo.count_published(session, since=month_start),
        kept_week=_kept(session, config, week_start, now),
        kept_month=_kept(session, config, month_start, now),
    )


def _kept(session: Session, config: Config, start: datetime, now: datetime) -> float | None:
    expected = kept = 0
    for channel in config.channels:
        sent = repo.sent_times(session, channel=channel.name, kind=PostKind.DAILY, since=start)
        for slot in slots_after(PostKind.DAILY, config.cadence_for(channel.name), start):
            if slot > now:
                break
            expected += 1
            kept += slot in sent
    return None if expected == 0 else 100.0 * kept / expected


@dataclass(frozen=True)
class Moved:
    """A publication missed by more than the grace, moved to the next free slot."""

    post_id: int
    channel: str
    missed: datetime
    moved_to: datetime


def catch_up(
    session: Session, config: Config, *, now: datetime, channels: list[str] | None = None
) -> list[Moved]:
    """After downtime (of the worker, or of a held channel: ``channels``): what was due
    within ``catch_up_grace`` stays due (it goes out at once); what is older moves to the
    next free slot of its kind on its channel."""
    moved: list[Moved] = []
    wanted = {c.name for c in config.channels} & set(channels or [c.name for c in config.channels])
    for publication in repo.missed(session, before=now - config.catch_up_grace):
        assert publication.due_at is not None
        if publication.channel not in wanted:
            continue  # gone from the config: the publishing pass reports it
        taken = repo.taken_slots(
            session,
            channel=publication.channel,
            kind=publication.kind,
            exclude_post_id=publication.post_id,
        )
        cadence = config.cadence_for(publication.channel)
        new = next_free_slot(publication.kind, cadence, after=now, taken=taken)
        moved.append(Moved(publication.post_id, publication.channel, publication.due_at, new))
        publication.due_at, publication.pinned = new, False
        session.add(publication)
        session.flush()
        repo.refresh_post(session, post_id=publication.post_id)
    return moved


def queue(session: Session, *, include_all: bool) -> list[tuple[Post, list[Publication]]]:
    """Posts to show in the queue, each with its publications.

    Without ``include_all``: what is still to come, and posts whose outcome is unknown,
    because those need a person.
    """
    statuses = None if include_all else [*OPEN_STATUSES, PostStatus.UNKNOWN]
    posts = repo.list_posts(session, statuses=statuses)
    pubs = repo.publications_by_post(session, post_ids=[p.id for p in posts if p.id is not None])
    return [(post, pubs.get(post.id or 0, [])) for post in posts]


@dataclass(frozen=True)
class Settled:
    """What became of a publication an admin acted on; ``changed`` False: already done."""

    publication: Publication
    changed: bool


_ON_ITS_WAY = frozenset(
    {
        PublicationStatus.SCHEDULED,
        PublicationStatus.CLAIMED,
        PublicationStatus.SENDING,
        PublicationStatus.SENT,
    }
)


def retry_publication(
    session: Session, *, publication_id: int, by: int | None, now: datetime
) -> Settled:
    """Retry, or send again: a failed publication (or an unknown one, once a person has
    checked it did not go out) is sent at the next pass, with its attempts reset."""
    publication = repo.get_publication(session, publication_id=publication_id, for_update=True)
    if publication.status in _ON_ITS_WAY:  # another admin's press got there first
        return Settled(publication, changed=False)
    if publication.status not in (PublicationStatus.FAILED, PublicationStatus.UNKNOWN):
        raise _refused_publication(
            publication, N_("post {post_id} is {status} on {channel}; it cannot be sent again")
        )
    before = publication.status.value
    publication.status, publication.due_at, publication.pinned = (
        PublicationStatus.SCHEDULED,
        now,
        True,  # an instant, not a slot: the slot it missed may have another post by now
    )
    publication.attempts, publication.retry_at, publication.error = 0, None, None
    publication.claimed_by = publication.lease_until = None
    session.add(publication)
    session.flush()
    repo.refresh_post(session, post_id=publication.post_id)
    repo.audit(
        session,
        actor=by,
        action="retry" if before == "failed" else "send-again",
        post_id=publication.post_id,
        before=before,
        after="scheduled",
        detail=publication.channel,
    )
    return Settled(publication, changed=True)


def confirm_sent(
    session: Session, *, publication_id: int, by: int | None, now: datetime
) -> Settled:
    """A person checked the channel: the publication whose outcome was unknown went out."""
    publication = repo.get_publication(session, publication_id=publication_id, for_update=True)
    if publication.status is PublicationStatus.SENT:
        return Settled(publication, changed=False)
    if publication.status is not PublicationStatus.UNKNOWN:
        raise _refused_publication(
            publication,
            N_("post {post_id} is {status} on {channel}; only an unknown outcome can be confirmed"),
        )
    publication.status, publication.finished_at = PublicationStatus.SENT, now
    publication.error = f"confirmed by {by}" if by is not None else "confirmed"
    session.add(publication)
    session.flush()
    repo.refresh_post(session, post_id=publication.post_id)
    repo.audit(
        session,
        actor=by,
        action="confirm-sent",
        post_id=publication.post_id,
        before="unknown",
        after="sent",
        detail=publication.channel,
    )
    return Settled(publication, changed=True)


def release_channels(
    session: Session, config: Config, *, channels: list[str] | None, now: datetime
) -> tuple[list[str], list[Moved]]:
    """Held channels publish again (after a new token, or `goodnews check` passing); what
    they missed meanwhile follows the catch-up policy. Returns the names released and the
    publications moved to a later slot."""
    released = repo.release_holds(session, channels=channels)
    if not released:
        return [], []
    moved = catch_up(session, config, now=now, channels=released)
    for name in released:
        repo.audit(session, actor=None, action="release", detail=name)
    return released, moved

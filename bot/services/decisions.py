"""The admins' decisions on a draft: approve (by quorum or at a chosen time), reject,
edit, unapprove; and the slots a post would take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import N_, InvalidStateError
from bot.domain.notices import ReasonGiven
from bot.domain.posts import APPROVABLE, REJECTABLE, PostStatus
from bot.domain.slots import next_free_slot, slots_after
from bot.services import events
from bot.services.access import people_with
from bot.services.post_rules import refused, rewrite, target_channels
from bot.services.views import PostView
from bot.storage import audit_rows, event_rows, post_rows, publication_rows, recap_rows
from bot.storage.models import Post, utcnow


@dataclass(frozen=True)
class Decision:
    """The outcome of approve/reject: the post as it is now, and whether this call changed it."""

    post: PostView
    changed: bool


def free_slots(
    session: Session, config: Config, *, post: Post | PostView, now: datetime, count: int
) -> list[datetime]:
    """The next ``count`` free slots of the post's kind on its first channel."""
    assert post.id is not None
    channels = target_channels(config, post)
    name = channels[0] if channels else None
    taken = set(
        publication_rows.taken_slots(session, channel=name, kind=post.kind, exclude_post_id=post.id)
        if name
        else []
    )
    slots = slots_after(post.kind, config.cadence_for(name), now)
    return list(islice((slot for slot in slots if slot not in taken), count))


def _slot_on(
    session: Session,
    config: Config,
    post: Post | PostView,
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
    taken = publication_rows.taken_slots(
        session, channel=channel, kind=post.kind, exclude_post_id=post.id
    )
    after = now if wanted is None else max(now, wanted - timedelta(microseconds=1))
    return next_free_slot(post.kind, config.cadence_for(channel), after=after, taken=taken)


def proposed_slot(
    session: Session, config: Config, *, post: Post | PostView, now: datetime
) -> datetime:
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
    who: str = events.CLI,
) -> Decision:
    """Schedule a pending post on each of its channels, in the next free slot of its kind
    there (or at its pinned instant). Approving twice is harmless. ``who``: the name the
    admins' copies show it approved by."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.SCHEDULED:
        return Decision(PostView.of(post), changed=False)
    if post.status not in APPROVABLE:
        raise refused(post, N_("post {post_id} is {status}; it cannot be approved"))
    for _attempt in range(5):  # another worker may take the same slot at the same moment
        try:
            with session.begin_nested():
                dues = [
                    publication_rows.schedule_publication(
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
        audit_rows.audit(
            session,
            actor=by,
            action="approve",
            post_id=post_id,
            before="pending",
            after=f"scheduled {post.slot.isoformat() if post.slot else ''}",
        )
        events.copies_follow(session, post_id=post_id, who=who)
        events.tell_decided(session, post_id=post_id, approved=True, slot=post.slot)
        return Decision(PostView.of(post), changed=True)
    raise InvalidStateError(
        N_("post {post_id}: could not find a free slot; try again"), post_id=post_id
    )


def reject(
    session: Session, *, post_id: int, by: int | None, now: datetime, who: str = events.CLI
) -> Decision:
    """Mark a post rejected; its slots are freed. Rejecting twice is harmless."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.REJECTED:
        return Decision(PostView.of(post), changed=False)
    if post.status not in REJECTABLE:
        raise refused(post, N_("post {post_id} is {status}; it cannot be rejected"))
    post.decided_by, post.decided_at = by, now
    # Audited at ``now``: the compliance report dates the rejection by it.
    decision = withdraw(session, post, PostStatus.REJECTED, "reject", by=by, now=now, who=who)
    events.tell_decided(session, post_id=post_id, approved=False, slot=None)
    return decision


def withdraw(
    session: Session,
    post: Post,
    status: PostStatus,
    action: str,
    *,
    by: int | None,
    now: datetime,
    who: str = events.CLI,
) -> Decision:
    """The post leaves its slots for ``status`` (rejected, cancelled, pending again): its
    scheduled publications are cancelled, the change is audited as ``action`` at ``now``
    and the admins' copies follow it (decided by ``who``)."""
    assert post.id is not None
    before = post.status.value
    publication_rows.cancel_publications(session, post_id=post.id)
    post.status, post.slot, post.updated_at = status, None, now
    session.add(post)
    session.flush()
    audit_rows.audit(
        session,
        actor=by,
        action=action,
        post_id=post.id,
        before=before,
        after=status.value,
        at=now,
    )
    events.copies_follow(session, post_id=post.id, who=who)
    return Decision(PostView.of(post), changed=True)


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
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    needed = config.settings.telegram.quorum
    pending = post.status is PostStatus.PENDING
    new = False  # whether this admin's vote is counted for the first time
    if pending:
        new = post_rows.add_vote(session, post_id=post_id, user_id=by, name=name)
    names, uncounted = admins_votes(session, config, post_id=post_id)
    if pending and len(names) < needed:
        if new:
            audit_rows.audit(
                session, actor=by, action="vote", post_id=post_id, detail=f"{len(names)}/{needed}"
            )
        events.copies_follow(session, post_id=post_id, votes=True)
        return Votes(names, needed, None, uncounted)
    decision = approve(session, config, post_id=post_id, by=by, now=now, who=name)
    return Votes(names, needed, decision, uncounted)


def admins_votes(session: Session, config: Config, *, post_id: int) -> tuple[list[str], list[str]]:
    """The names of the voters who are admins now (their votes count toward the quorum), and
    of those who no longer are (an owner revoked them after they voted: not counted)."""
    admins = set(people_with(session, config, "admin"))
    cast = post_rows.votes(session, post_id=post_id)
    return [v.name for v in cast if v.user_id in admins], [
        v.name for v in cast if v.user_id not in admins
    ]


def approve_at(
    session: Session,
    config: Config,
    *,
    post_id: int,
    by: int,
    at: datetime,
    now: datetime,
    who: str = events.CLI,
) -> Decision:
    """An admin picks the time: one of the free slots offered (the post takes it, or the
    next free one where a channel has it taken meanwhile), or now (pinned to this instant).
    Quorum does not apply: choosing the time is the decision."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.PENDING:
        raise refused(post, N_("post {post_id} is {status}; it cannot be rescheduled"))
    if at <= now:  # "post now": an instant, not a slot
        post.pinned_at = now
        session.add(post)
        session.flush()
        return approve(session, config, post_id=post_id, by=by, now=now, who=who)
    return approve(session, config, post_id=post_id, by=by, now=now, wanted=at, who=who)


def edit_post(session: Session, *, post_id: int, by: int | None, text: str) -> PostView:
    """An admin rewrites a pending draft: first line the title, the rest the body."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.PENDING:
        raise refused(post, N_("post {post_id} is {status}; it cannot be edited"))
    malformed = N_("send the title on the first line and the text below it")
    rewrite(session, post, text=text, by=by, malformed=malformed)
    events.copies_follow(session, post_id=post_id)
    return PostView.of(post)


def reject_with_reason(
    session: Session,
    *,
    post_id: int,
    by: int | None,
    reason: str,
    now: datetime,
    who: str = events.CLI,
) -> Decision:
    """Reject with the reason given at once (the dashboard asks both together, chat asks
    for the reason afterwards): recorded with the decision, and the officer told it."""
    decision = reject(session, post_id=post_id, by=by, now=now, who=who)
    if decision.changed and reason.strip():
        reject_reason(session, post_id=post_id, by=by, reason=reason.strip())
    return decision


def use_extractive(session: Session, *, post_id: int, by: int | None) -> None:
    """A pending draft takes back its extractive body instead of the model's rewrite."""
    post_rows.use_extractive(session, post_id=post_id, by=by)
    events.copies_follow(session, post_id=post_id)


def reject_reason(session: Session, *, post_id: int, by: int | None, reason: str) -> int | None:
    """Record why a post was rejected; the officer who sent its recap or wrote it in chat,
    to tell (or None)."""
    post = post_rows.get_post(session, post_id=post_id)
    if post.status is not PostStatus.REJECTED:
        raise refused(post, N_("post {post_id} is {status}, not rejected"))
    audit_rows.audit(session, actor=by, action="reject-reason", post_id=post_id, detail=reason)
    if post.recap_id is None:  # written in chat (/new): its author hears it
        officer = audit_rows.author_of(session, post_id=post_id)
    else:
        officer = recap_rows.get_recap(session, recap_id=post.recap_id).submitted_by
    if officer is not None:  # told from the outbox, recorded with the reason
        event_rows.record(session, notice=ReasonGiven(post_id, officer, reason, utcnow()))
    return officer


def unapprove(session: Session, *, post_id: int, now: datetime, by: int | None = None) -> Decision:
    """A scheduled post back to pending; its slots are freed for others."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.PENDING:
        return Decision(PostView.of(post), changed=False)
    if post.status is not PostStatus.SCHEDULED:
        raise refused(post, N_("post {post_id} is {status}; it cannot be unapproved"))
    # The copies follow first: the copies kept get the buttons.
    decision = withdraw(session, post, PostStatus.PENDING, "unapprove", by=by, now=now)
    events.ask_admins(session, post_id=post_id)  # the admins get the draft again
    return decision

"""Channels over time: pausing, catching up after downtime, releasing held channels,
and tomorrow's empty slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Config
from bot.domain.notices import CaughtUp
from bot.domain.posts import PostKind
from bot.domain.slots import next_free_slot, slots_after
from bot.services import events
from bot.storage import audit_rows, channel_rows, event_rows, post_rows, publication_rows


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
    changed = [
        name for name in names if channel_rows.set_paused(session, channel=name, paused=paused)
    ]
    for name in changed:
        audit_rows.audit(
            session, actor=by, action="pause" if paused else "resume", detail=name, at=now
        )
    return changed


@dataclass(frozen=True)
class EmptySlot:
    channel: str
    kind: PostKind
    at: datetime


def empty_slots_tomorrow(session: Session, config: Config, *, now: datetime) -> list[EmptySlot]:
    """Tomorrow's cadence slots (local date) on channels not paused that no post holds."""
    tomorrow = (now.astimezone(config.tz) + timedelta(days=1)).date()
    paused = channel_rows.paused_channels(session)
    empty = []
    for channel in config.channels:
        if channel.name in paused:
            continue
        for kind in PostKind:
            for slot in slots_after(kind, config.cadence_for(channel.name), now):
                day = slot.astimezone(config.tz).date()
                if day > tomorrow:
                    break
                if day == tomorrow and not publication_rows.slot_is_held(
                    session, channel=channel.name, kind=kind, at=slot
                ):
                    empty.append(EmptySlot(channel.name, kind, slot))
    return empty


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
    for publication in publication_rows.missed(session, before=now - config.catch_up_grace):
        assert publication.due_at is not None
        if publication.channel not in wanted:
            continue  # gone from the config: the publishing pass reports it
        taken = publication_rows.taken_slots(
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
        post_rows.refresh_post(session, post_id=publication.post_id)
    for post_id in {m.post_id for m in moved}:
        events.copies_show_new_slot(session, post_id=post_id)
    return moved


def catch_up_after_downtime(session: Session, config: Config, *, now: datetime) -> list[Moved]:
    """:func:`catch_up` when a worker starts or a ``tick`` runs: the admins hear of each
    move from the events outbox, recorded with it (whichever of the two found it)."""
    moved = catch_up(session, config, now=now)
    for m in moved:
        event_rows.record(session, notice=CaughtUp(m.post_id, m.channel, m.missed, m.moved_to))
    return moved


def release_channels(
    session: Session, config: Config, *, channels: list[str] | None, now: datetime
) -> tuple[list[str], list[Moved]]:
    """Held channels publish again (after a new token, or `goodnews check` passing); what
    they missed meanwhile follows the catch-up policy. Returns the names released and the
    publications moved to a later slot."""
    released = channel_rows.release_holds(session, channels=channels)
    if not released:
        return [], []
    moved = catch_up(session, config, now=now, channels=released)
    for name in released:
        audit_rows.audit(session, actor=None, action="release", detail=name)
    return released, moved

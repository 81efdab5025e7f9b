"""Read-only views for the boards, /stats, /queue and one post as it is now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlmodel import Session

from bot.config import Config
from bot.domain.posts import OPEN_STATUSES, PostKind, PostStatus
from bot.domain.slots import slots_after
from bot.services.views import PostView, PublicationView
from bot.storage import channel_rows, post_rows, publication_rows


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
    paused = channel_rows.paused_channels(session)
    board: list[BoardSlot] = []
    held = publication_rows.held_slots(session, after=now, before=end)
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
class SlotLine:
    """One line of the week at a glance: a slot and the post holding it (or none), with
    every channel where it is so."""

    at: datetime
    kind: PostKind
    post_id: int | None
    title: str | None
    status: str | None
    channels: tuple[str, ...]


def board_by_day(board: Sequence[BoardSlot], tz: tzinfo) -> list[tuple[date, list[SlotLine]]]:
    """The board by local day, the channels of the same slot, post and state on one line."""
    grouped: dict[tuple[datetime, PostKind, int | None, str | None, str | None], list[str]] = {}
    for s in board:
        grouped.setdefault((s.at, s.kind, s.post_id, s.title, s.status), []).append(s.channel)
    days: dict[date, list[SlotLine]] = {}
    for (at, kind, post_id, title, status), channels in grouped.items():
        line = SlotLine(at, kind, post_id, title, status, tuple(channels))
        days.setdefault(at.astimezone(tz).date(), []).append(line)
    return list(days.items())


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
        published_week=post_rows.count_published(session, since=week_start),
        published_month=post_rows.count_published(session, since=month_start),
        kept_week=_kept(session, config, week_start, now),
        kept_month=_kept(session, config, month_start, now),
    )


def _kept(session: Session, config: Config, start: datetime, now: datetime) -> float | None:
    expected = kept = 0
    for channel in config.channels:
        sent = publication_rows.sent_times(
            session, channel=channel.name, kind=PostKind.DAILY, since=start
        )
        for slot in slots_after(PostKind.DAILY, config.cadence_for(channel.name), start):
            if slot > now:
                break
            expected += 1
            kept += slot in sent
    return None if expected == 0 else 100.0 * kept / expected


def post(session: Session, *, post_id: int) -> PostView:
    """One post as it is now; a clear error when there is no such post."""
    return PostView.of(post_rows.get_post(session, post_id=post_id))


def queue(session: Session, *, include_all: bool) -> list[tuple[PostView, list[PublicationView]]]:
    """Posts to show in the queue, each with its publications.

    Without ``include_all``: what is still to come, and posts whose outcome is unknown,
    because those need a person.
    """
    statuses = None if include_all else [*OPEN_STATUSES, PostStatus.UNKNOWN]
    posts = post_rows.list_posts(session, statuses=statuses)
    pubs = publication_rows.publications_by_post(
        session, post_ids=[p.id for p in posts if p.id is not None]
    )
    return [
        (PostView.of(post), [PublicationView.of(p) for p in pubs.get(post.id or 0, [])])
        for post in posts
    ]

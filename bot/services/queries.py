"""Read-only views for /stats and one post as it is now (the boards and the queue: see
:mod:`bot.services.board`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Config
from bot.domain.posts import PostKind, PostStatus
from bot.domain.slots import slots_after
from bot.services.views import PostView
from bot.storage import post_rows, publication_rows


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


def admins_have_it(session: Session, *, post_id: int) -> bool:
    """Whether at least one admin has the post's approval request in chat."""
    return bool(post_rows.approval_messages(session, post_id=post_id))


def pending_ids(session: Session) -> list[int]:
    """The drafts waiting for a decision, by slot then id."""
    return [p.id for p in post_rows.list_posts(session, statuses=[PostStatus.PENDING]) if p.id]

"""The coming slots of every channel and the posts waiting: what ``goodnews queue`` and the
chat's /board show.

Read through :class:`bot.storage.plain.Reader`, so the command shows them without loading
SQLAlchemy or the model classes (``python -m benchmarks.cli``); the chat passes its Session's
reader. The queries sit beside the read model they fill, as plain SQL over two tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bot.config import Config
from bot.domain.posts import HOLDS_SLOT, OPEN_STATUSES, PostKind, PostStatus
from bot.domain.slots import slots_after
from bot.services.views import PostView, PublicationView
from bot.storage.plain import Reader, columns, listed


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
    reader: Reader,
    config: Config,
    *,
    now: datetime,
    days: int,
    channels: Sequence[str] | None = None,
) -> list[BoardSlot]:
    """Every cadence slot of the next ``days`` days on every channel (or these), empty ones
    included, plus posts pinned to an instant in that window."""
    end = now + timedelta(days=days)
    paused = _paused_channels(reader)
    held = {(slot.channel, slot.kind, slot.at): slot for slot in _held_slots(reader, now, end)}
    board: list[BoardSlot] = []
    for channel in config.channels:
        status = "paused" if channel.name in paused else None
        for kind in PostKind:
            for at in slots_after(kind, config.cadence_for(channel.name), now):
                if at > end:
                    break
                post = held.pop((channel.name, kind, at), None)
                post_id, title = (post.post_id, post.title) if post else (None, None)
                board.append(BoardSlot(channel.name, kind, at, post_id, title, status))
    board += [  # pinned posts and moved ones
        BoardSlot(slot.channel, slot.kind, slot.at, slot.post_id, slot.title, "pinned")
        for slot in held.values()
    ]
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


def queue(reader: Reader, *, include_all: bool) -> list[tuple[PostView, list[PublicationView]]]:
    """Posts to show in the queue, each with its publications.

    Without ``include_all``: what is still to come, and posts whose outcome is unknown,
    because those need a person.
    """
    statuses = None if include_all else [*OPEN_STATUSES, PostStatus.UNKNOWN]
    posts = _posts(reader, statuses=statuses)
    pubs = _publications_by_post(reader, post_ids=[post.id for post in posts])
    return [(post, pubs[post.id]) for post in posts]


def _posts(reader: Reader, *, statuses: Iterable[PostStatus] | None) -> list[PostView]:
    """Posts (of these statuses, else all) by slot, unscheduled last, then id."""
    where, params = "", dict[str, Any]()
    if statuses is not None:
        placeholders, params = listed("status", list(statuses))
        where = f"WHERE status IN ({placeholders})"
    # Only column names and placeholders are spliced in (S608); every value is a parameter.
    sql = f"SELECT {columns(PostView)} FROM post {where} ORDER BY slot IS NULL, slot, id"  # noqa: S608
    return reader.views(PostView, sql, **params)


def _publications_by_post(
    reader: Reader, *, post_ids: list[int]
) -> dict[int, list[PublicationView]]:
    result: dict[int, list[PublicationView]] = {post_id: [] for post_id in post_ids}
    placeholders, params = listed("post", post_ids)
    sql = f"SELECT {columns(PublicationView)} FROM publication WHERE post_id IN ({placeholders})"  # noqa: S608
    for publication in reader.views(PublicationView, sql + " ORDER BY id", **params):
        result[publication.post_id].append(publication)
    return result


@dataclass(frozen=True)
class _Held:
    channel: str
    kind: PostKind
    at: datetime
    post_id: int
    title: str


def _held_slots(reader: Reader, after: datetime, before: datetime) -> list[_Held]:
    """Each publication holding a time in (after, before], with its post's id and title."""
    placeholders, params = listed("status", HOLDS_SLOT)
    where = f"p.status IN ({placeholders}) AND p.due_at > :after AND p.due_at <= :before"
    held = "SELECT p.channel, p.kind, p.due_at, post.id, post.title FROM publication p"
    sql = f"{held} JOIN post ON post.id = p.post_id WHERE {where} ORDER BY p.id"
    return reader.views(_Held, sql, after=after, before=before, **params)


def _paused_channels(reader: Reader) -> set[str]:
    return {name for (name,) in reader.rows("SELECT name FROM channelstate WHERE paused")}

"""How the good news did: the arithmetic of engagement, with no platform or database in it.

A metric that a platform does not give (Telegram's views, a small Page's insights) is
``None`` — "not available" — and stays distinct from zero everywhere: a total of nothing
but unavailable values is unavailable, not 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: The metrics kept per publication, in the order they are shown.
REACTIONS, COMMENTS, SHARES, VIEWS, REACH = "reactions", "comments", "shares", "views", "reach"
METRICS = (REACTIONS, COMMENTS, SHARES, VIEWS, REACH)
#: Kept per channel, once a day.
SUBSCRIBERS = "subscribers"

#: Facebook's post insights and the metric each one feeds. Facebook retires metrics in
#: waves; these two replaced post_impressions and post_impressions_unique in 2025.
INSIGHTS = {"post_media_view": VIEWS, "post_total_media_view_unique": REACH}


def collection_due(
    published_at: datetime,
    last_measured: datetime | None,
    checkpoints: Sequence[timedelta],
    now: datetime,
) -> bool:
    """Whether a publication needs measuring now: a checkpoint after publication (+1 h,
    +24 h, +7 d) has passed and no measurement was taken since it."""
    passed = [published_at + after for after in checkpoints if published_at + after <= now]
    if not passed:
        return False
    return last_measured is None or last_measured < max(passed)


def collection_window(checkpoints: Sequence[timedelta]) -> timedelta:
    """How far back a pass looks: the last checkpoint, and as long again for a worker that
    was down when it came."""
    return 2 * max(checkpoints, default=timedelta(0))


def total(values: Iterable[int | None]) -> int | None:
    """The sum of what is known; None when nothing is (never a made-up zero)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@dataclass(frozen=True)
class PublicationMetrics:
    """The latest measurement of one post on one channel."""

    channel: str
    platform: str  # telegram | facebook
    external_id: str | None
    url: str | None
    reactions: int | None
    comments: int | None
    shares: int | None
    views: int | None
    reach: int | None
    measured_at: datetime | None

    def get(self, metric: str) -> int | None:
        value: int | None = getattr(self, metric)
        return value


@dataclass(frozen=True)
class PostEngagement:
    """A post and the latest metrics of each of its publications."""

    post_id: int
    title: str
    unit: str | None
    kind: str
    published_at: datetime | None
    publications: tuple[PublicationMetrics, ...]
    #: Followers who got it by direct message: they count as reach.
    followers: int = 0

    def sum(self, metric: str) -> int | None:
        values = [p.get(metric) for p in self.publications]
        # No follower by DM adds nothing known: a channel's readers are not counted as 0.
        return total([*values, self.followers or None] if metric == REACH else values)

    @property
    def url(self) -> str | None:
        """A link to show it by: its first publication that has one."""
        return next((p.url for p in self.publications if p.url), None)

    @property
    def reactions(self) -> int | None:
        return self.sum(REACTIONS)


def top_posts(posts: Iterable[PostEngagement], n: int = 3) -> list[PostEngagement]:
    """The ``n`` most-liked posts (reactions on every channel), ties to the earlier post;
    a post with no known reactions is not "liked" and never makes the list."""
    liked = [p for p in posts if p.reactions]
    return sorted(liked, key=lambda p: (-(p.reactions or 0), p.post_id))[:n]


@dataclass(frozen=True)
class UnitEngagement:
    """A unit's totals over a period: what its posts got on every channel."""

    unit: str | None
    posts: int
    reactions: int | None
    comments: int | None
    shares: int | None
    views: int | None
    reach: int | None


def unit_totals(posts: Iterable[PostEngagement]) -> list[UnitEngagement]:
    """Totals per unit (None: the organisation's own), in order of first appearance."""
    by_unit: dict[str | None, list[PostEngagement]] = {}
    for post in posts:
        by_unit.setdefault(post.unit, []).append(post)
    return [
        UnitEngagement(
            unit,
            len(group),
            *(total(p.sum(metric) for p in group) for metric in METRICS),
        )
        for unit, group in by_unit.items()
    ]


def public_url(platform: str, target: str, external_id: str | None) -> str | None:
    """Where people see a publication: a Facebook post's permalink, a Telegram channel
    message's t.me link (public channels by name, private ones by their internal id)."""
    if not external_id:
        return None
    if platform == "facebook":
        page, _, story = external_id.partition("_")
        return f"https://www.facebook.com/{page}/posts/{story}" if story else None
    if target.startswith("@"):
        return f"https://t.me/{target[1:]}/{external_id}"
    if target.startswith("-100"):
        return f"https://t.me/c/{target[4:]}/{external_id}"
    return None

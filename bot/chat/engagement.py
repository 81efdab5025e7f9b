"""Engagement in chat: the most-liked good news of the week (Monday summary, /stats), this
week's reach and reactions, and the notice that reading them back is on hold. The strings
are the English source; the catalogs translate them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from sqlmodel import Session

from bot.analytics import query
from bot.chat.texts import ModuleTexts
from bot.config import Config
from bot.domain.engagement import REACH, PostEngagement, top_posts, total
from bot.domain.notices import ChannelName


class EngagementTexts(ModuleTexts):
    """One reader's engagement texts."""

    def collection_held(self, channel: ChannelName, reason: str) -> str:
        return "\n".join(
            [
                self._("⏸ <b>Reading reactions and views on {channel} is on hold</b>").format(
                    channel=self.t.channel(channel)
                ),
                self._("Reason: {reason}").format(reason=escape(reason[:500])),
                self._(
                    "Publishing goes on. Give the Page token back its rights "
                    "(pages_read_engagement, read_insights) or a new token, then restart the "
                    "worker or run `goodnews check`."
                ),
            ]
        )

    def most_liked(self, posts: Sequence[PostEngagement]) -> str:
        """The week's most-liked good news, with links; empty when none was liked."""
        if not posts:
            return ""
        lines = [self._("❤️ <b>Most liked this week</b>")]
        for rank, post in enumerate(posts, 1):
            title = escape(post.title)
            shown = f'<a href="{escape(post.url)}">{title}</a>' if post.url else title
            likes = self.ngettext("{count} reaction", "{count} reactions", post.reactions or 0)
            lines.append(f"{rank}. {shown} · {likes.format(count=post.reactions or 0)}")
        return "\n".join(lines)

    def week_engagement(self, posts: Sequence[PostEngagement]) -> str:
        """/stats: this week's reactions and reach ("—": nobody gives that number)."""
        reactions = total(p.reactions for p in posts)
        reach = total(p.sum(REACH) for p in posts)
        return self._("This week: {reactions} reactions · reach {reach}").format(
            reactions="—" if reactions is None else reactions,
            reach="—" if reach is None else reach,
        )


def this_week(session: Session, config: Config, *, now: datetime) -> list[PostEngagement]:
    """The posts out since Monday (local), with their latest metrics."""
    local = now.astimezone(config.tz)
    monday = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=local.weekday()
    )
    return query.posts_between(session, config, since=monday, until=now)


def week_of(
    session: Session, config: Config, *, start: datetime, end: datetime
) -> list[PostEngagement]:
    """The three most-liked posts out in [start, end)."""
    return top_posts(query.posts_between(session, config, since=start, until=end))

"""What every post service shares: a stored post's draft view, its channels, and the
refusal of an action that does not fit its state."""

from __future__ import annotations

from bot.config import Config
from bot.domain import drafting
from bot.domain.errors import InvalidStateError, RecapError
from bot.storage.models import Post, Publication


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


def check_fits(post: Post) -> None:
    html = drafting.render_telegram_html(as_draft(post))
    if len(html) > drafting.TELEGRAM_TEXT_LIMIT:
        raise RecapError(
            f"the post is {len(html)} characters as Telegram HTML; the limit is "
            f"{drafting.TELEGRAM_TEXT_LIMIT}"
        )


def refused(post: Post, template: str) -> InvalidStateError:
    """The action does not fit the post's state; ``template`` names the action (a catalog
    entry with ``{post_id}`` and ``{status}``)."""
    return InvalidStateError(template, post_id=post.id, status=post.status.value)


def refused_publication(publication: Publication, template: str) -> InvalidStateError:
    return InvalidStateError(
        template,
        post_id=publication.post_id,
        status=publication.status.value,
        channel=publication.channel,
    )


def state_of(post: Post) -> str:
    return "in the reserve pool" if post.reserve else post.status.value

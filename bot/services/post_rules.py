"""What every post service shares: a stored post's draft view, its channels, and the
refusal of an action that does not fit its state."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session

from bot import ingest
from bot.config import Config
from bot.domain import drafting
from bot.domain.errors import N_, InvalidStateError, RecapError, Text
from bot.services.views import PostView
from bot.storage import audit_rows, post_rows
from bot.storage.media import save_photo
from bot.storage.models import Post, Publication


def as_draft(post: Post | PostView) -> drafting.Draft:
    """The domain view of a stored post, which the renderers and publishers take."""
    return drafting.Draft(
        kind=post.kind,
        title=post.title,
        body=post.body,
        link=post.link,
        hashtags=tuple(post.hashtags.split()),
    )


def target_channels(config: Config, post: Post | PostView) -> list[str]:
    """The channels a post goes to: those it was queued for, else its audience's (a unit's
    channels, or the organisation's: every channel in a config without units)."""
    if post.channels:
        return post.channels.split()
    return [channel.name for channel in config.channels_of(post.audience)]


def check_fits(post: Post) -> None:
    html = drafting.render_telegram_html(as_draft(post))
    if len(html) > drafting.TELEGRAM_TEXT_LIMIT:
        raise RecapError(
            N_("the post is {count} characters as Telegram HTML; the limit is {limit}"),
            count=len(html),
            limit=drafting.TELEGRAM_TEXT_LIMIT,
        )


def refused(post: Post, template: str, status: str | None = None) -> InvalidStateError:
    """The action does not fit the post's state; ``template`` names the action (a catalog
    entry with ``{post_id}`` and ``{status}``: ``status`` if given, else the post's)."""
    return InvalidStateError(template, post_id=post.id, status=status or post.status.value)


def refused_publication(publication: Publication, template: str) -> InvalidStateError:
    return InvalidStateError(
        template,
        post_id=publication.post_id,
        status=publication.status.value,
        channel=publication.channel,
    )


def state_of(post: Post | PostView) -> str:
    return Text(N_("in the reserve pool")) if post.reserve else post.status.value


def rewrite(
    session: Session,
    post: Post,
    *,
    text: str,
    by: int | None,
    malformed: str,
    now: datetime | None = None,
    detail: str | None = None,
) -> None:
    """A person's new text for the post: first line the title, the rest the body (both
    needed, else ``malformed``, a catalog entry), checked to fit, audited."""
    assert post.id is not None
    title, _, body = unicodedata.normalize("NFC", text).strip().partition("\n")
    if not title.strip() or not body.strip():
        raise RecapError(malformed)
    before = post.title
    post.title, post.body = title.strip(), body.strip()
    post.updated_at = now or datetime.now(UTC)
    check_fits(post)
    session.add(post)
    session.flush()
    audit_rows.audit(
        session,
        actor=by,
        action="edit",
        post_id=post.id,
        before=before[:200],
        after=post.title[:200],
        detail=detail,
    )


def store_photos(
    session: Session, config: Config, *, post_id: int, photos: Sequence[ingest.Image]
) -> None:
    """The post's photos, in order, their files written to ``media_dir`` (call it once
    everything else has been checked)."""
    for position, image in enumerate(photos, start=1):
        post_rows.add_post_photo(
            session,
            post_id=post_id,
            position=position,
            mime=image.mime,
            sha256=image.sha256,
            path=save_photo(config.media_dir, image),
        )

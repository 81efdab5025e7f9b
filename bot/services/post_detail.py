"""One post, whole: its state, its text exactly as each platform publishes it, its photos,
each publication with its link, and its history from the audit log. Plain frozen views, for
``goodnews post show``, the chat's ``/post`` and the web's post page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.posts import PublicationStatus
from bot.platforms.base import OutgoingPost, Photo
from bot.platforms.registry import all_platforms, publication_url
from bot.services.post_rules import as_draft
from bot.services.views import AuditView, PostView
from bot.storage import audit_rows, post_rows, publication_rows
from bot.storage.models import Post


@dataclass(frozen=True)
class PublicationLine:
    """Where the post goes (or went) on one channel."""

    channel: str
    status: PublicationStatus
    due_at: datetime | None
    external_id: str | None
    url: str | None
    error: str | None


@dataclass(frozen=True)
class PostDetail:
    post: PostView
    #: The photos' files, relative to ``media_dir``, in order.
    photos: tuple[str, ...]
    #: The text per platform name ("telegram": the HTML, "facebook": the plain message).
    previews: dict[str, str]
    publications: tuple[PublicationLine, ...]
    history: tuple[AuditView, ...]


def outgoing(session: Session, config: Config, post: Post) -> OutgoingPost:
    """The post as publishers take it: its draft and its photos' files in ``media_dir``."""
    assert post.id is not None
    photos = tuple(
        Photo(path=config.media_dir / photo.path, mime=photo.mime)
        for photo in post_rows.post_photos(session, post_id=post.id)
    )
    return OutgoingPost(id=post.id, draft=as_draft(post), photos=photos)


def post_detail(session: Session, config: Config, *, post_id: int) -> PostDetail:
    """Everything about one post; a clear error when there is no such post."""
    post = post_rows.get_post(session, post_id=post_id)
    shown = outgoing(session, config, post)
    publications = tuple(
        PublicationLine(
            p.channel,
            p.status,
            p.due_at,
            p.external_id,
            publication_url(config, p.channel, p.external_id),
            p.error,
        )
        for p in publication_rows.publications(session, post_id=post_id)
    )
    history = tuple(
        AuditView.of(e) for e in audit_rows.audit_entries(session, post_id=post_id, actor=None)
    )
    return PostDetail(
        post=PostView.of(post),
        photos=tuple(p.path for p in post_rows.post_photos(session, post_id=post_id)),
        previews={name: p.text(shown) for name, p in all_platforms().items()},
        publications=publications,
        history=history,
    )

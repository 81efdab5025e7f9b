"""What the dashboard's pages show besides the calendar (:mod:`bot.services.calendar`): who
is at the browser, one post whole, the recaps, the audit log. Plain frozen views, each read
in one unit of work through the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot import i18n
from bot.analytics import query
from bot.config import Config
from bot.domain.engagement import PublicationMetrics
from bot.domain.errors import NotFoundError
from bot.domain.posts import CHANGEABLE, WENT_OUT, PostStatus, PublicationStatus
from bot.services import access, decisions
from bot.services.post_detail import PublicationLine, post_detail
from bot.services.views import AuditView, PostView, RecapView
from bot.storage import audit_rows, people_rows, post_rows, recap_rows


def who(session: Session, config: Config, user_id: int) -> tuple[set[str], str | None]:
    """The person's roles, and the language their Telegram app reported in chat if one of
    ours: one transaction per request."""
    code = people_rows.language_codes(session, user_ids=[user_id]).get(user_id)
    return access.roles_of(session, config, user_id), i18n.negotiate(code, "") or None


@dataclass(frozen=True)
class PostPage:
    post: PostView
    #: Its photos' files, relative to ``media_dir``, in order: the page shows the nth as
    #: /posts/{id}/photos/{n}, from 1.
    photos: tuple[str, ...]
    publications: tuple[PublicationLine, ...]
    history: tuple[AuditView, ...]
    engagement: tuple[PublicationMetrics, ...]
    #: The names of those who approved it so far.
    votes: tuple[str, ...]
    #: Its recap's tone (None: no recap, or one stored before tone was judged).
    tone: str | None
    #: A pending draft's: when it would go out if approved now, and the free slots offered.
    proposed: datetime | None
    free_slots: tuple[datetime, ...]
    can_cancel: bool
    can_retract: bool


def post_page(
    session: Session, config: Config, *, post_id: int, user_id: int, admin: bool, now: datetime
) -> PostPage | None:
    """Everything about one post; None when there is no such post or it is another unit's."""
    try:
        detail = post_detail(session, config, post_id=post_id)
    except NotFoundError:
        return None
    post = detail.post
    if not access.may_see(config, user_id, admin, post):
        return None
    recap = recap_rows.get_recap(session, recap_id=post.recap_id) if post.recap_id else None
    pending = post.status is PostStatus.PENDING
    return PostPage(
        post=post,
        photos=detail.photos,
        publications=detail.publications,
        history=detail.history,
        engagement=tuple(query.post_metrics(session, config, post_id=post_id)),
        votes=tuple(v.name for v in post_rows.votes(session, post_id=post_id)),
        tone=recap.tone if recap is not None else None,
        proposed=decisions.proposed_slot(session, config, post=post, now=now) if pending else None,
        free_slots=tuple(
            decisions.free_slots(session, config, post=post, now=now, count=6) if pending else ()
        ),
        can_cancel=post.status in CHANGEABLE,
        can_retract=post.status in WENT_OUT
        and any(p.status is PublicationStatus.SENT for p in detail.publications),
    )


def photo_file(
    session: Session, config: Config, *, post_id: int, number: int, user_id: int, admin: bool
) -> tuple[Path, str] | None:
    """The post's ``number``th photo (from 1): its file and type, if the file is there and
    the person may see the post (another unit's photos are as hidden as its posts)."""
    try:
        post = post_rows.get_post(session, post_id=post_id)
    except NotFoundError:
        return None
    if not access.may_see(config, user_id, admin, post):
        return None
    photos = post_rows.post_photos(session, post_id=post_id)
    if not 0 < number <= len(photos):
        return None
    path = config.media_dir / photos[number - 1].path
    return (path, photos[number - 1].mime) if path.is_file() else None


@dataclass(frozen=True)
class RecapLine:
    recap: RecapView
    unit: str | None  # its unit's name; None: the organisation's own news
    #: The posts drafted from it, oldest first.
    posts: tuple[PostView, ...]
    photos: int  # how many came with it


def recaps(
    session: Session,
    config: Config,
    *,
    user_id: int | None = None,
    admin: bool = True,
    limit: int | None = 200,
) -> list[RecapLine]:
    """The newest recaps (``limit`` of them; None: all), an officer's of their unit only, with
    what was made of them: the dashboard's list and ``goodnews recap list``."""
    seen = None if user_id is None else access.audiences(config, user_id, admin)
    newest = recap_rows.recaps_newest_first(session, limit=limit)
    shown = [r for r in newest if seen is None or r.unit in seen]
    drafted = recap_rows.posts_from_recaps(session, recap_ids=[r.id for r in shown if r.id])
    photos = recap_rows.recap_photo_counts(session)
    names = {u.id: u.name for u in config.units}
    return [
        RecapLine(
            RecapView.of(r),
            names.get(r.unit, r.unit) if r.unit else None,
            tuple(PostView.of(p) for p in drafted.get(r.id or 0, [])),
            photos.get(r.id or 0, 0),
        )
        for r in shown
    ]


def audit_log(
    session: Session,
    *,
    post_id: int | None,
    actor: int | None,
    action: str | None = None,
    limit: int = 500,
) -> list[AuditView]:
    """The latest ``limit`` changes that match, newest first (the dashboard's log and
    ``goodnews audit``)."""
    entries = audit_rows.audit_entries(
        session, post_id=post_id, actor=actor, action=action or None, limit=limit
    )
    return [AuditView.of(e) for e in reversed(entries)]

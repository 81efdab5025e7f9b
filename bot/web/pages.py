"""What each page shows, read from the database in one transaction: each function takes the
session first and the views run it through the gateway, off the event loop. The templates
only lay it out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bot import report
from bot.analytics import query
from bot.config import Config
from bot.domain.posts import CHANGEABLE, WENT_OUT, PostStatus, PublicationStatus
from bot.platforms.registry import publication_url
from bot.services import access, decisions, post_rules
from bot.storage import audit_rows, post_rows, publication_rows
from bot.storage.models import AuditEntry, Person, Post, Recap
from bot.web import calendar
from bot.web.preview import preview


def who(session: Session, config: Config, user_id: int) -> tuple[set[str], str | None]:
    """The person's roles, and the language their Telegram app reported in chat if one of
    ours: one transaction per request."""
    roles = access.roles_of(session, config, user_id)
    person = session.get(Person, user_id)
    if person is None or not person.language_code:
        return roles, None
    from bot import i18n

    return roles, i18n.negotiate(person.language_code, "") or None


def _audiences(config: Config, user_id: int, admin: bool) -> set[str | None] | None:
    """Whose posts the person sees: every one for an admin (None), else their unit's."""
    if admin:
        return None
    return {config.audience_of_officer(user_id)}


def may_see(config: Config, user_id: int, admin: bool, post: Post) -> bool:
    audiences = _audiences(config, user_id, admin)
    return audiences is None or post.audience in audiences or post.unit in audiences


def calendar_data(
    session: Session,
    config: Config,
    user_id: int,
    *,
    admin: bool,
    view: str,
    anchor: date,
    unit: str | None,
    now: datetime,
) -> dict[str, Any]:
    audiences = _audiences(config, user_id, admin)
    if audiences is None and unit is not None and unit in {u.id for u in config.units}:
        audiences = {unit}
    channels = [
        c.name
        for c in config.channels
        if audiences is None or config.audience_of_channel(c.name) in audiences
    ]
    span = calendar.period(view if view in calendar.VIEWS else "week", anchor)
    days = calendar.build(session, config, span=span, channels=channels)
    waiting = calendar.waiting(session, audiences=audiences)
    return {
        "span": span,
        "days": days,
        "waiting": waiting,
        "channels": channels,
        "units": config.units if admin else [],
        "unit": unit,
        # To fill: the empty slots still to come (past ones are misses, for the report).
        "empty": sum(d.to_fill(now) for d in days if d.in_period),
        "now": now,
    }


def post_data(
    session: Session, config: Config, post_id: int, now: datetime
) -> dict[str, Any] | None:
    post = session.get(Post, post_id)
    if post is None:
        return None
    photos = post_rows.post_photos(session, post_id=post_id)
    publications = publication_rows.publications(session, post_id=post_id)
    recap = session.get(Recap, post.recap_id) if post.recap_id is not None else None
    pending = post.status is PostStatus.PENDING
    shown = preview(post_id, post_rules.as_draft(post), [p.path for p in photos])
    return {
        "post": post,
        "preview": shown,
        "photos": photos,
        "publications": [
            (p, publication_url(config, p.channel, p.external_id)) for p in publications
        ],
        "history": audit_rows.audit_entries(session, post_id=post_id, actor=None),
        "engagement": query.post_metrics(session, config, post_id=post_id),
        "votes": post_rows.votes(session, post_id=post_id),
        "recap": recap,
        "tone": getattr(recap, "tone", None) if recap is not None else None,
        "proposed": decisions.proposed_slot(session, config, post=post, now=now)
        if pending
        else None,
        "free_slots": decisions.free_slots(session, config, post=post, now=now, count=6)
        if pending
        else [],
        "quorum": config.settings.telegram.quorum,
        "can_cancel": post.status in CHANGEABLE,
        "can_retract": post.status in WENT_OUT
        and any(p.status is PublicationStatus.SENT for p in publications),
    }


def photo_file(
    session: Session, config: Config, post_id: int, position: int
) -> tuple[Path, str] | None:
    for photo in post_rows.post_photos(session, post_id=post_id):
        if photo.position == position:
            path = config.media_dir / photo.path
            return (path, photo.mime) if path.is_file() else None
    return None


def recaps_data(session: Session, config: Config, user_id: int, admin: bool) -> dict[str, Any]:
    audiences = _audiences(config, user_id, admin)
    newest = select(Recap).order_by(col(Recap.id).desc()).limit(200)
    recaps = [r for r in session.exec(newest).all() if audiences is None or r.unit in audiences]
    posts = session.exec(select(Post).where(col(Post.recap_id).in_([r.id for r in recaps]))).all()
    drafted: dict[int, list[Post]] = {}
    for post in posts:
        if post.recap_id is not None:
            drafted.setdefault(post.recap_id, []).append(post)
    names = {u.id: u.name for u in config.units}
    rows = [
        {
            "recap": r,
            "posts": drafted.get(r.id or 0, []),
            "unit": names.get(r.unit, r.unit) if r.unit else None,
            "tone": getattr(r, "tone", None),
            "duplicate_of": getattr(r, "duplicate_of", None),
        }
        for r in recaps
    ]
    return {"rows": rows}


def report_html(
    session: Session,
    config: Config,
    *,
    start: date | None,
    end: date | None,
    unit: str | None,
    language: str,
    now: datetime,
) -> str:
    first, last = report.period(config, start=start, end=end, now=now)
    built = report.build(session, config, start=first, end=last, now=now, unit=unit)
    return report.as_html(built, generated=now, language=language)


def audit_data(
    session: Session, post_id: int | None, user_id: int | None, action: str | None
) -> list[AuditEntry]:
    entries = audit_rows.audit_entries(session, post_id=post_id, actor=user_id, limit=5000)
    if action:
        entries = [e for e in entries if e.action == action]
    return list(reversed(entries))[:500]

"""Drafting: a pending post from a recap, chosen by kind, unit and the fair rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlmodel import Session

from bot import ingest, rewriting
from bot.config import Config
from bot.domain import drafting, ranking, rotation, tone
from bot.domain.errors import N_, InvalidStateError, NotFoundError
from bot.domain.posts import PostKind
from bot.services import events
from bot.services.views import PostView
from bot.storage import post_rows, recap_rows
from bot.storage.models import Recap


def draft(
    session: Session,
    config: Config,
    *,
    kind: PostKind,
    recap_id: int | None,
    now: datetime | None = None,
    unit: str | None = None,
) -> PostView:
    """Draft a pending post of ``kind`` from a recap not yet used for that kind there.

    ``unit``: for that member unit's channels, from its own recaps; None: for the
    organisation's channels (every channel in a config without units), from any recap.
    Without ``recap_id``: the daily post takes the newest unused recap; the weekly story
    takes, among the week's unused recaps, the one with the most human-centred passages
    (named people, their words, concrete deeds), the newest on a tie. For the organisation
    in a config with units, the fair rotation chooses the unit first
    (:mod:`bot.domain.rotation`) and the post keeps its reason for the admins.
    """
    if unit is not None and not config.channels_of(config.unit(unit).id):
        raise InvalidStateError(
            N_("unit {unit} has no channels of its own; draft for the organisation"), unit=unit
        )
    reason: rotation.Reason | None = None
    if recap_id is None:
        recap, reason = _pick_recap(session, config, kind=kind, unit=unit, now=now)
        if recap is None:
            raise NotFoundError(
                N_(
                    "no recap left that has not been drafted as {kind}; "
                    "add one with `goodnews recap add`"
                ),
                kind=kind.value,
            )
    else:
        recap = recap_rows.get_recap(session, recap_id=recap_id)
        if unit is not None and recap.unit != unit:
            raise InvalidStateError(
                N_("recap {recap_id} is not unit {unit}'s news"), recap_id=recap_id, unit=unit
            )
        if recap_rows.recap_used_for(session, recap_id=recap_id, kind=kind, audience=unit):
            raise InvalidStateError(
                N_("recap {recap_id} was already drafted as a {kind} post"),
                recap_id=recap_id,
                kind=kind.value,
            )
    settings = config.settings.drafting
    whose = next((u for u in config.units if u.id == recap.unit), None)
    unit_tags = whose.post_hashtags if whose is not None else []
    result = drafting.draft_post(
        kind=kind,
        title=recap.title,
        text=recap.text,
        link=recap.source_url,
        hashtags=[*settings.hashtags_for(kind), *unit_tags],
        max_chars=settings.max_chars_for(kind),
        lead_with=tone.positive_element(recap.tone_reasons, mixed=recap.tone_mixed),
        opening=settings.opening_for(kind),  # the kind's template
        closing=settings.closing_for(kind),
    )
    rewritten = rewriting.rewrite_draft(  # optional, off by default
        settings.rewrite,
        result,
        source=recap.text,
        max_chars=settings.max_chars_for(kind),
        closing=settings.closing_for(kind),
    )
    result = rewritten.draft
    post = post_rows.add_post(
        session,
        kind=kind,
        title=result.title,
        body=result.body,
        link=result.link,
        hashtags=result.hashtags,
        recap_id=recap.id,
        unit=recap.unit,
        audience=unit,
    )
    post.tone, post.tone_reasons = recap.tone, recap.tone_reasons  # shown to admins
    post.extractive_body, post.rewrite_note = rewritten.extractive, rewritten.note or None
    if reason is not None:
        post.rotation_waiting, post.rotation_last_featured = reason.waiting, reason.last_featured
    session.add(post)
    session.flush()
    assert post.id is not None and recap.id is not None
    _photos_from_recap(session, post_id=post.id, recap_id=recap.id)
    events.ask_admins(session, post_id=post.id)  # with the draft: never one without the other
    return PostView.of(post)


def _pick_recap(
    session: Session, config: Config, *, kind: PostKind, unit: str | None, now: datetime | None
) -> tuple[Recap | None, rotation.Reason | None]:
    """The recap to draft from: a unit's own, or for the organisation any unit's; in a
    config with units, the organisation's is chosen by the fair rotation (with its reason).
    """
    if unit is None and config.units:
        return _rotate(session, kind=kind, now=now)
    whose: str | Literal["any"] | None = unit if unit is not None else "any"
    if kind is PostKind.WEEKLY:
        since = (now or datetime.now(UTC)) - timedelta(days=7)
        candidates = recap_rows.unused_recaps(
            session, kind=kind, since=since, audience=unit, unit=whose
        )
        if candidates:
            # max() keeps the first of equals, and candidates come newest first.
            return max(candidates, key=_story_potential), None
    return recap_rows.newest_unused_recap(session, kind=kind, audience=unit, unit=whose), None


def _rotate(
    session: Session, *, kind: PostKind, now: datetime | None
) -> tuple[Recap | None, rotation.Reason | None]:
    """The organisation's recap by the fair rotation (see :mod:`bot.domain.rotation`): the
    weekly story from the week's recaps (else the newest of each unit), the daily post from
    the newest unused recap of each unit."""
    recaps: list[Recap] = []
    if kind is PostKind.WEEKLY:
        since = (now or datetime.now(UTC)) - timedelta(days=7)
        recaps = recap_rows.unused_recaps(
            session, kind=kind, since=since, audience=None, unit="any"
        )
    recaps = recaps or recap_rows.newest_unused_per_unit(session, kind=kind, audience=None)
    weekly = kind is PostKind.WEEKLY
    candidates = [
        rotation.Candidate(
            recap_id=r.id,
            unit=r.unit,
            created_at=r.created_at,
            score=_story_potential(r) if weekly else 0.0,
        )
        for r in recaps
        if r.id is not None
    ]
    featured = recap_rows.last_featured(session, kind=kind)
    pick = rotation.pick_weekly if weekly else rotation.pick_daily
    choice = pick(candidates, featured)
    if choice is None:
        return None, None
    chosen = next(r for r in recaps if r.id == choice.recap_id)
    return chosen, choice.reason


def _story_potential(recap: Recap) -> float:
    potential = ranking.story_potential(recap.cleaned.split("\n\n"))
    return potential * tone.story_factor(recap.tone)  # good news first


def _photos_from_recap(session: Session, *, post_id: int, recap_id: int) -> None:
    """The post takes its recap's stored photos, in order. Photos known only by a URL and
    types the platforms do not take as photos (a GIF) stay with the recap: publishing
    uploads local files."""
    kept = [
        photo
        for photo in recap_rows.recap_photos(session, recap_id=recap_id)
        if photo.path and photo.sha256 and photo.mime in ingest.PHOTO_TYPES
    ]
    for position, photo in enumerate(kept, start=1):
        assert photo.path is not None and photo.sha256 is not None
        post_rows.add_post_photo(
            session,
            post_id=post_id,
            position=position,
            mime=photo.mime,
            sha256=photo.sha256,
            path=photo.path,
        )

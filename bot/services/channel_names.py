"""Channels as people know them: a Telegram channel's title or @username, a Facebook Page's
name, rather than the name in the config (``telegram-main``). The platforms say it when
asked (``goodnews check``, and the worker at its start); it is kept on the channel's row,
so saying it never waits on a platform, and the config's name stands in until then."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session

from bot.config import Config
from bot.domain.notices import ChannelName
from bot.domain.posts import PublicationStatus
from bot.platforms.base import ChannelCheck
from bot.platforms.registry import platform_of, publication_url, used_by
from bot.storage import channel_rows, publication_rows
from bot.storage.gateway import Gateway

log = logging.getLogger(__name__)

#: How long the worker waits on the platforms for the titles (it never waits to publish).
ASK_TIMEOUT = 60.0


def channel_labels(session: Session, config: Config) -> dict[str, str]:
    """Each configured channel's title, else its config name; a title two channels share
    (the organisation's Telegram channel and its Page, often) says which platform."""
    known = channel_rows.titles(session)
    titles = {c.name: known.get(c.name) or c.name for c in config.channels}
    shared = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    return {
        c.name: f"{titles[c.name]} ({c.type.capitalize()})"
        if titles[c.name] in shared
        else titles[c.name]
        for c in config.channels
    }


def named(session: Session, config: Config) -> dict[str, ChannelName]:
    """Each configured channel as people know it, with the link that opens it (if any)."""
    labels = channel_labels(session, config)
    return {c.name: ChannelName(labels[c.name], platform_of(c).home(c)) for c in config.channels}


def remember(session: Session, checks: list[ChannelCheck]) -> None:
    """Keep the titles the checks learnt (a check that did not get that far changes none)."""
    channel_rows.set_titles(session, titles={c.channel: c.title for c in checks if c.title})


async def refresh(db: Gateway, config: Config) -> None:
    """Ask each platform how it names the configured channels, and keep it. Never raises:
    an unknown title only means the config's name is shown."""
    try:
        async with asyncio.timeout(ASK_TIMEOUT):
            answers = await asyncio.gather(
                *(
                    p.check(config, [c for c in config.channels if c.type == p.name])
                    for p in used_by(config)
                )
            )
        await db.run(remember, [check for checks in answers for check in checks])
    except Exception as exc:  # titles are a courtesy: never stop the worker for them
        log.warning("could not learn the channels' titles: %s", exc)


def published_on(session: Session, config: Config, *, post_id: int) -> list[tuple[str, str | None]]:
    """Where the post is out: each channel as people know it, and the link to it there."""
    labels = channel_labels(session, config)
    return [
        (labels.get(p.channel, p.channel), publication_url(config, p.channel, p.external_id))
        for p in publication_rows.publications(session, post_id=post_id)
        if p.status is PublicationStatus.SENT
    ]

"""``goodnews demo``: the day's flow end to end on the embedded defaults, shown as people see
it (the admin's approval message with its buttons, the channel post, the Facebook post), in
the CLI's language. Each run starts afresh in its folder: the same posts, the same ids."""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot import cli_texts
from bot import config as config_module
from bot.chat.approval import keyboard, request_text
from bot.chat.texts import Texts
from bot.cli_texts import tr
from bot.config import Config, Secrets
from bot.domain.posts import PostKind
from bot.platforms.publishers import open_publishers
from bot.services import decisions, drafter, intake
from bot.storage import db
from jobs.publish import publish_due

SAMPLES = (
    ("recap-vi-hien-mau.txt", PostKind.DAILY),
    ("recap-vi-mua-he-xanh.txt", PostKind.WEEKLY),
)
DATABASE = "goodnews.db"


def demo_config(folder: Path, language: str) -> Config:
    """The embedded defaults with the database, outbox and photos inside ``folder``, in
    ``language``, and no tokens."""
    defaults = config_module.parse_settings(
        config_module.default_config_text(), source="embedded defaults"
    )
    settings = defaults.model_copy(
        update={
            "outbox_dir": str(folder / "outbox"),
            "media_dir": str(folder / "media"),
            "database_url": f"sqlite:///{folder / DATABASE}",
            "language": language,
        }
    )
    return Config(
        settings=settings,
        secrets=Secrets(telegram_bot_token=None, facebook_page_token=None),
        path=None,
        database_url=settings.database_url,
    )


def start_afresh(folder: Path) -> None:
    """Remove what an earlier demo left in ``folder`` (its database, outbox and photos; only
    those, as ``--dir`` may name a folder that holds other things)."""
    for name in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal"):
        (folder / name).unlink(missing_ok=True)
    for name in ("outbox", "media"):
        shutil.rmtree(folder / name, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def run_demo(folder: Path, *, out: Callable[[str], None], note: Callable[[str], None]) -> None:
    start_afresh(folder)
    config = demo_config(folder, cli_texts.language())
    t = Texts(config.settings.language, config.tz)
    engine = db.make_engine(config.database_url)
    db.upgrade(engine)
    now = datetime.now(UTC)
    note(tr("demo in {folder}/ (database and outbox); nothing is sent anywhere", folder=folder))
    for filename, kind in SAMPLES:
        data = resources.files("bot").joinpath("samples", filename).read_bytes()
        recap = db.unit(
            engine, intake.store_recap, data=data, source=filename, title=None, url=None
        )
        post = db.unit(engine, drafter.draft, config, kind=kind, recap_id=recap.id)
        proposed = db.unit(engine, decisions.proposed_slot, config, post=post, now=now)
        request = approval_message(t, config, post, proposed)
        decision = db.unit(engine, decisions.approve, config, post_id=post.id, by=None, now=now)
        slot = decision.post.slot
        assert slot is not None
        note(tr("recap {recap_id} stored: {title}", recap_id=recap.id, title=recap.title))
        out(_heading(tr("The admins get this in Telegram:")))
        out(request)
        note(tr("post {post_id} approved: goes out {slot}", post_id=post.id, slot=t.when(slot)))
        for channel, status, path in asyncio.run(_tick(engine, config, slot)):
            out(_heading(_channel_heading(config, channel, t.when(slot))))
            out(channel_view(Path(path)))
            note(cli_texts.published(post.id, channel, status, path))
    note(
        tr(
            "next: put TELEGRAM_BOT_TOKEN / FACEBOOK_PAGE_TOKEN in .env, run `goodnews init`, "
            "edit config.toml, then `goodnews run`"
        )
    )


def approval_message(t: Texts, config: Config, post: Any, slot: datetime) -> str:
    """The admin's approval message as text, its buttons' labels below it."""
    assert post.id is not None
    markup = keyboard(t, post.id, rewritten=post.extractive_body is not None)
    buttons = "\n".join(
        "  ".join(f"[ {button.text} ]" for button in row) for row in markup.inline_keyboard
    )
    return f"{plain(request_text(t, config, post, slot))}\n{buttons}"


def channel_view(path: Path) -> str:
    """What a channel's followers read, from the dry run's file: the text or caption of each
    request (Telegram's HTML as text), and the photos that go with it."""
    written = json.loads(path.read_text(encoding="utf-8"))
    parts: list[str] = []
    for request in [written, *written.get("then", [])]:
        params = request.get("params", {})
        text = params.get("text") or params.get("caption") or params.get("message")
        if text:
            parts.append(plain(text) if params.get("parse_mode") == "HTML" else text)
    parts += [tr("[photo: {path}]", path=photo) for photo in written.get("media", [])]
    return "\n\n".join(parts)


def plain(markup: str) -> str:
    """Telegram HTML as a person reads it: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _heading(text: str) -> str:
    return f"\n── {text} ──"


def _channel_heading(config: Config, name: str, when: str) -> str:
    channel = next(c for c in config.channels if c.name == name)
    if channel.type == "facebook":
        return tr("The Facebook Page {name}, at {when}:", name=name, when=when)
    return tr("The Telegram channel {name}, at {when}:", name=name, when=when)


async def _tick(engine: Engine, config: Config, at: datetime) -> list[tuple[str, str, str]]:
    async with open_publishers(config) as publishers:
        report = await publish_due(engine=engine, config=config, publishers=publishers, at=at)
    return [(o.channel, o.status.value, o.detail) for o in report.outcomes]

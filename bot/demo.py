"""``goodnews demo``: the day's flow end to end on the embedded defaults, into the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import Engine

from bot import config as config_module
from bot.config import Config, Secrets
from bot.domain.posts import PostKind
from bot.domain.slots import format_local
from bot.platforms.publishers import open_publishers
from bot.services import decisions, drafter, intake
from bot.storage import db
from jobs.publish import publish_due

SAMPLES = (
    ("recap-vi-hien-mau.txt", PostKind.DAILY),
    ("recap-vi-mua-he-xanh.txt", PostKind.WEEKLY),
)


def demo_config(folder: Path) -> Config:
    """The embedded defaults with the database and outbox inside ``folder`` and no tokens."""
    defaults = config_module.parse_settings(
        config_module.default_config_text(), source="embedded defaults"
    )
    settings = defaults.model_copy(
        update={
            "outbox_dir": str(folder / "outbox"),
            "database_url": f"sqlite:///{folder}/goodnews.db",
        }
    )
    return Config(
        settings=settings,
        secrets=Secrets(telegram_bot_token=None, facebook_page_token=None),
        path=None,
        database_url=settings.database_url,
    )


def run_demo(folder: Path, *, out: Callable[[str], None], note: Callable[[str], None]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    config = demo_config(folder)
    engine = db.make_engine(config.database_url)
    db.upgrade(engine)
    now = datetime.now(UTC)
    note(f"demo in {folder}/ (database and outbox); nothing is sent anywhere")
    written: list[str] = []
    for filename, kind in SAMPLES:
        data = resources.files("bot").joinpath("samples", filename).read_bytes()
        with db.session_scope(engine) as session:
            recap = intake.store_recap(session, data=data, source=filename, title=None, url=None)
            post = drafter.draft(session, config, kind=kind, recap_id=recap.id)
            assert post.id is not None
            decision = decisions.approve(session, config, post_id=post.id, by=None, now=now)
        slot = decision.post.slot
        assert slot is not None
        note(f"1. recap {recap.id} stored: {recap.title}")
        note(
            f"2. post {post.id} drafted as {kind.value}; 3. approved for "
            f"{format_local(slot, config.tz)}"
        )
        report = asyncio.run(_tick(engine, config, slot))
        for channel, line, path in report:
            note(f"4. at the slot, post {post.id} → {channel}: {line}, written to {path}")
            written.append(path)
    for path in written:  # this run's files only: an earlier run's stay but are not repeated
        out(f"── {path} ──")
        out(Path(path).read_text(encoding="utf-8"))
    note(
        "next: put TELEGRAM_BOT_TOKEN / FACEBOOK_PAGE_TOKEN in .env, run `goodnews init`, "
        "edit config.toml, then `goodnews run`"
    )


async def _tick(engine: Engine, config: Config, at: datetime) -> list[tuple[str, str, str]]:
    async with open_publishers(config) as publishers:
        report = await publish_due(engine=engine, config=config, publishers=publishers, at=at)
    return [(o.channel, o.status.value, o.detail) for o in report.outcomes]

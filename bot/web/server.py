"""Serving the dashboard: uvicorn on the running event loop, so ``goodnews run --web`` keeps
the worker, the bot and the web on one loop and one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import uvicorn
from telegram import Bot

from bot.config import Config
from bot.storage import db, logins
from bot.storage.gateway import Engine
from bot.web import auth
from bot.web.actions import Desk
from bot.web.app import Web, Webhook, create_app

#: How long a link printed by ``goodnews web --login-link`` stays valid.
LINK_VALIDITY = timedelta(minutes=10)


def make_web(
    config: Config,
    engine: Engine,
    *,
    bot: Bot | None,
    on_scheduled: Callable[[int, datetime], None] | None = None,
    webhook: Webhook | None = None,
    secure: bool = False,
) -> Web:
    desk = Desk(engine, config, bot, on_scheduled)
    web = Web(desk, auth.Signer.for_token(config.secrets.telegram_bot_token), webhook=webhook)
    web.secure = secure
    web.bot_username = bot.username if bot is not None and bot._bot_user else None
    return web


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the process's own (the worker's) decide."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(web: Web, *, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set."""
    server = _Server(
        uvicorn.Config(
            create_app(web),
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            proxy_headers=True,
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await task
        logging.getLogger(__name__).info("web stopped")


def login_link(engine: Engine, *, user_id: int, base_url: str, now: datetime | None = None) -> str:
    """A one-time login for ``user_id``: valid for 10 minutes, used at most once."""
    secret, digest = auth.link_secret()
    now = now or datetime.now(UTC)
    db.unit(
        engine,
        logins.add_login_link,
        digest=digest,
        user_id=user_id,
        expires_at=now + LINK_VALIDITY,
    )
    return f"{base_url.rstrip('/')}/auth/link/{secret}"

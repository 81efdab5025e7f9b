"""The long-running worker: the Telegram bot (long polling) and the scheduler on one event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest
from tornado.httpserver import HTTPServer

from bot.chat.admin import publish_command_menus
from bot.chat.alerts import dispatch, send_notice, warn_empty_slots, weekly_summary
from bot.chat.handlers import register
from bot.chat.services import ChatServices
from bot.chat.trouble import PollingBot, TokenRefusedError, on_error
from bot.chat.webhook import start_server
from bot.config import Config
from bot.domain.errors import N_, ConfigError, Text
from bot.domain.notices import Notice
from bot.platforms.publishers import Publishers, open_publishers
from bot.services import access
from bot.storage.gateway import Gateway, gateway_for
from jobs.engagement import Collector
from jobs.scheduler import Worker

log = logging.getLogger(__name__)

#: Connections for the bot's own requests (PTB's default when it builds the bot).
POOL = 256


def build_application(config: Config, token: str) -> Application:  # type: ignore[type-arg]
    api = config.settings.telegram.api_url
    bot = PollingBot(
        token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=HTTPXRequest(connection_pool_size=POOL),
        get_updates_request=HTTPXRequest(),
    )
    application = ApplicationBuilder().bot(bot).build()
    application.add_error_handler(on_error)
    return application


def _polling_failed(error: TelegramError) -> None:
    """getUpdates failed; PTB retries with backoff. A refused token was said once already."""
    if not isinstance(error, TokenRefusedError):
        log.warning("receiving updates failed (retrying): %s", error)


@dataclass(frozen=True)
class Webhook:
    """Receive updates over HTTPS instead of long polling (platforms with an HTTP router)."""

    url: str  # the public URL Telegram posts to; its path is served
    listen: str
    port: int
    secret: str  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; others get 403

    async def tell(self, bot: Bot, allowed: list[str]) -> None:
        """Tell Telegram where to post updates (``allowed``: which kinds)."""
        try:
            await bot.set_webhook(self.url, secret_token=self.secret, allowed_updates=allowed)
        except TelegramError as exc:
            raise ConfigError(f"--webhook: Telegram refused {self.url}: {exc}") from None


@dataclass(frozen=True)
class WebOptions:
    """Serve the dashboard beside the worker (``goodnews run --web``): where it listens,
    and whether it is reached over https (Secure cookies)."""

    host: str
    port: int
    secure: bool = False


async def run_worker(
    config: Config,
    *,
    engine: Engine,
    with_bot: bool = True,
    webhook: Webhook | None = None,
    stop: asyncio.Event | None = None,
    announce: Callable[[str], None] = print,
    web: WebOptions | None = None,
) -> None:
    """Run until ``stop`` is set (SIGINT/SIGTERM set it when we own the loop's signals).

    With ``web``, the dashboard is served on the same loop; with a webhook too, Telegram's
    updates arrive through the dashboard's server on the webhook URL's path."""
    long_running()
    stop = stop or _stop_on_signals()
    token = config.secrets.telegram_bot_token
    application = build_application(config, token) if (with_bot and token) else None
    if application is not None:
        await start_application(application)
    try:
        async with open_publishers(
            config, bot=application.bot if application is not None else None
        ) as publishers:
            await _Run(config, engine, application, stop, announce, webhook, web).serve(publishers)
    finally:
        if application is not None:
            await application.shutdown()


#: Python's usual collection thresholds, which a short command raises (bot.cli.main).
USUAL_GC_THRESHOLDS = (700, 10, 10)


def long_running() -> None:
    """The cyclic garbage collector back to its usual rhythm if ``goodnews`` slowed it (as it
    does for short commands), with what start-up built frozen out of its scans: that lives
    as long as the process. Callers that left it alone (tests, an embedding program) are."""
    if gc.get_threshold() != USUAL_GC_THRESHOLDS:
        gc.freeze()
        gc.set_threshold(*USUAL_GC_THRESHOLDS)


async def start_application(application: Application) -> None:  # type: ignore[type-arg]
    """Initialise (``getMe``): a refused token is one line, never the token itself."""
    try:
        await application.initialize()
    except InvalidToken:
        raise ConfigError("TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)") from None


@dataclass(frozen=True)
class _Run:
    """One run of the worker: what each of its steps reads."""

    config: Config
    engine: Engine
    application: Application | None  # type: ignore[type-arg]
    stop: asyncio.Event
    announce: Callable[[str], None]
    webhook: Webhook | None
    web: WebOptions | None

    async def serve(self, publishers: Publishers) -> None:
        """The worker, the chat and the dashboard until ``stop``; then the pass in flight."""
        config, engine, application = self.config, self.engine, self.application
        announce = self.announce
        bot = application.bot if application is not None else None
        db = gateway_for(engine)

        async def notify(notice: Notice) -> None:
            await send_notice(bot, db=db, config=config, notice=notice)

        async def warn_empty(now: datetime) -> object:
            return await warn_empty_slots(bot, db=db, config=config, now=now)

        async def summarise(now: datetime) -> object:
            return await weekly_summary(bot, db=db, config=config, now=now)

        async def deliver() -> datetime | None:
            assert bot is not None
            return await dispatch(bot, db=db, config=config)

        collector = Collector(engine, config, bot=bot, notify=notify)
        await collector.start()
        worker = Worker(
            engine=engine,
            config=config,
            publishers=publishers,
            notify=notify,
            warn_empty=warn_empty,
            summarise=summarise,
            dispatch=deliver if bot is not None else None,  # without chat the events wait
            collect=collector.run,
        )
        notice = publishers.dry_run_notice(config)
        if notice:
            announce(notice)
        if application is None:
            announce(Text(N_("chat is off (no TELEGRAM_BOT_TOKEN, or --no-bot): publishing only")))
        await worker.start()
        server: HTTPServer | None = None
        try:
            if application is not None:
                server = await self._chat(application, db, worker)
            announce(Text(N_("goodnews is running; Ctrl-C stops it")))
            if self.web is not None:
                await self._serve_web(self.web, worker)
            await self.stop.wait()
        finally:
            announce(Text(N_("stopping: finishing the publication in flight")))
            if server is not None:
                server.stop()
            if application is not None and application.updater is not None:
                if application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
            await worker.stop()

    async def _chat(
        self,
        application: Application,  # type: ignore[type-arg]
        db: Gateway,
        worker: Worker,
    ) -> HTTPServer | None:
        """The chat handlers and command menus, then updates received: by long polling,
        through the dashboard's server, or through our own webhook server (returned)."""
        config, webhook = self.config, self.webhook
        register(application, ChatServices(config, self.engine, db, on_scheduled=worker.schedule))
        admins = await db.run(lambda s: access.people_with(s, config, "admin"))
        officers = await db.run(lambda s: access.people_with(s, config, "officer"))
        await publish_command_menus(application, config, admins, officers)
        await application.start()
        assert application.updater is not None
        # Reaction counts are not sent unless asked for (the channels' posts' reactions).
        allowed = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MESSAGE_REACTION_COUNT]
        if webhook is None:
            await application.updater.start_polling(
                timeout=config.settings.telegram.poll_timeout,
                allowed_updates=allowed,
                error_callback=_polling_failed,
            )
            return None
        if self.web is not None:
            await webhook.tell(application.bot, allowed)
            self.announce(
                Text(
                    N_("receiving updates at {url} (the dashboard's port {port})"),
                    url=webhook.url,
                    port=self.web.port,
                )
            )
            return None
        server = await _start_webhook(application, webhook, allowed)
        self.announce(
            Text(N_("receiving updates at {url} (port {port})"), url=webhook.url, port=webhook.port)
        )
        return server

    async def _serve_web(self, web: WebOptions, worker: Worker) -> None:
        """The dashboard until ``stop``: decisions reach the worker's schedule and the bot."""
        from bot.web.app import Webhook as WebHook
        from bot.web.server import make_web, serve

        hook, app = None, self.application
        if self.webhook is not None and app is not None:

            async def deliver(data: dict[str, Any]) -> None:
                await app.update_queue.put(Update.de_json(data, app.bot))

            hook = WebHook(urlsplit(self.webhook.url).path or "/", self.webhook.secret, deliver)
        dashboard = make_web(
            self.config,
            self.engine,
            bot=app.bot if app is not None else None,
            on_scheduled=worker.schedule,
            webhook=hook,
            secure=web.secure,
        )
        self.announce(Text(N_("dashboard at {url}"), url=f"http://{web.host}:{web.port}/"))
        await serve(dashboard, host=web.host, port=web.port, stop=self.stop)


async def run_web(
    config: Config,
    *,
    engine: Engine,
    web: WebOptions,
    stop: asyncio.Event | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """The dashboard alone (``goodnews web``): decisions edit the admins' chat copies with
    the bot token when one is set; the worker picks the schedule up at its next sweep."""
    from bot.platforms.telegram.client import make_bot, start_bot
    from bot.web.server import make_web, serve

    long_running()
    stop = stop or _stop_on_signals()
    bot = make_bot(config)
    if bot is not None:
        await start_bot(bot)
    else:
        announce(
            Text(N_("no TELEGRAM_BOT_TOKEN: log in with --login-link; chat copies are not updated"))
        )
    try:
        dashboard = make_web(config, engine, bot=bot, secure=web.secure)
        announce(
            Text(N_("dashboard at {url} ; Ctrl-C stops it"), url=f"http://{web.host}:{web.port}/")
        )
        await serve(dashboard, host=web.host, port=web.port, stop=stop)
    finally:
        if bot is not None:
            await bot.shutdown()


async def _start_webhook(
    application: Application,  # type: ignore[type-arg]
    webhook: Webhook,
    allowed: list[str],
) -> HTTPServer:
    """Our webhook server (the secret checked before any body is read, bodies capped at
    1 MB), then Telegram told where to send updates."""
    server = start_server(
        application,
        path=urlsplit(webhook.url).path.lstrip("/"),
        secret=webhook.secret,
        listen=webhook.listen,
        port=webhook.port,
    )
    try:
        await webhook.tell(application.bot, allowed)
    except ConfigError:
        server.stop()
        raise
    return server


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop

"""The webhook server: Telegram's updates over HTTP, for platforms with an HTTP router.

python-telegram-bot's own server (``Updater.start_webhook``) reads a request's whole body,
up to tornado's default of 100 MB, before it looks at the secret header: four 95 MB POSTs
without the secret grew the worker by 450 MB. This one streams the body: the secret is
checked as soon as the headers arrive (a wrong one is answered 403 before any body is read)
and a body is capped at :data:`MAX_BODY` (Telegram's updates are a few kilobytes). Updates go
into the application's queue, as PTB's server puts them (its documented custom-webhook way).
"""

from __future__ import annotations

import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 1 MB
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POSTs of one update each, with the secret header; anything else is refused early."""

    def initialize(self, chat: Application, secret: str) -> None:  # type: ignore[type-arg]
        self.chat = chat
        self.secret = secret
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        """Headers only so far: the secret, then the size, before reading any body."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.request.method != "POST":
            raise tornado.web.HTTPError(HTTPStatus.METHOD_NOT_ALLOWED)
        length = self.request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.request.connection.set_max_body_size(MAX_BODY)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_BODY:  # a chunked body without a Content-Length
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data: Any = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.chat.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook: an update that could not be read was refused: %s", exc)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        await self.chat.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):  # refusals are not errors
            super().log_exception(typ, value, tb)


def start_server(
    application: Application,  # type: ignore[type-arg]
    *,
    path: str,
    secret: str,
    listen: str,
    port: int,
) -> HTTPServer:
    """Listen at ``listen:port`` and serve ``/path``; the caller stops it."""
    app = tornado.web.Application(
        [(f"/{path}", UpdateHandler, {"chat": application, "secret": secret})],
        log_function=lambda handler: None,  # no access log: request lines are not news
    )
    server = HTTPServer(app, max_body_size=MAX_BODY)
    server.listen(port, address=listen)
    return server

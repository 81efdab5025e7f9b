"""The dashboard as a Starlette app: login with Telegram, the calendar, posts, recaps, the
report and the audit log; decisions through :mod:`bot.web.actions`.

Every page is rendered on the server (Jinja2); htmx, served from ``/static``, only makes
links and forms swap the page body. Every POST carries the session's CSRF token, checked
before anything else: without it nothing changes (403).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import i18n, report
from bot.chat.texts import Texts, texts_for
from bot.domain.errors import N_, UserError
from bot.domain.posts import PostKind
from bot.health import check_health
from bot.services import pages
from bot.services.calendar import calendar
from bot.services.post_rules import as_draft
from bot.storage import logins
from bot.web import actions as web_actions
from bot.web import auth
from bot.web.cells import day_cells
from bot.web.preview import preview

COOKIE, LANG_COOKIE = "goodnews_session", "goodnews_lang"
STATIC = Path(__file__).parent / "static"
#: The largest recap file the dashboard takes (the CLI's limit too).
MAX_UPLOAD = 10 * 1024 * 1024


@dataclass(frozen=True)
class Webhook:
    """Telegram's updates received on this app: the URL's path, the secret Telegram echoes
    in X-Telegram-Bot-Api-Secret-Token, and where each update goes."""

    path: str
    secret: str
    deliver: Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Viewer:
    """The person at the browser, their roles and their language."""

    user_id: int
    name: str
    roles: frozenset[str]
    csrf: str
    t: Texts

    @property
    def admin(self) -> bool:
        return "admin" in self.roles

    @property
    def officer(self) -> bool:
        return "officer" in self.roles


@dataclass
class Web:
    desk: web_actions.Desk
    signer: auth.Signer
    bot_username: str | None = None
    webhook: Webhook | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    env: Environment = field(
        default_factory=lambda: Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )

    # -- plumbing --------------------------------------------------------------------------

    def language(self, request: Request, remembered: str | None = None) -> str:
        """The cookie's choice, else the one the person's Telegram app reported, else ours."""
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in i18n.LANGUAGES:
            return str(chosen)
        return remembered or self.desk.config.settings.language

    def render(
        self, request: Request, name: str, viewer: Viewer | None, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        t = viewer.t if viewer else texts_for(self.language(request), self.desk.config.tz)
        catalog = i18n.translations(t.language)
        html = self.env.get_template(name).render(
            _=catalog.gettext,
            ngettext=catalog.ngettext,
            t=t,
            viewer=viewer,
            request=request,
            kinds=PostKind,
            day_cells=day_cells,
            day_label=lambda day: f"{_weekday(t.language, day.weekday())} {day:%d/%m}",
            **ctx,
        )
        return HTMLResponse(html, status_code=status)

    async def viewer(self, request: Request) -> Viewer | None:
        config = self.desk.config
        signed = self.signer.session(
            request.cookies.get(COOKIE), now=self.clock(), max_age=config.session_max_age
        )
        if signed is None:
            return None
        roles, remembered = await self.desk.db.run(pages.who, config, signed.user_id)
        t = texts_for(self.language(request, remembered), config.tz)
        name = signed.name or f"#{signed.user_id}"
        return Viewer(signed.user_id, name, frozenset(roles), self.signer.csrf(signed), t)

    async def gate(
        self, request: Request, *, need: str | None = None
    ) -> tuple[Viewer | None, Response | None]:
        """The viewer allowed here, or the response instead: the login page, a polite
        refusal (no role, or not the role needed), or 403 for a POST without its token."""
        viewer = await self.viewer(request)
        if viewer is None:
            if request.method != "GET":
                return None, self.refuse(request, None)
            return None, RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
        if request.method == "POST":
            form = await request.form(max_part_size=MAX_UPLOAD)
            sent = form.get("csrf") or request.headers.get("x-csrf-token")
            if not isinstance(sent, str) or not hmac.compare_digest(sent, viewer.csrf):
                return None, self.refuse(request, viewer)
        if not viewer.roles & {"admin", "officer"} or (need and need not in viewer.roles):
            return None, self.refuse(request, viewer)
        return viewer, None

    def refuse(self, request: Request, viewer: Viewer | None) -> HTMLResponse:
        return self.render(request, "denied.html", viewer, status=403)

    def login_response(self, request: Request, user_id: int, name: str) -> Response:
        now = self.clock()
        signed = auth.new_session(user_id, now, name)
        response = RedirectResponse("/", 303)
        secure = self.secure or request.url.scheme == "https"  # behind a TLS proxy too
        age = int(self.desk.config.session_max_age.total_seconds())
        response.set_cookie(
            COOKIE,
            self.signer.cookie(signed),
            max_age=age,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        return response

    secure: bool = False  # Secure cookies: set when served behind https


View = Callable[..., Awaitable[Response]]


def page(need: str | None = None) -> Callable[[View], Callable[..., Awaitable[Response]]]:
    """A view for people with a role (``need``: that one): the gate runs first (login,
    role, CSRF for a POST) and the view gets the app's :class:`Web` and the viewer."""

    def wrap(view: View) -> Callable[..., Awaitable[Response]]:
        @wraps(view)
        async def gated(request: Request, **extra: Any) -> Response:
            web: Web = request.app.state.web
            viewer, refused = await web.gate(request, need=need)
            if refused is not None or viewer is None:
                return refused or web.refuse(request, None)
            return await view(request, web, viewer, **extra)

        return gated

    return wrap


@cache
def _weekday(language: str, weekday: int) -> str:
    """The short name of a weekday (0: Monday) in ``language``: "Thứ 2", "Mon"."""
    return format_date(date(2026, 11, 30) + timedelta(days=weekday), "EEE", locale=language)


async def healthz(request: Request) -> Response:
    """200 while the database answers (the web process can serve), whatever the worker does:
    a host must not restart the dashboard for a stopped worker. The body says what
    `goodnews health` says: ``ok`` is the worker's heartbeat being fresh."""
    web: Web = request.app.state.web
    health = await run_in_threadpool(
        check_health, web.desk.engine, now=web.clock(), max_age=timedelta(minutes=5)
    )
    body = {"ok": health.ok, "reason": health.reason, "heartbeat_age": health.heartbeat_age}
    return JSONResponse(body, status_code=200 if health.database_ok else 503)


# -- login -------------------------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    web: Web = request.app.state.web
    target = request.query_params.get("next", "/")
    return web.render(
        request,
        "login.html",
        None,
        bot_username=web.bot_username,
        auth_url=str(request.url_for("auth_telegram")),
        target=target,
    )


async def auth_telegram(request: Request) -> Response:
    web: Web = request.app.state.web
    token = web.desk.config.secrets.telegram_bot_token
    fields = dict(request.query_params.items())
    try:
        if not token:
            raise auth.LoginError(N_("no TELEGRAM_BOT_TOKEN: the Telegram login cannot be checked"))
        user_id = auth.verify_widget(
            fields, bot_token=token, now=web.clock(), max_age=web.desk.config.login_max_age
        )
    except auth.LoginError as exc:
        return web.render(request, "login.html", None, status=403, error=exc, bot_username=None)
    name = " ".join(filter(None, (fields.get("first_name"), fields.get("last_name"))))
    return web.login_response(request, user_id, name or f"#{user_id}")


async def auth_link(request: Request) -> Response:
    web: Web = request.app.state.web
    digest = auth.link_digest(request.path_params["secret"])
    user_id = await web.desk.db.run(logins.use_login_link, digest=digest, now=web.clock())
    if user_id is None:
        error = auth.LoginError(N_("this login link is unknown, used or expired"))
        return web.render(request, "login.html", None, status=403, error=error, bot_username=None)
    return web.login_response(request, user_id, f"#{user_id}")


async def logout(request: Request) -> Response:
    web: Web = request.app.state.web
    viewer = await web.viewer(request)
    form = await request.form()
    if viewer is None or not hmac.compare_digest(str(form.get("csrf", "")), viewer.csrf):
        return web.refuse(request, viewer)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(COOKIE)
    return response


async def set_language(request: Request) -> Response:
    language = request.path_params["language"]
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", 303)
    if language in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


# -- pages -------------------------------------------------------------------------------------


@page()
async def calendar_page(request: Request, web: Web, viewer: Viewer) -> Response:
    view = request.query_params.get("view", "week")
    try:
        anchor = date.fromisoformat(request.query_params.get("date", ""))
    except ValueError:
        anchor = web.clock().astimezone(web.desk.config.tz).date()
    unit = request.query_params.get("unit") or None
    now = web.clock()
    shown = await web.desk.db.run(
        calendar,
        web.desk.config,
        user_id=viewer.user_id,
        admin=viewer.admin,
        view=view,
        anchor=anchor,
        unit=unit,
        now=now,
    )
    units = web.desk.config.units if viewer.admin else []
    return web.render(
        request, "calendar.html", viewer, **vars(shown), units=units, unit=unit, now=now
    )


@page()
async def post_page(
    request: Request, web: Web, viewer: Viewer, error: UserError | None = None, status: int = 200
) -> Response:
    config = web.desk.config
    found = await web.desk.db.run(
        pages.post_page,
        config,
        post_id=int(request.path_params["post_id"]),
        user_id=viewer.user_id,
        admin=viewer.admin,
        now=web.clock(),
    )
    if found is None:  # no such post, or another unit's
        return web.render(request, "denied.html", viewer, status=404)
    return web.render(
        request,
        "post.html",
        viewer,
        status=status,
        error=error,
        done=request.query_params.get("done"),
        preview=preview(found.post.id, as_draft(found.post), list(found.photos)),
        quorum=config.settings.telegram.quorum,
        **vars(found),
    )


@page()
async def post_photo(request: Request, web: Web, viewer: Viewer) -> Response:
    found = await web.desk.db.run(
        pages.photo_file,
        web.desk.config,
        post_id=int(request.path_params["post_id"]),
        number=int(request.path_params["position"]),
        user_id=viewer.user_id,
        admin=viewer.admin,
    )
    if found is None:
        return Response(status_code=404)
    path, mime = found
    return FileResponse(path, media_type=mime)


@page(need="admin")
async def decide(request: Request, web: Web, viewer: Viewer) -> Response:
    """Approve, reject (with a reason), reschedule, edit, cancel, take down: admins only,
    CSRF first."""
    post_id, what = int(request.path_params["post_id"]), request.path_params["action"]
    form = await request.form()
    now, desk = web.clock(), web.desk
    try:
        if what == "approve":
            await web_actions.approve(
                desk, post_id=post_id, by=viewer.user_id, name=viewer.name, now=now
            )
        elif what == "reject":
            await web_actions.reject(
                desk,
                post_id=post_id,
                by=viewer.user_id,
                name=viewer.name,
                reason=_text(form, "reason"),
                now=now,
            )
        elif what == "reschedule":
            at = _instant(_text(form, "at"), now)
            await web_actions.approve_at(
                desk, post_id=post_id, by=viewer.user_id, name=viewer.name, at=at, now=now
            )
        elif what == "edit":
            await web_actions.edit(
                desk, post_id=post_id, by=viewer.user_id, text=_text(form, "text")
            )
        elif what == "cancel":
            await web_actions.cancel(desk, post_id=post_id, by=viewer.user_id, now=now)
        elif what == "retract":
            outcomes = await web_actions.retract(
                desk, post_id=post_id, by=viewer.user_id, reason=_text(form, "reason")
            )
            if not all(o.done for o in outcomes):
                what = "retract-partly"
        else:
            return Response(status_code=404)
    except UserError as exc:
        request.scope["method"] = "GET"  # render the page as a GET with the refusal on it
        return await post_page(request, error=exc, status=400)
    return RedirectResponse(f"/posts/{post_id}?done={what}", 303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _instant(value: str, now: datetime) -> datetime:
    """A slot offered on the page (unix seconds), or "0": now."""
    if not value.isdigit():
        raise UserError(N_("pick one of the times offered"))
    seconds = int(value)
    return datetime.fromtimestamp(seconds, UTC) if seconds else now


@page()
async def recaps_page(
    request: Request, web: Web, viewer: Viewer, error: UserError | None = None, status: int = 200
) -> Response:
    rows = await web.desk.db.run(
        pages.recaps, web.desk.config, user_id=viewer.user_id, admin=viewer.admin
    )
    done = request.query_params.get("done")
    return web.render(
        request, "recaps.html", viewer, status=status, error=error, done=done, rows=rows
    )


@page()
async def recap_upload(request: Request, web: Web, viewer: Viewer) -> Response:
    form = await request.form(max_part_size=MAX_UPLOAD)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise UserError(N_("choose a file to upload"))
        data = await upload.read(MAX_UPLOAD + 1)
        unit = None if viewer.admin else web.desk.config.audience_of_officer(viewer.user_id)
        recap = await web_actions.store_recap(
            web.desk,
            data=data,
            filename=Path(upload.filename).name,
            by=viewer.user_id,
            unit=unit,
        )
    except UserError as exc:
        request.scope["method"] = "GET"
        return await recaps_page(request, error=exc, status=400)
    return RedirectResponse(f"/recaps?done={recap.id}", 303)


@page(need="admin")
async def recap_draft(request: Request, web: Web, viewer: Viewer) -> Response:
    form = await request.form()
    kind = PostKind.WEEKLY if _text(form, "kind") == "weekly" else PostKind.DAILY
    try:
        post = await web_actions.draft(
            web.desk, recap_id=int(request.path_params["recap_id"]), kind=kind, now=web.clock()
        )
    except UserError as exc:
        request.scope["method"] = "GET"
        return await recaps_page(request, error=exc, status=400)
    return RedirectResponse(f"/posts/{post.id}?done=draft", 303)


@page()
async def report_page(request: Request, web: Web, viewer: Viewer) -> Response:
    query = request.query_params
    unit, now = query.get("unit") or None, web.clock()
    if not viewer.admin:
        unit = (
            web.desk.config.audience_of_officer(viewer.user_id) if web.desk.config.units else None
        )
    try:
        start, end = report.period(
            web.desk.config,
            start=date.fromisoformat(query["from"]) if query.get("from") else None,
            end=date.fromisoformat(query["to"]) if query.get("to") else None,
            now=now,
        )
        built = await web.desk.db.run(
            report.build, web.desk.config, start=start, end=end, now=now, unit=unit
        )
    except (UserError, ValueError) as exc:
        error = exc if isinstance(exc, UserError) else UserError(str(exc))
        return web.render(request, "denied.html", viewer, status=400, error=error)
    # A year's report is a large page: laid out in a thread, as the database is read.
    page = await asyncio.to_thread(report.as_html, built, generated=now, language=viewer.t.language)
    return HTMLResponse(page)


@page(need="admin")
async def audit_page(request: Request, web: Web, viewer: Viewer) -> Response:
    query = request.query_params
    post = query.get("post", "")
    user = query.get("user", "")
    action = query.get("action", "")
    entries = await web.desk.db.run(
        pages.audit_log,
        post_id=int(post) if post.isdigit() else None,
        actor=int(user) if user.lstrip("-").isdigit() else None,
        action=action or None,
    )
    return web.render(
        request, "audit.html", viewer, entries=entries, post=post, user=user, action=action
    )


#: Telegram's updates are small: a body over this is refused unread (as bot/chat/webhook.py).
WEBHOOK_MAX_BODY = 1024 * 1024


async def telegram_webhook(request: Request) -> Response:
    """Telegram's update, taken only with the secret Telegram was given: the header is
    checked before any of the body is read, and the body is read up to 1 MB only."""
    web: Web = request.app.state.web
    hook = web.webhook
    sent = request.headers.get("x-telegram-bot-api-secret-token", "")
    if hook is None or not hmac.compare_digest(sent, hook.secret):
        return Response(status_code=403)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > WEBHOOK_MAX_BODY:
        return Response(status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > WEBHOOK_MAX_BODY:
            return Response(status_code=413)
    try:
        update = json.loads(body)
    except ValueError:
        return Response(status_code=400)
    await hook.deliver(update)
    return Response(status_code=200)


def create_app(web: Web) -> Starlette:
    routes = [
        Route("/healthz", healthz),
        Route("/login", login_page),
        Route("/auth/telegram", auth_telegram, name="auth_telegram"),
        Route("/auth/link/{secret}", auth_link),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{language}", set_language),
        Route("/", calendar_page),
        Route("/posts/{post_id:int}", post_page),
        Route("/posts/{post_id:int}/photos/{position:int}", post_photo),
        Route("/posts/{post_id:int}/{action}", decide, methods=["POST"]),
        Route("/recaps", recaps_page),
        Route("/recaps/upload", recap_upload, methods=["POST"]),
        Route("/recaps/{recap_id:int}/draft", recap_draft, methods=["POST"]),
        Route("/report", report_page),
        Route("/audit", audit_page),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if web.webhook is not None:
        routes.insert(0, Route(web.webhook.path, telegram_webhook, methods=["POST"]))
    app = Starlette(routes=routes)
    app.state.web = web
    return app

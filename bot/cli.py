"""The ``goodnews`` command: a thin layer over the services, one function per command.

Ids and JSON go to stdout so scripts can use them; what people read goes to stderr. A user
error prints one line, ``error: ...``, and exits 1 without a traceback.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import click

from bot import cli_texts, logs
from bot.cli_texts import format_local, tr  # format_local: slots' own, in the CLI's language
from bot.domain.errors import N_, UserError
from bot.domain.posts import PostKind
from bot.domain.slots import check_year

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session
    from telegram import Bot

    from bot.app import Webhook
    from bot.config import Config
    from bot.services.views import PostView, PublicationView
    from bot.storage.plain import Reader

# Commands import the config (pydantic), the database, Telegram and Facebook libraries when
# they need them, so `goodnews --help` and `goodnews draft preview` start fast
# (`python -m benchmarks.cli`; tests/test_cli_imports.py checks what each one loads).

P = ParamSpec("P")
R = TypeVar("R")


def run_async(work: Coroutine[Any, Any, R]) -> R:
    """``asyncio.run(work)``, asyncio imported here: it alone is a third of what
    ``goodnews --help`` costs, and only the commands that run something use it."""
    import asyncio

    return asyncio.run(work)


def say(message: str) -> None:
    """A line for people, on stderr (a :class:`~bot.domain.errors.Text` in their language)."""
    click.echo(cli_texts.text(message), err=True)


def say_outcome(changed: object, said: tuple[str, str], **params: object) -> None:
    """The first of ``said`` (``N_`` templates) when the command changed something, else
    the second."""
    say(tr(said[0] if changed else said[1], **params))


def echo_json(value: object, *, indent: int | None = None) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=indent))


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our UserError into one line and exit status 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            raise Refusal(cli_texts.error(exc)) from None

    return wrapper


class Refusal(click.ClickException):
    """One line, ``Error: ...``, in the CLI's language."""

    def show(self, file: Any = None) -> None:
        click.echo(tr("Error: {message}", message=self.format_message()), err=True, file=file)


class State:
    """Loaded lazily, so ``--help`` works even with a broken config."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._engine: Engine | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from bot import config as config_module

            self._config = config_module.load(self.config_path)
            cli_texts.use_config(self.config_path, self._config.settings.language)
            secrets = self._config.secrets
            logs.hide(secrets.telegram_bot_token, secrets.facebook_page_token)
        return self._config

    @property
    def engine(self) -> Engine:
        """The database engine, refusing a database that has not been initialised."""
        from bot.storage import db

        if self._engine is None:
            engine = db.make_engine(self.config.database_url)
            db.check_schema(engine)
            self._engine = engine
        return self._engine

    def unit(
        self, work: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """One service call as one unit of work (see :func:`bot.storage.db.unit`)."""
        from bot.storage import db

        return db.unit(self.engine, work, *args, **kwargs)

    def read(
        self, work: Callable[Concatenate[Reader, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """A read-only service call over the bare driver (:mod:`bot.storage.plain`): no
        SQLAlchemy to import, no write lock to wait for. Through a session if the URL is
        one the plain reader does not read."""
        from bot.storage import plain

        with plain.connect(self.config.database_url) as reader:
            if reader is not None:
                return work(reader, *args, **kwargs)
        return self.unit(lambda session: work(plain.Reader.of_session(session), *args, **kwargs))

    def instant(self, at_text: str | None) -> datetime:
        """``--at``'s instant (see :func:`parse_instant`), else now."""
        return parse_instant(at_text, self.config) if at_text else datetime.now(UTC)


pass_state = click.make_pass_decorator(State)
Command = Callable[..., None]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $GOODNEWS_CONFIG, else ./config.toml, else embedded defaults).",
)
@click.option(
    "--log-level",
    type=click.Choice(logs.LEVELS),
    envvar=logs.ENV_LEVEL,
    help="Log level ($GOODNEWS_LOG_LEVEL; default: info for run and web, warning for the rest).",
)
@click.version_option(package_name="goodnews")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, log_level: str | None) -> None:
    """goodnews: one good news a day, one beautiful story a week.

    Stores event recaps, drafts posts, gets them approved by admins in Telegram and
    publishes them to Telegram channels and Facebook Pages at their slots.
    """
    cli_texts.use_config(config_path)
    _setup_logging(log_level, ctx.invoked_subcommand)
    ctx.obj = State(config_path)


def command(group: click.Group, name: str | None = None) -> Callable[[Command], click.Command]:
    """``group``'s command ``name`` (default: the function's): the function is given the
    State, and its UserErrors are said in one line."""
    return lambda func: group.command(name)(pass_state(user_errors(func)))


def default_group(name: str) -> Callable[[Command], click.Group]:
    """A group of ``cli`` that is a command too: the function runs when no subcommand is
    given (as :func:`command`'s do)."""

    def decorate(func: Command) -> click.Group:
        @wraps(func)
        def unless_subcommand(*args: Any, **kwargs: Any) -> None:
            if click.get_current_context().invoked_subcommand is None:
                func(*args, **kwargs)

        body = pass_state(user_errors(unless_subcommand))
        return cli.group(name, invoke_without_command=True)(body)

    return decorate


# Options more than one command takes.
post_id_argument = click.argument("post_id", type=int)
kind_option = click.option(
    "--kind", type=click.Choice([k.value for k in PostKind]), default="daily", show_default=True
)
at_option = click.option(
    "--at", "at_text", metavar="ISO-8601", help="As if the clock read this instant."
)


# --- Logs (issue #16) ----------------------------------------------------------------------

SERVICES = ("run", "web")  # long-running: their info lines are the service's record


def _setup_logging(level: str | None, command: str | None) -> None:
    """One scrubbed handler for every command; one-shot commands print their own lines and
    show log records from warning up, unless a level is asked for."""
    fmt = os.environ.get(logs.ENV_FORMAT, "text").strip().lower() or "text"
    if fmt not in logs.FORMATS:
        raise click.UsageError(
            tr("{name}: expected text or json, got {value!r}", name=logs.ENV_FORMAT, value=fmt)
        )
    logs.setup(level or ("info" if command in SERVICES else "warning"), fmt)


@command(cli)
@click.option(
    "--if-postgres",
    is_flag=True,
    help="Only migrate, and only when the database is PostgreSQL (a Procfile's release step).",
)
def init(state: State, if_postgres: bool) -> None:
    """Write a commented config.toml if there is none; create or upgrade the database.

    Example: goodnews init
    """
    from bot import config as config_module

    if if_postgres:
        _migrate_if_postgres(state)
        return
    path = config_module.resolve_path(state.config_path) or config_module.DEFAULT_PATH
    if path.exists():
        say(tr("{path}: kept (it exists)", path=path))
    else:
        path.write_text(config_module.default_config_text(), encoding="utf-8")
        say(tr("{path}: written; edit it, then put tokens in .env or the environment", path=path))
    state.config_path = path
    _warn_ephemeral_sqlite(state.config)
    where, before, after = _upgrade(state.config)
    if before == after:
        said = N_("database {where}: up to date (revision {revision})")
    elif before is None:
        said = N_("database {where}: created at revision {revision}")
    else:
        said = N_("database {where}: upgraded at revision {revision}")
    say(tr(said, where=where, revision=after))


@cli.group()
def recap() -> None:
    """Store and list event recaps."""


@command(recap, "add")
@click.argument("path", type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option("--title", help="Title (default: the first line of the file).")
@click.option("--url", help="Link to the full article, shown under the post.")
@click.option("--unit", help="The member unit ([[units]] id) whose news this is.")
def recap_add(
    state: State, path: str, title: str | None, url: str | None, unit: str | None
) -> None:
    """Store a recap and print its id: UTF-8 text, Markdown, a saved page (.html) or .docx.

    The first line (a page's or document's title) is the title unless --title is given;
    - reads stdin. Photos in .docx and .html files are kept for the weekly story.

    Example: goodnews recap add hien-mau.txt --url https://example.org/hien-mau
    """
    from bot.services import intake

    if unit is not None:
        state.config.unit(unit)  # an unknown id is refused before anything is read
    data, source = _read_input(path)
    stored = state.unit(
        intake.store_recap,
        unit=unit,
        data=data,
        source=source,
        title=title,
        url=url,
        filename=None if path == "-" else path,
        media_dir=state.config.media_dir,
    )
    say(tr("recap {recap_id} stored: {title}", recap_id=stored.id, title=stored.title))
    click.echo(stored.id)


def _read_input(path: str) -> tuple[bytes, str]:
    if path == "-":
        return sys.stdin.buffer.read(), "stdin"
    try:
        return Path(path).read_bytes(), path
    except FileNotFoundError:
        raise UserError(N_("{path}: no such file"), path=path) from None
    except OSError as exc:
        raise UserError(
            N_("{path}: cannot read: {reason}"), path=path, reason=exc.strerror
        ) from None


@command(recap, "list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per recap, one per line.")
def recap_list(state: State, as_json: bool) -> None:
    """List stored recaps, newest first, with their tone and what was made of them.

    With --json each line is {"id", "title", "unit", "tone", "tone_reasons", "mixed",
    "duplicate_of", "posts": [{"id", "kind", "status"}], "photos", "created_at"}.

    Example: goodnews recap list --json
    """
    from bot.services import pages

    for line in state.unit(pages.recaps, state.config, limit=None):
        row, made = line.recap, line.posts
        if as_json:
            echo_json(_recap_json(row, made, line.photos))
            continue
        when = format_local(row.created_at, state.config.tz)
        tone = row.tone or "?"
        extra = f"  (= #{row.duplicate_of})" if row.duplicate_of else ""
        made_text = "  " + tr("posts {ids}", ids=",".join(str(p.id) for p in made)) if made else ""
        click.echo(f"{row.id:>5}  {when}  {tone:<8}  {row.title}{extra}{made_text}")


def _recap_json(row: Any, posts: Sequence[Any], photos: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "unit": row.unit,
        "tone": row.tone,
        "tone_reasons": _reasons(row.tone_reasons),
        "mixed": row.tone_mixed,
        "duplicate_of": row.duplicate_of,
        "posts": [{"id": p.id, "kind": p.kind.value, "status": p.status.value} for p in posts],
        "photos": photos,
        "created_at": row.created_at.isoformat(),
    }


def _reasons(tone_reasons: str | None) -> list[str]:
    """A tone's reasons, stored one a line."""
    return [r for r in (tone_reasons or "").split("\n") if r]


@command(recap, "delete")
@click.argument("recap_id", type=int)
def recap_delete(state: State, recap_id: int) -> None:
    """Delete a recap (refused while a scheduled or published post uses it).

    Example: goodnews recap delete 12
    """
    from bot.services import intake

    state.unit(intake.delete_recap, recap_id=recap_id)
    say(tr("recap {recap_id} deleted", recap_id=recap_id))


@default_group("draft")
@kind_option
@click.option("--recap", "recap_id", type=int, help="Recap to draft from (default: newest unused).")
@click.option(
    "--unit",
    help="Draft for this member unit's channels, from its recaps (default: the "
    "organisation's channels, from any unit's recaps).",
)
def draft(state: State, kind: str, recap_id: int | None, unit: str | None) -> None:
    """Draft a post from a recap, store it as pending, print its id, ask the admins.

    `goodnews draft preview FILE...` drafts from files without storing anything.

    Example: goodnews draft --kind weekly
    """
    from bot.domain.drafting import render_plain
    from bot.services import decisions, drafter, post_rules

    config, now = state.config, datetime.now(UTC)

    async def go() -> None:
        # The bot is checked first: a refused token stops here, before anything is stored.
        async with admin_bot(config) as (bot, why_not):
            post = state.unit(
                drafter.draft, config, kind=PostKind(kind), recap_id=recap_id, unit=unit
            )
            slot = state.unit(decisions.proposed_slot, config, post=post, now=now)
            say(
                tr(
                    "post {post_id} drafted ({kind}), would go out {slot}:",
                    post_id=post.id,
                    kind=cli_texts.kind(kind),
                    slot=format_local(slot, config.tz),
                )
            )
            if post.rotation_waiting is not None:
                last = post.rotation_last_featured
                say(
                    tr(
                        "fair rotation: {unit}'s turn, last featured {last}, "
                        "{count} other unit(s) waiting",
                        unit=post.unit or tr("the organisation"),
                        last=format_local(last, config.tz) if last else tr("never"),
                        count=post.rotation_waiting,
                    )
                )
            if post.tone == "negative":  # as the admins' approval message warns in chat
                say(_bad_news(_reasons(post.tone_reasons)))
            say(_indent(render_plain(post_rules.as_draft(post))))
            click.echo(post.id)
            if bot is None:
                say(why_not)
                return
            await _deliver(bot, state, asked_for=post.id)

    run_async(go())


def _bad_news(reasons: list[str]) -> str:
    return tr("⚠ may not be good news: {reasons}", reasons=", ".join(reasons))


@command(draft, "preview")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@kind_option
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    help="Most characters in the body (default: drafting.daily_max_chars / weekly_max_chars).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
def draft_preview(
    state: State, paths: tuple[str, ...], kind: str, max_chars: int | None, as_json: bool
) -> None:
    """Draft from files without storing anything: what each would look like as a post.

    Takes any number of files (text, Markdown, .html, .docx). With --json each line is
    {"path", "title", "text", "telegram_html", "sentences", "body_chars", "photos", "tone",
    "tone_reasons", "mixed"}, or {"path", "error"} for a file that cannot be drafted; the
    exit status is 1 if any failed.

    Example: goodnews draft preview recaps/*.docx --kind weekly --json
    """
    from bot.config_file import read_drafting
    from bot.preview import preview_file

    settings = read_drafting(state.config_path)  # the [drafting] table alone: no pydantic
    failed = 0
    for path in paths:
        result = preview_file(path, settings=settings, kind=PostKind(kind), max_chars=max_chars)
        failed += "error" in result
        if as_json:
            echo_json(result)
        elif "error" in result:
            say(tr("error: {error}", error=cli_texts.text(result["error"])))
        else:
            count = result["body_chars"]
            click.echo(tr("── {path} ({count} characters in the body) ──", path=path, count=count))
            if result["tone"] == "negative":
                click.echo(_bad_news(result["tone_reasons"]))
            click.echo(result["text"] + "\n")
    if failed:
        raise click.exceptions.Exit(1)


@asynccontextmanager
async def admin_bot(config: Config) -> AsyncIterator[tuple[Bot | None, str]]:
    """A started Bot for messaging admins, or None and the reason it is not possible."""
    if not config.secrets.telegram_bot_token:  # checked first: no token, no Telegram import
        yield None, tr("no TELEGRAM_BOT_TOKEN: admins were not messaged in Telegram")
        return
    from bot.platforms.telegram.client import make_bot, start_bot

    bot = make_bot(config)
    assert bot is not None
    await start_bot(bot)
    try:
        yield bot, ""
    finally:
        await bot.shutdown()


@command(cli)
@post_id_argument
def approve(state: State, post_id: int) -> None:
    """Approve a pending post: it takes the next free slot of its kind.

    Example: goodnews approve 12
    """
    from bot.services import decisions

    config, now = state.config, datetime.now(UTC)
    decision = state.unit(decisions.approve, config, post_id=post_id, by=None, now=now)
    assert decision.post.slot is not None
    said = (
        N_("post {post_id} approved: goes out {slot}"),
        N_("post {post_id} was already approved: goes out {slot}"),
    )
    slot = format_local(decision.post.slot, config.tz)
    _decided(state, post_id, decision.changed, said, slot=slot)


@command(cli)
@post_id_argument
def reject(state: State, post_id: int) -> None:
    """Reject a post; it will not be published and frees its slot.

    Example: goodnews reject 12
    """
    from bot.services import decisions

    decision = state.unit(decisions.reject, post_id=post_id, by=None, now=datetime.now(UTC))
    said = (N_("post {post_id} rejected"), N_("post {post_id} was already rejected"))
    _decided(state, post_id, decision.changed, said)


def _decided(
    state: State,
    post_id: int,
    changed: bool,
    said: tuple[str, str],
    *,
    asked: bool = False,
    **params: object,
) -> None:
    """Say what a decision did (see :func:`say_outcome`); a change is delivered (see
    :func:`_tell_admins`)."""
    say_outcome(changed, said, post_id=post_id, **params)
    if changed:
        _tell_admins(state, post_id, asked=asked)


def _tell_admins(state: State, post_id: int, *, asked: bool = False) -> None:
    """Deliver what the change recorded (when there is a bot token): the admins' chat copies
    brought in step, the officer's notice; ``asked``: the draft's request asked anew."""

    async def go() -> None:
        async with admin_bot(state.config) as (bot, _why_not):
            if bot is not None:
                await _deliver(bot, state, asked_for=post_id if asked else None)

    run_async(go())


async def _deliver(bot: Bot, state: State, *, asked_for: int | None = None) -> None:
    """Deliver what the events outbox holds, as the worker would; when the approval request
    of post ``asked_for`` was asked, a warning if no admin has it."""
    from bot import courier
    from bot.storage.gateway import gateway_for

    config, db = state.config, gateway_for(state.engine)
    await courier.dispatch(bot, db=db, config=config)
    if asked_for is None:
        return
    from bot.services import access, queries

    if not await db.run(lambda session: access.people_with(session, config, "admin")):
        say(tr("warning: nobody to ask: no admins in telegram.admins or owners"))
    elif not await db.run(queries.admins_have_it, post_id=asked_for):
        say(
            tr(
                "warning: no admin has the approval request yet (see the log); a refusal for "
                "now is tried again by the next `tick` or the worker"
            )
        )


def _text_options(command: Callable[P, R]) -> Callable[P, R]:
    """``--text`` or ``--file``: a post written by hand (see :func:`_text_option`)."""
    text = click.option("--text", help="The post: first line the title, then the body.")
    file_ = click.option(
        "--file",
        "file_",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Read the post from a UTF-8 file (- for stdin).",
    )
    return text(file_(command))


def _photo_option(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return click.option(
        "--photo",
        "photo_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help=f"{what} Repeatable, in order.",
    )


@default_group("queue")
@click.option("--all", "include_all", is_flag=True, help="Also published, failed and rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=14,
    show_default=True,
    help="How many coming days of slots to show.",
)
def queue_cmd(state: State, include_all: bool, as_json: bool, days: int) -> None:
    """Show the coming slots of every channel, empty ones flagged, and the posts waiting.

    With --json: an array of posts (pending, scheduled; with --all every post), each with
    its slot and one entry per channel. Subcommands queue posts and move them.

    Example: goodnews queue --all --json
    """
    from bot.services import board

    config = state.config
    rows = state.read(board.queue, include_all=include_all)
    if as_json:
        echo_json([_post_json(p, pubs, config) for p, pubs in rows], indent=2)
        return
    slots = state.read(board.slot_board, config, now=datetime.now(UTC), days=days)
    _print_board(slots, config, days)
    _print_posts(rows, config, include_all)


def _print_board(board: list[Any], config: Config, days: int) -> None:
    """The coming slots by local day: one line per slot and post, with its channels."""
    from bot.domain.ranking import cut_at_word
    from bot.services.board import board_by_day

    empty = sum(1 for slot in board if slot.post_id is None)
    click.echo(tr("Slots of the next {days} days ({empty} empty):", days=days, empty=empty))
    for day, lines in board_by_day(board, config.tz):
        click.echo(cli_texts.board_day(day))
        for line in lines:
            what = (
                f"#{line.post_id} {cut_at_word(line.title or '', 44)}"
                if line.post_id
                else tr("(empty)")
            )
            flag = f" [{cli_texts.status(line.status)}]" if line.status else ""
            click.echo(
                f"  {line.at.astimezone(config.tz):%H:%M} {cli_texts.kind(line.kind.value):<6} "
                f"{what}{flag} · " + ", ".join(line.channels)
            )


def _print_posts(rows: list[Any], config: Config, include_all: bool) -> None:
    if not rows:
        say(
            tr("no posts waiting")
            if include_all
            else tr("no posts waiting (--all shows past posts)")
        )
        return
    click.echo(tr("Posts:"))
    for post, pubs in rows:
        slot = (
            format_local(post.slot, config.tz)
            if post.slot
            else (tr("(reserve)") if post.reserve else tr("(no slot)"))
        )
        channels = ", ".join(f"{p.channel}:{cli_texts.status(p.status.value)}" for p in pubs)
        click.echo(
            f"{post.id:>5}  {cli_texts.kind(post.kind.value):<6}  "
            f"{cli_texts.status(post.status.value):<10}  {slot:<24}  "
            f"{_shorten(post.title, 50)}" + (f"  [{channels}]" if channels else "")
        )


@command(queue_cmd, "add")
@_text_options
@kind_option
@click.option(
    "--at", "at_text", metavar="ISO-8601", help="Pin to this instant (it takes no cadence slot)."
)
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@click.option("--unit", help="A member unit's news ([[units]] id), for its channels.")
@_photo_option("A JPEG, PNG or WebP photo (10 MB at most) to publish with it.")
@click.option("--approved", is_flag=True, help="Schedule it now instead of asking the admins.")
@click.option(
    "--reserve",
    is_flag=True,
    help="Approved evergreen post that fills a slot that would otherwise go empty.",
)
def queue_add(
    state: State,
    text: str | None,
    file_: str | None,
    kind: str,
    at_text: str | None,
    channels: tuple[str, ...],
    photo_paths: tuple[Path, ...],
    approved: bool,
    reserve: bool,
    unit: str | None,
) -> None:
    """Queue a post written by hand (no drafting) and print its id.

    Example: goodnews queue add --file tet.txt --photo tet.jpg --at 2027-02-17T08:00+07:00
    """
    from bot.ingest import read_photo
    from bot.services import queued

    text = _text_option(text, file_)
    photos = [read_photo(path) for path in photo_paths]  # all checked before anything is written
    config, now = state.config, datetime.now(UTC)
    at = parse_instant(at_text, config) if at_text else None
    post = state.unit(
        queued.queue_post,
        config,
        text=text,
        kind=PostKind(kind),
        at=at,
        channels=list(channels),
        approved=approved,
        reserve=reserve,
        now=now,
        photos=photos,
        unit=unit,
    )
    where = (
        tr("goes out {slot}", slot=format_local(post.slot, config.tz))
        if post.slot
        else tr("in the reserve pool")
        if post.reserve
        else tr("waits for approval")
    )
    with_photos = tr(" with {count} photo(s)", count=len(photos)) if photos else ""
    say(
        tr(
            "post {post_id} queued ({kind}){photos}: {where}",
            post_id=post.id,
            kind=cli_texts.kind(kind),
            photos=with_photos,
            where=where,
        )
    )
    click.echo(post.id)


@command(queue_cmd, "import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--approved", is_flag=True, help="Schedule every post now.")
def queue_import(state: State, path: str, approved: bool) -> None:
    """Queue many posts from a CSV file with columns text, kind, at, channel.

    `at` (ISO 8601) and `channel` (names separated by ";") may be empty. A bad row is
    reported with its line number and nothing of the file is imported.

    Example: goodnews queue import tet-2027.csv --approved
    """
    from bot.queue_import import import_csv

    data, source = _read_input(path)
    config, now = state.config, datetime.now(UTC)
    ids = state.unit(import_csv, config, data=data, source=source, approved=approved, now=now)
    say(tr("{count} post(s) queued from {source}", count=len(ids), source=source))
    for post_id in ids:
        click.echo(post_id)


@command(queue_cmd, "now")
@post_id_argument
def queue_now(state: State, post_id: int) -> None:
    """Send a scheduled post at the next pass instead of at its slot.

    Example: goodnews queue now 12
    """
    from bot.services import queued

    state.unit(queued.post_now, state.config, post_id=post_id, now=datetime.now(UTC))
    _tell_admins(state, post_id)  # their copies say it goes now
    say(
        tr(
            "post {post_id} goes out at the next pass (`goodnews tick`, or within a minute "
            "with `goodnews run`)",
            post_id=post_id,
        )
    )


@command(queue_cmd, "swap")
@post_id_argument
def queue_swap(state: State, post_id: int) -> None:
    """Swap a scheduled post's slot with the next post of its kind.

    Example: goodnews queue swap 12
    """
    from bot.services import queued

    post = state.unit(queued.swap_with_next, state.config, post_id=post_id)
    _tell_admins(state, post_id)  # both posts' copies say their new slots
    assert post.slot is not None
    slot = format_local(post.slot, state.config.tz)
    say(tr("post {post_id} now goes out {slot}", post_id=post_id, slot=slot))


@command(cli)
@post_id_argument
def unapprove(state: State, post_id: int) -> None:
    """Take a scheduled post back to pending; its slots are freed and the admins get the
    draft again, with its buttons.

    Example: goodnews unapprove 12
    """
    from bot.services import decisions

    decision = state.unit(decisions.unapprove, post_id=post_id, now=datetime.now(UTC))
    said = (N_("post {post_id} is pending again"), N_("post {post_id} was already pending"))
    _decided(state, post_id, decision.changed, said, asked=True)


@command(cli)
@click.argument("channel", required=False)
def pause(state: State, channel: str | None) -> None:
    """Pause publishing on a channel (or on all): its posts wait, nothing is lost.

    Example: goodnews pause facebook-main
    """
    said = (N_("paused: {channels}"), N_("nothing to do: already paused"))
    _pause(state, channel, said, paused=True)


@command(cli)
@click.argument("channel", required=False)
def resume(state: State, channel: str | None) -> None:
    """Resume publishing on a channel (or on all); what it missed follows catch_up_grace.

    Example: goodnews resume facebook-main
    """
    said = (N_("resumed: {channels}"), N_("nothing to do: already resumed"))
    _pause(state, channel, said, paused=False)


def _pause(state: State, channel: str | None, said: tuple[str, str], *, paused: bool) -> None:
    from bot.services import scheduling

    changed = state.unit(scheduling.set_paused, state.config, channel=channel, paused=paused)
    say_outcome(changed, said, channels=", ".join(changed))


def _post_head(post: Any, config: Config) -> dict[str, Any]:
    """What every post's JSON begins with (a stored post or its view)."""
    from bot.domain.drafting import render_plain
    from bot.services.post_rules import as_draft

    return {
        "id": post.id,
        "kind": post.kind.value,
        "status": post.status.value,
        "slot": _iso(post.slot, config),
        "title": post.title,
        "text": render_plain(as_draft(post)),
    }


def _post_json(post: PostView, pubs: list[PublicationView], config: Config) -> dict[str, Any]:
    from bot.platforms.registry import publication_url

    return {
        **_post_head(post, config),
        "recap_id": post.recap_id,
        "publications": [
            _publication_json(p, publication_url(config, p.channel, p.external_id), config)
            for p in pubs
        ],
    }


def _iso(at: datetime | None, config: Config) -> str | None:
    return at.astimezone(config.tz).isoformat() if at else None


def _publication_json(p: Any, url: str | None, config: Config) -> dict[str, Any]:
    """One channel's entry, as ``queue --json`` and ``post show --json`` print it."""
    return {
        "channel": p.channel,
        "status": p.status.value,
        "due_at": _iso(p.due_at, config),
        "external_id": p.external_id,
        "url": url,
        "error": p.error,
    }


@cli.group("post")
def post_group() -> None:
    """See one post whole, and change it."""


@command(post_group, "show")
@post_id_argument
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def post_show(state: State, post_id: int, as_json: bool) -> None:
    """Show a post: its state and slot, the exact text on each platform, its photos, each
    channel's publication with its link, and its history.

    Example: goodnews post show 12 --json
    """
    from bot.services.post_detail import post_detail

    config = state.config
    detail = state.unit(post_detail, config, post_id=post_id)
    if as_json:
        echo_json(_detail_json(detail, config), indent=2)
        return
    _print_detail(detail, config)


@command(post_group, "cancel")
@post_id_argument
def post_cancel(state: State, post_id: int) -> None:
    """Withdraw a pending or scheduled post: it is cancelled, its slots are freed and
    nothing of it is published.

    Example: goodnews post cancel 12
    """
    from bot.services import changes

    decision = state.unit(changes.cancel, post_id=post_id, by=None, now=datetime.now(UTC))
    said = (N_("post {post_id} cancelled"), N_("post {post_id} was already cancelled"))
    _decided(state, post_id, decision.changed, said)


@command(post_group, "edit")
@post_id_argument
@_text_options
@_photo_option("A photo replacing the post's photos (none given: they are kept).")
def post_edit(
    state: State, post_id: int, text: str | None, file_: str | None, photo_paths: tuple[Path, ...]
) -> None:
    """Rewrite a post. Pending or scheduled: it keeps its slot and the admins' copies show
    the new text. Once it went out: corrected on every channel where it is, each channel's
    outcome said (exit status 1 when one refused).

    Example: goodnews post edit 12 --file fixed.txt --photo new.jpg
    """
    from bot.domain.posts import WENT_OUT
    from bot.ingest import read_photo
    from bot.services import changes, queries

    text = _text_option(text, file_)
    went_out = state.unit(queries.post, post_id=post_id).status in WENT_OUT
    if went_out:
        if photo_paths:
            raise UserError(
                N_("post {post_id} went out: its photos can no longer change"), post_id=post_id
            )
        _after_publication(state, post_id, text=text, reason=None)
        return
    photos = [read_photo(path) for path in photo_paths] or None  # checked before any write
    post = state.unit(
        changes.edit,
        state.config,
        post_id=post_id,
        by=None,
        text=text,
        photos=photos,
        now=datetime.now(UTC),
    )
    status = cli_texts.status(post.status.value)
    say(tr("post {post_id} edited ({status})", post_id=post_id, status=status))
    _tell_admins(state, post_id)


@command(post_group, "retract")
@post_id_argument
@click.option("--reason", help="Why it is taken down (kept in the audit log).")
def post_retract(state: State, post_id: int, reason: str | None) -> None:
    """Take a published post down from every channel where it went out (Telegram deletes
    the message, Facebook the Page's post); each channel's outcome is said, and the post is
    retracted once it is out nowhere (exit status 1 when a channel refused).

    Example: goodnews post retract 12 --reason "wrong date"
    """
    _after_publication(state, post_id, text=None, reason=reason)


def _after_publication(state: State, post_id: int, *, text: str | None, reason: str | None) -> None:
    """Correct (``text``) or retract the post on its channels; one line per channel."""
    from bot.platforms.publishers import open_publishers
    from bot.services import corrections
    from bot.storage.gateway import gateway_for

    config, db = state.config, gateway_for(state.engine)

    async def go() -> Any:
        async with admin_bot(config) as (bot, _), open_publishers(config, bot=bot) as publishers:
            if text is not None:
                outcome = await corrections.correct(
                    db, config, publishers, post_id=post_id, text=text, by=None
                )
            else:
                outcome = await corrections.retract(
                    db, config, publishers, post_id=post_id, reason=reason, by=None
                )
            if bot is not None:  # the admins' copies of the draft read what is out now
                await _deliver(bot, state)
            return outcome

    outcome = run_async(go())
    for channel in outcome.channels:
        say(cli_texts.channel_outcome(post_id, channel, corrected=text is not None))
    if text is None and outcome.post.status.value == "retracted":
        say(tr("post {post_id} is retracted", post_id=post_id))
    if not outcome.complete:
        raise click.exceptions.Exit(1)


def _text_option(text: str | None, file_: str | None) -> str:
    """The text of ``--text`` or of ``--file`` (exactly one of them)."""
    from bot.domain.recaps import decode_recap

    if (text is None) == (file_ is None):
        raise UserError(N_("give exactly one of --text or --file"))
    if file_ is not None:
        data, source = _read_input(file_)
        return decode_recap(data, source=source)
    assert text is not None
    return text


def _detail_json(detail: Any, config: Config) -> dict[str, Any]:
    post = detail.post
    return {
        **_post_head(post, config),
        "unit": post.unit,
        "tone": post.tone,
        "tone_reasons": _reasons(post.tone_reasons),
        "photos": list(detail.photos),
        "previews": detail.previews,
        "publications": [_publication_json(p, p.url, config) for p in detail.publications],
        "history": [_audit_json(h, config) for h in detail.history],
    }


def _print_detail(detail: Any, config: Config) -> None:
    post = detail.post
    slot = format_local(post.slot, config.tz) if post.slot else tr("(no slot)")
    kind, status = cli_texts.kind(post.kind.value), cli_texts.status(post.status.value)
    click.echo(
        tr(
            "post {post_id} · {kind} · {status} · {slot}",
            post_id=post.id,
            kind=kind,
            status=status,
            slot=slot,
        )
    )
    if post.unit:
        click.echo(tr("unit: {unit}", unit=post.unit))
    if post.tone:
        reasons = ", ".join(_reasons(post.tone_reasons))
        tone = tr(post.tone) if post.tone in ("positive", "neutral", "negative") else post.tone
        click.echo(tr("tone: {tone}", tone=tone) + (f" ({reasons})" if reasons else ""))
    for path in detail.photos:
        click.echo(tr("photo: {path}", path=path))
    for name, text in detail.previews.items():
        click.echo(f"--- {name} ---\n{text}")
    if detail.publications:
        click.echo(tr("--- publications ---"))
    for p in detail.publications:
        when = format_local(p.due_at, config.tz) if p.due_at else ""
        extra = "  ".join(x for x in (p.url or p.external_id or "", p.error or "") if x)
        click.echo(
            f"  {p.channel:<16} {cli_texts.status(p.status.value):<10} {when:<24} {extra}".rstrip()
        )
    if detail.history:
        click.echo(tr("--- history ---"))
    for h in detail.history:
        click.echo("  " + _audit_line(h, config))


@command(cli)
@click.option(
    "--at",
    "at_text",
    metavar="ISO-8601",
    help="Act as if the clock read this instant (default: now), e.g. 2026-12-01T07:30+07:00.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also say so when nothing is due.")
def tick(state: State, at_text: str | None, verbose: bool) -> None:
    """Run one scheduling pass: publish whatever is due by then, and exit.

    For cron-style hosts and for tests; running it twice for the same instant publishes
    nothing twice. Silent when nothing is due (cron mails any output), unless -v.

    Example: goodnews tick --at 2026-12-01T07:30:00+07:00
    """
    import socket

    from bot.domain.notices import Notice
    from bot.domain.posts import PublicationStatus
    from bot.platforms.publishers import open_publishers
    from bot.platforms.registry import publication_url
    from bot.services import scheduling
    from bot.storage.gateway import gateway_for
    from bot.storage.heartbeat import write_heartbeat
    from jobs.one_pass import one_pass
    from jobs.publish import worker_name

    config, at = state.config, state.instant(at_text)

    async def go() -> None:
        gateway = gateway_for(state.engine)
        moved = await gateway.run(scheduling.catch_up_after_downtime, config, now=at)
        for item in moved:
            say(cli_texts.moved(item, config.tz))
        async with admin_bot(config) as (bot, _), open_publishers(config, bot=bot) as publishers:
            notice = publishers.dry_run_notice(config)

            async def notify(notice: Notice) -> bool:
                from bot.courier import send_notice  # the chat loads only to say something

                return await send_notice(bot, db=gateway, config=config, notice=notice)

            report, followers = await one_pass(
                engine=state.engine,
                config=config,
                publishers=publishers,
                at=at,
                worker=worker_name(),
                notify=notify,
            )
            if bot is not None:  # what people must hear, from the outbox (at least once)
                from bot.courier import dispatch

                await dispatch(bot, db=gateway, config=config)
        write_heartbeat(state.engine, worker=f"{socket.gethostname()}:tick", now=datetime.now(UTC))
        if notice and (verbose or report.outcomes):
            say(notice)
        if followers.sent or followers.gone:
            say(tr("followers: {sent} sent, {gone} gone", sent=followers.sent, gone=followers.gone))
        for outcome in report.outcomes:
            url = (
                publication_url(config, outcome.channel, outcome.detail)
                if outcome.status is PublicationStatus.SENT
                else None
            )
            status, detail = outcome.status.value, url or outcome.detail
            click.echo(cli_texts.published(outcome.post_id, outcome.channel, status, detail))
        if verbose and not report.outcomes:
            say(tr("nothing due by {at}", at=format_local(at, config.tz)))

    run_async(go())


def parse_instant(text: str, config: Config) -> datetime:
    """ISO 8601; without an offset it is read in the configured timezone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            N_("--at: not an ISO 8601 instant: {text!r} (e.g. 2026-12-01T07:30:00+07:00)"),
            text=text,
        ) from None
    value = value.replace(tzinfo=config.tz) if value.tzinfo is None else value
    check_year("--at", value.date())
    return value


@command(cli)
@at_option
def warn(state: State, at_text: str | None) -> None:
    """Check tomorrow's slots now: draft for the empty ones and warn the admins and officers.

    The worker does this every day at cadence.warn_at; this is for cron-style hosts. Each
    empty slot is warned about once.

    Example: goodnews warn
    """
    from bot.courier import warn_empty_slots

    text = _cadence_job(state, warn_empty_slots, at_text)
    say(
        tr("tomorrow's slots are all taken (or were warned about already)")
        if text is None
        else tr("warned: {text}", text=text.replace("<b>", "").replace("</b>", ""))
    )


@command(cli)
@at_option
def summary(state: State, at_text: str | None) -> None:
    """Send the admins last week's cadence summary: which units kept it, which slipped.

    The worker does this every Monday at cadence.summary_at; this is for cron-style hosts.
    Each week is summarised once. `goodnews report` has the details.

    Example: goodnews summary
    """
    from bot.courier import weekly_summary

    text = _cadence_job(state, weekly_summary, at_text)
    if text is None:
        say(tr("last week was summarised already (or nothing was expected)"))
        return
    click.echo(re.sub(r"</?(?:b|a)\b[^>]*>", "", text))


def _cadence_job(
    state: State, job: Callable[..., Awaitable[str | None]], at_text: str | None
) -> str | None:
    """One of the worker's cadence jobs (``warn``, ``summary``) once, as of ``--at``: what
    it told the admins, or None when it had nothing to say."""
    from bot.storage.gateway import gateway_for

    config, at = state.config, state.instant(at_text)

    async def go() -> str | None:
        async with admin_bot(config) as (bot, _why_not):
            return await job(bot, db=gateway_for(state.engine), config=config, now=at)

    return run_async(go())


def _audit_line(entry: Any, config: Config, post: str = "") -> str:
    """An audit entry as ``audit`` and ``post show`` print it: when, who and what (then
    ``post``), and the change it records."""
    who, action = cli_texts.actor(entry.actor), cli_texts.action(entry.action)
    change = cli_texts.audited_change(entry.before, entry.after, entry.detail, config.tz)
    return f"{format_local(entry.at, config.tz):<24} {who:<12} {action:<10} {post}{change}"


def _audit_json(entry: Any, config: Config, *, with_post: bool = False) -> dict[str, Any]:
    """An audit entry as ``audit --json`` and ``post show --json`` print it."""
    post = {"post_id": entry.post_id} if with_post else {}
    return {
        "at": _iso(entry.at, config),
        "actor": entry.actor,
        "action": entry.action,
        **post,
        "before": entry.before,
        "after": entry.after,
        "detail": entry.detail,
    }


@command(cli)
@click.option("--post", "post_id", type=int, help="Only changes to this post.")
@click.option("--user", "user_id", type=int, help="Only changes by this Telegram user id.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def audit(state: State, post_id: int | None, user_id: int | None, as_json: bool) -> None:
    """Show the audit log's latest 1,000 changes: who changed what and when (chat and CLI),
    oldest first.

    Example: goodnews audit --post 12
    """
    from bot.services import pages

    config = state.config
    newest = state.unit(pages.audit_log, post_id=post_id, actor=user_id, limit=1000)
    entries = newest[::-1]
    if as_json:
        echo_json([_audit_json(e, config, with_post=True) for e in entries], indent=2)
        return
    for e in entries:
        post = tr("post {post_id}", post_id=e.post_id) if e.post_id is not None else ""
        click.echo(_audit_line(e, config, f"{post:<9} "))
    if not entries:
        say(tr("no entries"))


def _period_options(command: Callable[P, R]) -> Callable[P, R]:
    """--from and --to: local days, both included (see :func:`_period`)."""
    command = click.option(
        "--to", "to_text", metavar="DATE", help="Last day, included (default: today)."
    )(command)
    return click.option(
        "--from", "from_text", metavar="DATE", help="First day (default: 30 days before --to)."
    )(command)


def _format_option(formats: list[str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """--format, one of ``formats`` (table by default), as ``report`` and ``stats`` take it."""
    return click.option(
        "--format", "fmt", type=click.Choice(formats), default="table", show_default=True
    )


def _period(
    config: Config, from_text: str | None, to_text: str | None, now: datetime
) -> tuple[date, date]:
    """The days of ``--from`` and ``--to``, filled in by ``bot.report.period``."""
    from bot import report as reporting

    start, end = _local_date("--from", from_text), _local_date("--to", to_text)
    return reporting.period(config, start=start, end=end, now=now)


def _local_date(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(
            N_("{option}: not a date YYYY-MM-DD: {text!r}"), option=option, text=text
        ) from None
    check_year(option, day)
    return day


@command(cli)
@click.option("--unit", "unit_id", metavar="ID", help="Only this unit ([[units]] id).")
@_period_options
@_format_option(["table", "csv", "json", "html"])  # bot.report.FORMATS, imported late
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file (UTF-8) instead of stdout.",
)
@click.option(
    "--language",
    type=click.Choice(["vi", "en"]),
    help="Language of the HTML page and the table (default: the config's `language`).",
)
def report(
    state: State,
    unit_id: str | None,
    from_text: str | None,
    to_text: str | None,
    fmt: str,
    output: Path | None,
    language: str | None,
) -> None:
    """Cadence compliance per unit: days with good news, weekly stories, streaks, misses.

    Dates are local (the configured timezone), both included; slots still to come are not
    counted. Expected: the days with a daily slot in the unit's cadence (its [[units]]
    cadence over [cadence]; skip dates have none), and the weekly slots. A day counts when
    a daily post of the unit went out, on any channel, with its slot on that day; a weekly
    slot when a story of the unit went out in its ISO week. Each miss has the first reason
    that applies: paused (one of the unit's channels was paused at the slot), failed (its
    publication failed or its outcome is unknown), rejected (a draft of that kind was
    rejected that day or the day before, up to the slot; for the story, since the week
    before's slot), else empty slot. streak: the expected days up to the last one, all
    published. Without [[units]] the report has one unit, "org".

    --format json prints {"from", "to", "timezone", "organisation", "units": [{"id",
    "name", "judged_by", "days_expected", "days_published", "weekly_expected",
    "weekly_published", "streak", "longest_streak", "misses": [{"date", "kind", "reason"}],
    "featured", "last_featured", "days_since_featured", "recaps_waiting"}]}: units without
    channels of their own are judged by their turns on the organisation's shared channels
    (judged_by "rotation"), which are judged by the cadence ("organisation"); csv one row
    per line; html one self-contained page with a chart per line and each post out linked,
    for a screen or for print, in --language (default: the config's language, Vietnamese
    out of the box).

    Example: goodnews report --from 2026-01-01 --to 2026-12-31 --format html --output 2026.html
    """
    from bot import report as reporting

    config, now = state.config, datetime.now(UTC)
    start, end = _period(config, from_text, to_text, now)
    result = state.unit(reporting.build, config, start=start, end=end, now=now, unit=unit_id)
    text = reporting.render(
        result,
        fmt,
        generated=now.astimezone(config.tz),
        language=language or (config.settings.language if fmt == "html" else cli_texts.language()),
    )
    if output is None:
        click.echo(text)
        if fmt == "table" and len(result.units) > 1:
            say(tr("each miss with its reason: --unit ID, or --format json"))
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(
            N_("--output {output}: cannot write: {reason}"), output=output, reason=exc.strerror
        ) from None
    say(
        tr(
            "report for {count} unit(s), {start} to {end}, written to {output}",
            count=len(result.units),
            start=start,
            end=end,
            output=output,
        )
    )


@default_group("stats")
@click.option("--unit", "unit_id", metavar="ID", help="Only this unit's posts ([[units]] id).")
@_period_options
@_format_option(["table", "csv", "json"])  # bot.analytics.show.FORMATS, imported late
def stats(
    state: State, unit_id: str | None, from_text: str | None, to_text: str | None, fmt: str
) -> None:
    """How the good news did: reactions, comments, shares, views and reach, latest measured.

    The posts that went out in the period (local days, both included), most liked first,
    totals per unit and each channel's subscribers. Metrics are read back at
    analytics.collect_after (+1h, +24h, +7d) by the worker, or by `goodnews stats collect`.
    A number a platform does not give is null ("—" in the table), never 0: Telegram gives
    bots no views, a Page under 100 likes no insights.

    --format json prints {"from", "to", "posts": [{"id", "title", "unit", "kind",
    "publications": [{"channel", "url", "external_id", "reactions", "comments", "shares",
    "views", "measured_at"}]}], "units": [{"id", "posts", "reactions", "comments", "shares",
    "views", "reach"}], "channels": [{"name", "subscribers"}]}; csv one row per publication.

    Example: goodnews stats --from 2026-11-01 --format json
    """
    from bot.analytics import show

    config = state.config
    start, end = _period(config, from_text, to_text, datetime.now(UTC))
    found = state.unit(show.build, config, start=start, end=end, unit=unit_id)
    click.echo(show.render(found, fmt, config, cli_texts.language()))


@command(stats, "collect")
@at_option
def stats_collect(state: State, at_text: str | None) -> None:
    """Read reactions, comments, shares and views back once, for what is due, and exit.

    Each publication is measured at analytics.collect_after after it went out; each channel's
    subscribers once a day. The worker does this by itself; this is for cron-style hosts.

    Example: goodnews stats collect
    """
    from bot.analytics.collect import collect, graph_for

    config, at = state.config, state.instant(at_text)

    async def go() -> Any:
        async with admin_bot(config) as (bot, _):
            found = await collect(state.engine, config, at=at, graph=graph_for(config), bot=bot)
            if bot is not None:  # a held collection is told from the events outbox
                await _deliver(bot, state)
        return found

    found = run_async(go())
    for channel, why in found.skipped.items():
        say(tr("{channel}: skipped: {why}", channel=channel, why=why))
    for channel, count in found.subscribers.items():
        say(tr("{channel}: {count} subscribers", channel=channel, count=count))
    click.echo(
        tr(
            "{measured} publication(s) measured, {calls} Graph call(s)",
            measured=found.measured,
            calls=found.graph_calls,
        )
    )


@command(cli)
@click.option("--no-bot", is_flag=True, help="Publish only; do not poll Telegram for chat.")
@click.option(
    "--webhook",
    "webhook_url",
    metavar="URL",
    help="Receive updates at this public https URL instead of long polling.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    envvar="PORT",
    default=8443,
    show_default=True,
    help="Port of the webhook server ($PORT if set).",
)
@click.option(
    "--listen",
    default="0.0.0.0",  # noqa: S104 - a web process must accept the platform's router
    show_default=True,
    help="Address the webhook server binds.",
)
@click.option(
    "--web",
    "with_web",
    is_flag=True,
    help="Also serve the dashboard (on --listen/--port), and receive the webhook there.",
)
def run(
    state: State, no_bot: bool, webhook_url: str | None, port: int, listen: str, with_web: bool
) -> None:
    """Run the worker: the Telegram bot and the scheduler, until Ctrl-C.

    Long polling by default; --webhook for platforms with an HTTP router (Telegram's secret
    token, from TELEGRAM_WEBHOOK_SECRET or made at start, is checked on every request).
    --web serves the dashboard beside them on the same port.

    Example: goodnews run --web --webhook https://goodnews.example.org/telegram
    """
    from bot.app import WebOptions, run_worker

    if webhook_url is None and os.environ.get(ENV_WEBHOOK_URL) and not no_bot:
        # The web process receives chat through the webhook (`goodnews web`); a second
        # receiver of the token would take its updates away (Telegram's 409).
        say(
            tr(
                "{name} is set: chat comes through the web process; this worker publishes",
                name=ENV_WEBHOOK_URL,
            )
        )
        no_bot = True
    webhook = _webhook(webhook_url, listen=listen, port=port, no_bot=no_bot)
    config, engine = state.config, state.engine
    _warn_ephemeral_sqlite(config)
    web = WebOptions(host=listen, port=port, secure=bool(webhook_url)) if with_web else None
    run_async(
        run_worker(
            config, engine=engine, with_bot=not no_bot, webhook=webhook, announce=say, web=web
        )
    )
    say(tr("stopped cleanly"))


#: Set on a host with an HTTP router: `goodnews web` then receives Telegram's updates at
#: this public https URL, and `goodnews run` only publishes.
ENV_WEBHOOK_URL = "WEBHOOK_URL"


def _webhook(url: str | None, *, listen: str, port: int, no_bot: bool) -> Webhook | None:
    """The webhook to receive updates at ``url`` (None: long polling, or no chat)."""
    import secrets

    from bot.app import Webhook

    if url is None:
        return None
    if not url.startswith("https://") or no_bot:
        raise UserError(
            N_(
                "--webhook takes the bot's public https:// URL (Telegram only calls https), "
                "and not with --no-bot"
            )
        )
    secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET") or secrets.token_urlsafe(32)
    logs.hide(secret)  # one we made up is in no environment variable
    return Webhook(url=url, listen=listen, port=port, secret=secret)


@command(cli)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--login-link",
    "login_user",
    type=int,
    metavar="USER_ID",
    help="Print a one-time login link for this Telegram user (valid 10 minutes) and exit.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="The dashboard's address for --login-link (default: http://HOST:PORT).",
)
@click.option("--https", "secure", is_flag=True, help="Served behind https: Secure cookies.")
def web(
    state: State, host: str, port: int, login_user: int | None, base_url: str | None, secure: bool
) -> None:
    """Serve the web dashboard: the calendar, posts, approvals, recaps, report, audit log.

    People log in with Telegram (the Login Widget); where the widget cannot be used (no
    public domain), --login-link prints a one-time link. With WEBHOOK_URL set (a host with
    an HTTP router), it also receives Telegram's updates there and answers chat, and
    `goodnews run` only publishes. For the worker and the dashboard in one process, use
    `goodnews run --web`.

    Example: goodnews web --login-link 123456789
    """
    if login_user is not None:
        from bot.web.server import login_link

        link = login_link(
            state.engine, user_id=login_user, base_url=base_url or f"http://{host}:{port}"
        )
        say(tr("one-time login for {user_id}, valid 10 minutes:", user_id=login_user))
        click.echo(link)
        return
    from bot.app import WebOptions, run_web, run_worker

    url = os.environ.get(ENV_WEBHOOK_URL)
    if url:  # the process the router reaches also takes chat: the worker beside it publishes
        webhook = _webhook(url, listen=host, port=port, no_bot=False)
        options = WebOptions(host=host, port=port, secure=True)
        _warn_ephemeral_sqlite(state.config)
        run_async(
            run_worker(
                state.config, engine=state.engine, webhook=webhook, announce=say, web=options
            )
        )
    else:
        options = WebOptions(host=host, port=port, secure=secure)
        run_async(run_web(state.config, engine=state.engine, web=options, announce=say))
    say(tr("stopped cleanly"))


@command(cli)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per channel, one per line.")
def check(state: State, as_json: bool) -> None:
    """Check each channel's token and rights against Telegram and Facebook; say how to fix.

    Reads only: getMe, getChat and getChatMember (may the bot post in the channel?), Graph
    GET /{page-id} and /me (is the Page token valid, and that page's own?). A channel
    without its token is reported as dry-run. Exit status 0 when every channel can publish
    for real, 1 otherwise (dry-run included, or no channels, or a bad config). A channel
    held after an expired token or lost rights is released once its check passes. With --json
    each line is {"channel", "type", "target", "ok", "finding", "problem", "fix", "detail"}.

    Example: goodnews check
    """
    from bot.check import as_json as check_json
    from bot.check import check_channels, describe, summary

    checks = run_async(check_channels(state.config))
    for result in checks:
        if as_json:
            echo_json(check_json(result))
        else:
            click.echo(cli_texts.text(describe(result)))
    say(cli_texts.text(summary(checks)))
    _release_held(state, [c.channel for c in checks if c.ok], checks)
    if not checks or not all(c.ok for c in checks):
        raise click.exceptions.Exit(1)


def _release_held(state: State, passed: list[str], checks: list[Any]) -> None:
    """Channels held after a credentials error publish again once their check passes; what
    they missed follows the catch-up policy. The channels' titles are kept for the notices.
    Nothing to do without a database yet."""
    from bot.services import channel_names, scheduling
    from bot.storage import metrics

    try:
        _ = state.engine
    except UserError:
        return  # not initialised: nothing can be held
    state.unit(channel_names.remember, checks)
    if not passed:
        return
    released, moved = state.unit(
        scheduling.release_channels, state.config, channels=passed, now=datetime.now(UTC)
    )
    for name in state.unit(metrics.release_collection, channels=passed):
        say(tr("{name}: reactions and views are read back again", name=name))
    for name in released:
        say(tr("{name}: no longer held; its waiting posts go out at the next pass", name=name))
    for item in moved:
        say(cli_texts.moved(item, state.config.tz))


@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("goodnews-demo"),
    show_default=True,
    help="Folder for the demo's database and outbox.",
)
@user_errors
def demo(folder: Path) -> None:
    """Show a day's flow end to end on the embedded defaults, into a dry-run outbox.

    Stores the bundled sample recaps, drafts a daily post and a weekly story, approves them,
    runs the scheduler at their slots and prints what each channel would receive. No token
    is used even if one is set: the demo never publishes for real.

    Example: goodnews demo
    """
    from bot.demo import run_demo

    run_demo(folder, out=click.echo, note=say)


# --- Operating it as a service (issue #16): health, backups, release-time migration ---------


def _is_sqlite(config: Config) -> bool:
    from bot.storage import db

    return db.normalise_url(config.database_url).startswith("sqlite")


def _warn_ephemeral_sqlite(config: Config) -> None:
    """Heroku-style hosts ($DYNO) throw the disk away on every restart and deploy."""
    if os.environ.get("DYNO") and _is_sqlite(config):
        say(
            tr(
                "warning: SQLite on an ephemeral host ($DYNO is set): the database is lost at "
                "the next restart; set DATABASE_URL to a PostgreSQL database"
            )
        )


def _upgrade(config: Config) -> tuple[str, str | None, str | None]:
    """Create or upgrade the configured database: where it is (no password), and its
    revision before and after."""
    from bot.storage import db

    engine = db.make_engine(config.database_url)
    before, after = db.upgrade(engine)
    return engine.url.render_as_string(hide_password=True), before, after


def _migrate_if_postgres(state: State) -> None:
    """The release step: migrate PostgreSQL; on SQLite do nothing (a release machine's disk
    is not the worker's, so a database made there would be thrown away)."""
    if _is_sqlite(state.config):
        say(tr("database is SQLite: nothing to migrate at release (`goodnews init` on its host)"))
        return
    where, before, after = _upgrade(state.config)
    if before == after:
        say(tr("database {where}: up to date", where=where))
    else:
        say(tr("database {where}: migrated to {revision}", where=where, revision=after))


def parse_duration(text: str) -> timedelta:
    """``90s``, ``2m``, ``1h`` or plain seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match or float(match[1]) <= 0:
        raise click.BadParameter(tr("not a duration: {text!r} (e.g. 90s, 2m, 1h)", text=text))
    return timedelta(seconds=float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]])


@cli.command()
@click.option(
    "--max-age",
    default="2m",
    show_default=True,
    metavar="DURATION",
    help="Oldest heartbeat that counts as alive (90s, 2m, 1h).",
)
@pass_state
def health(state: State, max_age: str) -> None:
    """Is the worker alive? Exit 0 when its heartbeat is fresh and the database answers.

    The worker beats once per sweep (`worker.sweep` in the config), `tick` once per run.
    One line says why; exit status 1 otherwise. For Docker's HEALTHCHECK and monitors.

    Example: goodnews health --max-age 2m
    """
    from bot.health import check_health

    limit = parse_duration(max_age)
    try:
        engine = state.engine
    except UserError as exc:
        say(tr("unhealthy: {reason}", reason=cli_texts.error(exc)))
        raise click.exceptions.Exit(1) from None
    result = check_health(engine, now=datetime.now(UTC), max_age=limit)
    reason = cli_texts.text(result.reason)
    say(reason if result.ok else tr("unhealthy: {reason}", reason=reason))
    if not result.ok:
        raise click.exceptions.Exit(1)


@command(cli, "backup")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def backup_cmd(state: State, path: Path) -> None:
    """Back up the database to PATH and the photos to PATH.media.tar, while the worker runs.

    SQLite: the online backup API (a consistent copy, unlike copying a WAL database's
    file). PostgreSQL: pg_dump's custom format (needs the PostgreSQL client installed).
    Never overwrites PATH.

    Example: goodnews backup backups/goodnews-2026-12-01.db
    """
    from bot.backup import backup
    from bot.storage import db

    # Not state.engine: its schema check would queue behind a busy writer (BEGIN IMMEDIATE).
    config = state.config
    backup(db.make_engine(config.database_url), config.media_dir, path, say=say)


@command(cli, "restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_cmd(state: State, path: Path, force: bool) -> None:
    """Restore a `goodnews backup` (PATH and PATH.media.tar) into the configured database.

    Stop the worker first. The database is then migrated to this version.

    Example: goodnews restore backups/goodnews-2026-12-01.db
    """
    from bot.backup import restore
    from bot.storage import db

    config = state.config
    restore(db.make_engine(config.database_url), config.media_dir, path, force=force, say=say)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


#: Allocations between two young-generation collections in a short command (Python's usual
#: is 700).
SHORT_COMMAND_GC_THRESHOLD = 100_000


def main() -> None:
    # Opt in to python-telegram-bot's coming timedelta durations (we read both forms); this
    # also keeps its deprecation warning out of users' logs.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # The cyclic collector would walk, again and again, the objects SQLAlchemy, SQLModel and
    # pydantic build at import: a tenth of a short command's CPU. A rare collection instead
    # of none keeps a long batch (a big import, a report over years) bounded; the worker and
    # the dashboard go back to the usual rhythm (bot.app.long_running).
    gc.set_threshold(SHORT_COMMAND_GC_THRESHOLD)
    try:
        cli()
    except KeyboardInterrupt:
        say(tr("interrupted"))
        sys.exit(130)

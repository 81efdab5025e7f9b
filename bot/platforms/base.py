"""What every platform provides, and the small types they share.

A platform lives in ``bot/platforms/<type>/`` (``<type>`` is the channel's ``type`` in the
config) and exposes :class:`Platform` as ``PLATFORM`` in its ``platform.py``; the registry
finds it there. Its modules import their platform's library only where they talk to it (the
publisher, the check), so loading the registry costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.config import ChannelConfig, ChannelOptions, Config
from bot.domain.errors import NeedsAdminError, Text

if TYPE_CHECKING:  # drafting loads only where a post is rendered, not for a tick with none due
    from telegram import Bot

    from bot.domain.drafting import Draft

#: One request: the API method or edge, and its parameters without the token. An uploaded
#: file appears as its local path; on the wire it is a multipart part.
Request = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Photo:
    """A photo to upload with a post: a local file (in ``media_dir``) and its type."""

    path: Path
    mime: str


@dataclass(frozen=True)
class OutgoingPost:
    """What a publisher needs: the post's id (for idempotency and file names), its draft and
    its photos in order."""

    id: int
    draft: Draft
    photos: tuple[Photo, ...] = ()


@dataclass(frozen=True)
class PublishResult:
    """The platform's id for what was published (a message id, a Page post id, a file path)."""

    external_id: str
    dry_run: bool = False
    #: Every message the post became, in order, when it became more than one (Telegram: an
    #: album's photos, and the text sent after them), so a correction or a retraction can
    #: reach each; ``external_id`` is the first.
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sent:
    """What went out on one channel: under the platform's ``external_id``, and as the
    messages ``parts`` when it became several (empty: ``external_id`` alone)."""

    channel: ChannelConfig
    external_id: str
    parts: tuple[str, ...] = ()


class Publisher(Protocol):
    """Deliver one post to one channel.

    Raises only our own errors from :mod:`bot.domain.errors`: ``RetryableError``,
    ``PermanentError``, ``NeedsAdminError`` or ``UnknownOutcomeError``.
    """

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult: ...

    async def correct(self, before: OutgoingPost, after: OutgoingPost, sent: Sent) -> None:
        """What went out as ``before`` reads ``after`` from now on. Already reading it is
        success; a refusal raises, in the platform's words."""
        ...

    async def retract(self, post: OutgoingPost, sent: Sent) -> None:
        """Take down what went out (every one of its ``parts``); already gone is success; a
        refusal raises."""
        ...


@dataclass(frozen=True)
class Limits:
    """What a platform takes in one post: characters of text (in its own count), of a photo's
    caption (None: the text is the caption, whatever its length) and photos."""

    text: int
    caption: int | None
    photos: int | None


class Finding(StrEnum):
    """What a check found, for programs; people read ``problem`` and ``fix``."""

    OK = "ok"
    DRY_RUN = "dry_run"  # no token: posts go to the outbox
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - wrong or revoked token
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - a finding's name, not a secret
    TOKEN_OF_OTHER_PAGE = "token_of_other_page"  # noqa: S105 - a finding's name, not a secret
    MISSING_PERMISSION = "missing_permission"
    CHAT_NOT_FOUND = "chat_not_found"
    CHAT_MIGRATED = "chat_migrated"
    NOT_ADMIN = "not_admin"
    CANNOT_POST = "cannot_post"  # an admin without the Post messages right, or muted
    WRONG_PAGE = "wrong_page"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"  # network error, 5xx, an error page: try again
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class ChannelCheck:
    """The verdict on one configured channel.

    ``ok`` is True only when the channel can publish for real right now. Otherwise
    ``problem`` says what is wrong and ``fix`` what to do, in plain English; a channel
    without a token is not ok (``finding`` is ``DRY_RUN``): its posts go to the outbox.
    ``detail`` says what was verified when ``ok``.
    """

    channel: str
    platform: str  # the channel's type: "telegram", "facebook"
    target: str  # the chat_id or page_id, as configured
    ok: bool
    finding: Finding
    problem: str = ""
    fix: str = ""
    detail: str = ""
    #: How people name the channel: ``tg-main (telegram, @channel)``.
    label: str = ""
    #: How its platform names it to everyone (a Telegram channel's title or @username, a
    #: Facebook Page's name), when the check got that far; empty: not known.
    title: str = ""

    @property
    def dry_run(self) -> bool:
        return self.finding is Finding.DRY_RUN


@dataclass(frozen=True)
class Verdicts:
    """A platform's checks' verdicts, each naming its channel by the platform's ``label``."""

    platform: Platform

    def ok(self, channel: ChannelConfig, detail: str) -> ChannelCheck:
        """A channel that can publish for real."""
        return self._verdict(channel, True, Finding.OK, detail=detail)

    def bad(self, channel: ChannelConfig, finding: Finding, problem: str, fix: str) -> ChannelCheck:
        """A channel that cannot publish for real: what is wrong and what to do."""
        return self._verdict(channel, False, finding, problem=problem, fix=fix)

    def _verdict(
        self, channel: ChannelConfig, ok: bool, finding: Finding, **words: str
    ) -> ChannelCheck:
        """The check of ``channel``, named by its label; ``words``: what people read."""
        label = self.platform.label(channel)
        return ChannelCheck(
            channel.name, channel.type, channel.target, ok, finding, label=label, **words
        )

    def said(
        self, channel: ChannelConfig, finding: Finding, problem: str, fix: str, **params: object
    ) -> ChannelCheck:
        """:meth:`bad` from two templates (``N_`` catalog entries), both filled from
        ``params``: each names the ones it needs."""
        return self.bad(channel, finding, Text(problem, **params), Text(fix, **params))

    def dry_run(
        self, config: Config, channel: ChannelConfig, problem: str, fix: str, **params: object
    ) -> ChannelCheck:
        """No token: the channel's posts go to the outbox. ``problem`` and ``fix`` are
        templates naming the token's variable as ``{env}``; ``problem`` names the outbox as
        ``{outbox}``, ``fix`` takes ``params`` too."""
        env, outbox = self.platform.token_env, config.outbox_dir
        return self.said(channel, Finding.DRY_RUN, problem, fix, env=env, outbox=outbox, **params)


@runtime_checkable
class SendBudget(Protocol):
    """Spaces a bot's sends (Telegram's ``Pacer``); a 429 holds them all."""

    async def wait(self) -> None: ...

    async def reserve(self) -> None:
        """Wait for the next send's turn now; the next :meth:`wait` then goes at once."""
        ...

    def hold(self, seconds: float) -> None:
        """Nothing goes out for ``seconds`` (Telegram's ``retry_after``)."""
        ...


@dataclass
class Shared:
    """What the platforms opened for one publishing session share: the config, and the
    Telegram bot (the chat's, or one the Telegram platform started) with its send budget,
    which the followers' direct messages use too."""

    config: Config
    bot: Bot | None = None
    pacer: SendBudget | None = None


@dataclass(frozen=True)
class Platform:
    """One kind of channel. Everything the rest of the bot knows about it goes through here;
    its ``platform.py`` builds one from the functions of its folder."""

    #: The channel's ``type`` in the config, and the folder's name.
    name: str
    #: The keys of a ``[[channels]]`` table of this type (besides name, type, cadence).
    options: type[ChannelOptions]
    #: The environment variable holding its token (never in the config).
    token_env: str
    limits: Limits
    #: How people name the channel: ``tg-main (telegram, @channel)``.
    label: Callable[[ChannelConfig], str]
    #: Every request the post takes, in order, as the dry run records them.
    render: Callable[[OutgoingPost, ChannelConfig], list[Request]]
    #: The post's text exactly as this platform publishes it (Telegram's HTML, Facebook's
    #: plain message).
    text: Callable[[OutgoingPost], str]
    #: Where people see what went out on a channel under the platform's external id; None
    #: when it cannot be linked to (a dry run, a private group).
    link: Callable[[ChannelConfig, str | None], str | None]
    #: Where people open the channel itself; None when it has no public address.
    home: Callable[[ChannelConfig], str | None]
    #: The URL the requests go to, without the token, for the dry run's record.
    dry_run_url: Callable[[Config, ChannelConfig], str]
    #: The photos that would be uploaded.
    media: Callable[[OutgoingPost], tuple[Photo, ...]]
    #: The real publisher for the session, or None without a token (then the dry run).
    open_publisher: Callable[[Shared], AbstractAsyncContextManager[Publisher | None]]

    async def check(self, config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
        """Whether each channel can publish for real, asked read-only; never raises. The
        probe is ``check`` in the folder's ``check.py``, loaded only now (it imports the
        platform's library)."""
        probe = importlib.import_module(f"bot.platforms.{self.name}.check")
        checks: list[ChannelCheck] = await probe.check(config, channels)
        return checks


def quote(text: str, token: str, width: int = 200) -> str:
    """A platform's or library's message, on one line, shortened, never with the token."""
    line = " ".join(text.replace(token, "<token>").split()).rstrip(".")
    return line if len(line) <= width else line[: width - 1] + "…"


def read_photos(photos: Sequence[Photo], where: str) -> list[bytes]:
    """Every photo's bytes, read before the first request so that a missing file stops the
    post before anything of it is sent. A missing file needs a person (restore it)."""
    contents = []
    for photo in photos:
        try:
            contents.append(photo.path.read_bytes())
        except OSError as exc:
            raise NeedsAdminError(
                f"{where}: cannot read the photo {photo.path}: {exc.strerror or exc}"
            ) from exc
    return contents

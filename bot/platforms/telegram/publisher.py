"""Telegram channels through python-telegram-bot; its errors become ours in :mod:`.errors`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, InputFile, InputMediaPhoto, LinkPreviewOptions, Message
from telegram.error import BadRequest, TelegramError

from bot.config import ChannelConfig
from bot.domain.drafting import TELEGRAM_CAPTION_LIMIT
from bot.domain.errors import PermanentError, PublishError, RetryableError, UnknownOutcomeError
from bot.platforms.base import OutgoingPost, Photo, PublishResult, SendBudget, Sent, read_photos
from bot.platforms.telegram import render as payloads
from bot.platforms.telegram.errors import translate_error

#: Tries at the text that follows a post's photos, within one publication (see
#: ``TelegramChannelPublisher._follow_up``), and the waits between them: Telegram's
#: ``retry_after`` when it gives one (up to FOLLOW_UP_MAX_WAIT seconds), else 0.5 s, 1 s.
FOLLOW_UP_ATTEMPTS = 3
FOLLOW_UP_BACKOFF = 0.5
FOLLOW_UP_MAX_WAIT = 30.0

_T = TypeVar("_T")


class Pacer:
    """Spaces calls at least ``1 / per_second`` apart: Telegram allows a bot about 30
    messages a second, and a burst above that only earns 429s. A 429's ``retry_after``
    pauses every call through this pacer (the whole bot) until that time has passed."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._reserved = False

    async def reserve(self) -> None:
        """Wait for the next slot now, before the send is recorded as started; the next
        :meth:`wait` then goes at once (sends through the publishers are sequential)."""
        await self._wait()
        self._reserved = True

    def hold(self, seconds: float) -> None:
        """Telegram said "retry after ``seconds``": nothing goes out before then."""
        until = asyncio.get_running_loop().time() + seconds
        self._next = max(self._next, until)
        self._reserved = False

    async def wait(self) -> None:
        if self._reserved:
            self._reserved = False
            return
        await self._wait()

    async def _wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing itself, not waiting for an event
            self._next = max(loop.time(), self._next) + self.interval


class TelegramChannelPublisher:
    """Sends a post to a channel: one HTML message, a photo or an album with the post as its
    caption, or (a text too long for a caption) the photos and then the text."""

    def __init__(self, bot: Bot, pacer: SendBudget) -> None:
        self.bot = bot
        self.pacer = pacer

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult:
        album = payloads.telegram_album(post)
        if not album:
            message_id = await self._request(channel, partial(self._send_text, post, channel))
            return PublishResult(external_id=message_id)
        contents = read_photos(album, _where(channel))  # before anything is sent
        caption = payloads.telegram_caption(post)
        chat_id = payloads.options(channel).chat_id
        assert chat_id is not None
        media = [  # an album's files are attached parts of the one request
            InputFile(data, filename=photo.path.name, attach=len(album) > 1)
            for photo, data in zip(album, contents, strict=True)
        ]
        messages = await self._request(
            channel, partial(send_album, self.bot, chat_id, media, caption)
        )
        photos = tuple(str(m.message_id) for m in messages)
        if caption is not None:
            return PublishResult(external_id=photos[0], parts=_several(photos))
        text = await self._follow_up(post, channel, photos)
        return PublishResult(external_id=photos[0], parts=(*photos, text))

    async def correct(self, before: OutgoingPost, after: OutgoingPost, sent: Sent) -> None:
        """editMessageText for a text post or the text sent after the photos (the last of
        ``parts``), editMessageCaption for photos with the text as their caption; the text
        is already what it should be: success."""
        channel = sent.channel
        where, first = _where(channel), _first_message(channel, sent.external_id)
        chat_id = payloads.options(channel).chat_id
        album = payloads.telegram_album(before)
        if not album or payloads.telegram_caption(before) is None:
            text = first if not album else _text_message(channel, album, sent.parts)
            call = partial(self.bot.edit_message_text, **_message(after, channel), message_id=text)
        else:
            caption = payloads.telegram_caption(after)
            if caption is None:
                raise PermanentError(
                    f"{where}: the new text is longer than a photo's caption "
                    f"({TELEGRAM_CAPTION_LIMIT} characters); message {first} was not "
                    "changed"
                )
            call = partial(
                self.bot.edit_message_caption,
                chat_id=chat_id,
                message_id=first,
                caption=caption,
                parse_mode="HTML",
            )
        await self._unless_already(channel, call, "not modified")

    async def retract(self, post: OutgoingPost, sent: Sent) -> None:
        """deleteMessage for each message the post became (``parts``; kept since migration
        0020: before, an album's ids were taken to follow the first's); a message already
        gone is success."""
        channel = sent.channel
        first = _first_message(channel, sent.external_id)
        album = payloads.telegram_album(post)
        if sent.parts:
            ids = [_first_message(channel, part) for part in sent.parts]
        elif album and payloads.telegram_caption(post) is None:
            raise PermanentError(
                f"{_where(channel)}: the text went out as its own message after the photos, "
                "whose id was not kept: delete the post by hand in the channel"
            )
        else:
            ids = list(range(first, first + max(1, len(album))))
        chat_id = payloads.options(channel).chat_id
        assert chat_id is not None
        for message_id in ids:
            call = partial(self.bot.delete_message, chat_id=chat_id, message_id=message_id)
            await self._unless_already(channel, call, "message to delete not found")

    async def _unless_already(
        self, channel: ChannelConfig, call: Callable[[], Awaitable[object]], done: str
    ) -> None:
        """One paced call; Telegram's ``done`` refusal (the change is already there) is
        success, any other error becomes ours."""
        await self.pacer.wait()
        try:
            await call()
        except BadRequest as exc:
            if done not in exc.message.lower():
                raise translate_error(exc, _where(channel)) from exc
        except TelegramError as exc:
            raise translate_error(exc, _where(channel)) from exc

    async def _request(self, channel: ChannelConfig, call: Callable[[], Awaitable[_T]]) -> _T:
        """One paced Bot API call; its errors become ours."""
        await self.pacer.wait()
        try:
            return await call()
        except TelegramError as exc:
            raise held(translate_error(exc, _where(channel)), self.pacer) from exc

    async def _send_text(self, post: OutgoingPost, channel: ChannelConfig) -> str:
        message = await self.bot.send_message(**_message(post, channel))
        return str(message.message_id)

    async def _follow_up(
        self, post: OutgoingPost, channel: ChannelConfig, photos: tuple[str, ...]
    ) -> str:
        """The text after the photos, which are already in the channel: its message's id.

        The publication must not fail in a way the publishing pass retries: a retry starts
        from scratch and would post the photos a second time. Going ``unknown`` at once would
        be safe but would leave a person to finish posts that a 429 (common right after an
        album, which counts as several messages) held up for a second. So the text alone is
        retried here, a few times, and only on errors that say it did not reach Telegram (a
        429, a connection that never opened). If it still has not gone out, the publication is
        ``unknown`` with the photos' message id recorded: a person posts the text by hand or
        deletes the photos, and nothing is sent again on its own.
        """
        error: PublishError | None = None
        for attempt in range(1, FOLLOW_UP_ATTEMPTS + 1):
            try:
                return await self._request(channel, partial(self._send_text, post, channel))
            except PublishError as exc:
                error = exc
            wait = error.retry_after or FOLLOW_UP_BACKOFF * 2 ** (attempt - 1)
            if (
                not isinstance(error, RetryableError)
                or attempt == FOLLOW_UP_ATTEMPTS
                or wait > FOLLOW_UP_MAX_WAIT
            ):
                break
            await asyncio.sleep(wait)  # Telegram's retry_after, or a short backoff
        assert error is not None
        where, first, count = _where(channel), photos[0], len(photos)
        went = f"the {'photo' if count == 1 else f'{count} photos'} went out (message {first})"
        why = str(error).removeprefix(f"{where}: ")
        said = (
            "; whether the text did is unknown"
            if isinstance(error, UnknownOutcomeError)
            else (" but the text did not")
        )
        raise UnknownOutcomeError(
            f"{where}: {went}{said}: {why}", external_id=first, parts=_several(photos)
        )


async def send_album(
    bot: Bot, chat_id: int | str, media: Sequence[str | InputFile], caption: str | None
) -> list[Message]:
    """sendPhoto for one photo, sendMediaGroup for several (the HTML caption on the first);
    the messages. ``media``: files, or the ids Telegram gave photos already uploaded."""
    mode = "HTML" if caption is not None else None
    if len(media) == 1:
        return [await bot.send_photo(chat_id, media[0], caption=caption, parse_mode=mode)]
    group = [
        InputMediaPhoto(
            item, caption=caption if i == 0 else None, parse_mode=mode if i == 0 else None
        )
        for i, item in enumerate(media)
    ]
    return list(await bot.send_media_group(chat_id, group))


def held(error: PublishError, pacer: SendBudget) -> PublishError:
    """The error, after pausing the bot's sends for its ``retry_after`` (a 429)."""
    if error.retry_after:
        pacer.hold(error.retry_after)
    return error


def _message(post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
    """sendMessage's parameters as python-telegram-bot takes them: its link preview options
    an object, not the Bot API's JSON."""
    params = payloads.telegram_send_message(post, channel)
    preview = params.pop("link_preview_options", None)
    params["link_preview_options"] = LinkPreviewOptions(**preview) if preview else None
    return params


def _first_message(channel: ChannelConfig, external_id: str) -> int:
    """The id of the post's first message in the channel; a clear refusal for anything
    else (a dry run's file)."""
    first = external_id.split(",", maxsplit=1)[0].strip()
    if not first.isdigit():
        raise PermanentError(
            f"{_where(channel)}: {external_id!r} is not a Telegram message (a dry run?)"
        )
    return int(first)


def _several(ids: tuple[str, ...]) -> tuple[str, ...]:
    """The ids worth keeping beside the first: all of them, when there are several."""
    return ids if len(ids) > 1 else ()


def _text_message(channel: ChannelConfig, album: Sequence[Photo], parts: tuple[str, ...]) -> int:
    """The id of the text sent after the photos: the last of ``parts``; a clear refusal for
    a post published before every id was kept (or whose text never went out)."""
    if len(parts) != len(album) + 1:
        raise PermanentError(
            f"{_where(channel)}: the text went out as its own message after the photos, whose "
            "id was not kept: correct it by hand in the channel"
        )
    return _first_message(channel, parts[-1])


def _where(channel: ChannelConfig) -> str:
    return f"telegram channel {channel.name} ({channel.target})"

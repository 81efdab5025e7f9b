"""A fake Telegram Bot API server for tests, driven over real HTTP.

Point python-telegram-bot at it with ``telegram.Bot(tg.token, base_url=tg.base_url,
base_file_url=tg.base_file_url)``; a config file that holds the API root takes ``tg.api_url``.

What it models faithfully (checked against tdlib / telegram-bot-api sources and real error reports):

* routing: ``/bot<token>/<method>`` over GET or POST, method names case-insensitive; a malformed
  token answers 404 ``Not Found``, a well-formed wrong one 401 ``Unauthorized``, an unknown method
  404 ``Not Found``; every answer is ``application/json`` shaped ``{"ok": ..., ...}``;
* parameters from the query string, urlencoded or multipart forms, or a JSON body;
* ``parse_mode`` HTML, MarkdownV2 and Markdown, ported from tdlib's ``parse_html``,
  ``parse_markdown_v2`` and ``parse_markdown`` (same error texts and byte offsets), then trimmed
  like ``fix_formatted_text``; entity offsets/lengths are UTF-16 code units; lengths are limited in
  UTF-16 code units of the text after entity parsing (4096 for text, 1024 for captions), the
  stricter reading of what the live service measures (an emoji counts 2);
* long polling with offsets, limits, ``allowed_updates``, and both 409 conflicts;
* the bot's rights in channels and users who blocked or never started the bot.

Approximations (documented where they are made): entity auto-detection covers ``http(s)://`` URLs,
@mentions, #hashtags and /commands only; media are not transcoded (one or a few photo sizes are
reported from the uploaded image's real dimensions); URL uploads are not fetched.

All state is guarded by the one condition ``self.cond`` (see :mod:`tests.fakes._http`).
"""

from __future__ import annotations

import collections
import copy
import itertools
import json
import math
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakes._http import (
    FakeServer,
    HttpRequest,
    HttpResponse,
    UploadedFile,
    image_size,
    json_bytes,
)

__all__ = ["Call", "FakeTelegram", "UploadedFile"]

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
#: A message older than this (seconds) can no longer be deleted for everyone.
DELETE_WINDOW = 48 * 3600
LONG_POLL_MAX_TIMEOUT = 50
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)  # everything except chat_member, message_reaction and message_reaction_count, as documented

CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Keys whose values are strings in the Bot API even when they look like JSON numbers/booleans;
# kept verbatim in recorded params.
_STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "url",
        "language_code",
        "parse_mode",
        "caption_parse_mode",
        "title",
        "description",
        "secret_token",
        "inline_message_id",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "photo",
        "document",
        "video",
        "audio",
        "animation",
        "sticker",
        "voice",
        "ip_address",
        "short_description",
        "name",
    }
)


# ===============================================================================================
# Entities: tdlib's parsers, byte for byte
# ===============================================================================================


class _ParseError(Exception):
    """A tdlib parse error; ``message`` is tdlib's text (the Bot API prefixes it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Entity:
    type: str  # Bot API name: bold, italic, text_link, pre, ...
    offset: int  # UTF-16 code units
    length: int
    url: str | None = None
    language: str | None = None
    user: JSON | None = None
    custom_emoji_id: str | None = None

    def to_json(self) -> JSON:
        out: JSON = {"offset": self.offset, "length": self.length, "type": self.type}
        if self.url is not None:
            out["url"] = self.url
        if self.language:
            out["language"] = self.language
        if self.user is not None:
            out["user"] = self.user
        if self.custom_emoji_id is not None:
            out["custom_emoji_id"] = self.custom_emoji_id
        return out


# tdlib's MessageEntity::get_type_priority; lower sorts first among equal (offset, length).
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "bank_card_number": 50,
    "spoiler": 94,
    "custom_emoji": 99,
}


def _priority(entity: _Entity) -> int:
    if entity.type == "pre":
        return 10 if entity.language else 11
    return _PRIORITY.get(entity.type, 50)


def _sort_entities(entities: list[_Entity]) -> None:
    entities.sort(key=lambda e: (e.offset, -e.length, _priority(e)))


# tdlib names used inside MarkdownV2 error messages ("Can't find end of Bold entity ...").
_TD_NAME = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
    "expandable_blockquote": "ExpandableBlockQuote",
}

_SPACE_BYTES = frozenset(b" \t\r\n\x00\v\f")


def _is_space(c: int) -> bool:
    return c in _SPACE_BYTES


def _is_alnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def _is_lead(c: int) -> bool:
    return (c & 0xC0) != 0x80


def _utf16_length(text: str) -> int:
    """The length Telegram's limits are checked against: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _utf16_units(c: int) -> int:
    """UTF-16 units contributed by a UTF-8 byte (0 for continuation bytes)."""
    if not _is_lead(c):
        return 0
    return 2 if c >= 0xF0 else 1


def _ascii_lower(data: bytes) -> str:
    return data.decode("utf-8", "replace").translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    )


def _decode_html_entity(b: bytes, pos: int) -> tuple[int, int]:
    """tdlib's decode_html_entity: (code point or 0, position after the entity)."""
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    end = pos + 1
    res = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x'
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end):
                res = res * 16 + int(chr(b[end]), 16)
                end += 1
        else:
            while 48 <= at(end) <= 57:
                res = res * 10 + b[end] - 48
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while 65 <= at(end) <= 90 or 97 <= at(end) <= 122:
            end += 1
        name = b[pos + 1 : end]
        res = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(name, 0)
        if res == 0:
            return 0, pos
    if at(end) == 0x3B:  # ';'
        end += 1
    return res, end


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SURROGATE_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
    "surrogate code units"
)


def parse_html(  # noqa: PLR0912 - a line-by-line port of tdlib
    text: str, resolve_user: Callable[[int], JSON | None]
) -> tuple[str, list[_Entity]]:
    """Port of tdlib ``parse_html`` (td/telegram/MessageEntity.cpp)."""
    b = text.encode("utf-8")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[_Entity] = []
    # tag name, argument, UTF-16 offset, byte position in ``out``
    nested: list[tuple[str, str, int, int]] = []
    bad_surrogate = False
    i = 0
    while i < n:
        c = b[i]
        if c == 0x26:
            code, after = _decode_html_entity(b, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                if 0xD800 <= code <= 0xDFFF:
                    bad_surrogate = True
                    out += b"?"
                else:
                    out += chr(code).encode("utf-8")
                i = after
                continue
        if c != 0x3C:
            utf16 += _utf16_units(c)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != 0x2F:
            while not _is_space(at(i)) and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise _ParseError(f"Unclosed start tag at byte offset {begin}")
            tag = _ascii_lower(b[begin + 1 : i])
            if tag not in _HTML_TAGS:
                raise _ParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                while not _is_space(at(i)) and at(i) not in (0x3D, 0x3E, 0x2F, 0x22, 0x27):
                    i += 1
                attr_name = b[attr_begin:i]
                if not attr_name:
                    raise _ParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != 0x3D:
                    if at(i) == 0:
                        raise _ParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr_name == b"expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise _ParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (0x27, 0x22):
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (0x2E, 0x2D):
                        i += 1
                    value = _ascii_lower(b[token_begin:i])
                    if not _is_space(at(i)) and at(i) != 0x3E:
                        raise _ParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    end_char = at(i)
                    i += 1
                    raw = bytearray()
                    while at(i) != end_char and at(i) != 0:
                        if at(i) == 0x26:
                            code, after = _decode_html_entity(b, i)
                            if code:
                                raw += chr(code).encode("utf-8", "surrogatepass")
                                i = after
                                continue
                        raw.append(b[i])
                        i += 1
                    if at(i) == end_char:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if at(i) == 0:
                    raise _ParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr_name == b"href":
                    argument = value
                elif tag == "code" and attr_name == b"class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr_name == b"class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attr_name == b"emoji-id":
                    argument = value
                elif tag == "blockquote" and attr_name == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            nested.append((tag, argument, utf16, len(out)))
        else:
            if not nested:
                raise _ParseError(f"Unexpected end tag at byte offset {begin}")
            while not _is_space(at(i)) and at(i) != 0x3E:
                i += 1
            end_tag = _ascii_lower(b[begin + 2 : i])
            while _is_space(at(i)) and at(i) != 0:
                i += 1
            if at(i) != 0x3E:
                raise _ParseError(f"Unclosed end tag at byte offset {begin}")
            tag, argument, entity_offset, begin_pos = nested[-1]
            if end_tag and end_tag != tag:
                raise _ParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                    f'found "</{end_tag}>"'
                )
            if utf16 > entity_offset:
                _close_html_entity(
                    entities,
                    tag=tag,
                    argument=argument,
                    offset=entity_offset,
                    length=utf16 - entity_offset,
                    inner=bytes(out[begin_pos:]),
                    resolve_user=resolve_user,
                )
            nested.pop()
        i += 1  # past '>'
    if nested:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    for entity in entities:
        if entity.type == "code":
            entity.language = None
    _sort_entities(entities)
    if bad_surrogate:
        raise _ParseError(_SURROGATE_ERROR)
    return out.decode("utf-8"), entities


def _close_html_entity(
    entities: list[_Entity],
    *,
    tag: str,
    argument: str,
    offset: int,
    length: int,
    inner: bytes,
    resolve_user: Callable[[int], JSON | None],
) -> None:
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        entities.append(_Entity(simple[tag], offset, length))
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise _ParseError("Invalid custom emoji identifier specified")
        entities.append(_Entity("custom_emoji", offset, length, custom_emoji_id=argument))
    elif tag == "a":
        url = argument or inner.decode("utf-8", "replace")
        _append_link(entities, url, offset, length, resolve_user)
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "code"
            and last.offset == offset
            and last.length == length
            and last.language
        ):
            last.type = "pre"
        else:
            entities.append(_Entity("pre", offset, length))
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "pre"
            and last.offset == offset
            and last.length == length
            and argument
        ):
            last.language = argument
        else:
            entities.append(_Entity("code", offset, length, language=argument or None))
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append(_Entity(kind, offset, length))


_TG_USER = re.compile(r"^tg://user\?id=(\d+)$", re.IGNORECASE)


def _append_link(
    entities: list[_Entity],
    url: str,
    offset: int,
    length: int,
    resolve_user: Callable[[int], JSON | None],
) -> None:
    mention = _TG_USER.match(url.strip())
    if mention:
        user = resolve_user(int(mention.group(1)))
        if user is not None:
            entities.append(_Entity("text_mention", offset, length, user=user))
        return
    checked = checked_link(url)
    if checked:
        entities.append(_Entity("text_link", offset, length, url=checked))


_HOST_OK = re.compile(r"^[\w.\-]+(:\d{1,5})?$", re.UNICODE)


def checked_link(url: str) -> str | None:
    """Approximates tdlib ``LinkManager::get_checked_link``: normalise or reject a link.

    ``example.com`` becomes ``http://example.com/``, ``https://x.org`` becomes
    ``https://x.org/``; ``tg://`` and ``ton://`` links pass; other schemes and hosts with invalid
    characters are rejected (the entity or button is then dropped or refused).
    """
    url = url.strip()
    if not url:
        return None
    scheme_match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    scheme = scheme_match.group(1).lower() if scheme_match else None
    if scheme in ("tg", "ton", "tonsite"):
        return url if "://" in url else None
    if scheme is None or "://" not in url:
        if scheme not in (None, "http", "https") and not re.match(r"^[^:/]+:\d", url):
            return None
        url = "http://" + url
        scheme = "http"
    if scheme not in ("http", "https"):
        return None
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    if not host or not _HOST_OK.match(host) or host.startswith(".") or ".." in host:
        return None
    path = parts.path or "/"
    rebuilt: str = urllib.parse.urlunsplit(
        (scheme, parts.netloc.lower(), path, parts.query, parts.fragment)
    )
    if url.endswith("?") and not parts.query:
        rebuilt += "?"
    return rebuilt


_MDV2_RESERVED = frozenset(b"_*[]()~`>#+-=|{}.!\n")


def parse_markdown_v2(  # noqa: PLR0912 - a line-by-line port of tdlib
    text: str, resolve_user: Callable[[int], JSON | None]
) -> tuple[str, list[_Entity]]:
    """Port of tdlib ``parse_markdown_v2`` (td/telegram/MessageEntity.cpp)."""
    b = text.encode("utf-8")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    def reserved(ch: int) -> _ParseError:
        return _ParseError(
            f"Character '{chr(ch)}' is reserved and must be escaped with the preceding '\\'"
        )

    out = bytearray()
    utf16 = 0
    entities: list[_Entity] = []
    # [type, argument, UTF-16 offset, byte offset in text, byte position in out]
    nested: list[list[Any]] = []
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < n:
        c = b[i]
        if c == 0x5C and 0 < at(i + 1) <= 126:
            i += 1
            utf16 += 1
            out.append(b[i])
            if b[i] != 0x0D:
                can_start_blockquote = b[i] == 0x0A
            i += 1
            continue
        reserved_set: frozenset[int] = _MDV2_RESERVED
        if nested and nested[-1][0] in ("code", "pre", "pre_code"):
            reserved_set = frozenset(b"`")
        if c not in reserved_set:
            if _is_lead(c):
                utf16 += 2 if c >= 0xF0 else 1
                if c != 0x0D:
                    can_start_blockquote = False
            out.append(c)
            i += 1
            continue

        is_end = False
        if nested:
            top = nested[-1][0]
            if have_blockquote and c == 0x0A and (i + 1 == n or at(i + 1) != 0x3E):
                is_end = True
            elif top == "bold":
                is_end = c == 0x2A
            elif top == "italic":
                is_end = c == 0x5F and at(i + 1) != 0x5F
            elif top == "code":
                is_end = c == 0x60
            elif top in ("pre", "pre_code"):
                is_end = c == 0x60 and at(i + 1) == 0x60 and at(i + 2) == 0x60
            elif top in ("text_link", "custom_emoji"):
                is_end = c == 0x5D
            elif top == "underline":
                is_end = c == 0x5F and at(i + 1) == 0x5F
            elif top == "strikethrough":
                is_end = c == 0x7E
            elif top == "spoiler":
                is_end = c == 0x7C and at(i + 1) == 0x7C
        if not is_end:
            kind: str | None
            argument = ""
            byte_offset = i
            if c == 0x5F:
                if at(i + 1) == 0x5F:
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == 0x2A:
                kind = "bold"
            elif c == 0x7E:
                kind = "strikethrough"
            elif c == 0x7C:
                if at(i + 1) != 0x7C:
                    raise reserved(c)
                i += 1
                kind = "spoiler"
            elif c == 0x5B:
                kind = "text_link"
            elif c == 0x60:
                if at(i + 1) == 0x60 and at(i + 2) == 0x60:
                    i += 3
                    kind = "pre"
                    language_end = i
                    while not _is_space(at(language_end)) and at(language_end) != 0x60:
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != 0x60:
                        kind = "pre_code"
                        argument = b[i:language_end].decode("utf-8", "replace")
                        i = language_end
                    if at(i) in (0x0A, 0x0D):
                        if at(i + 1) in (0x0A, 0x0D) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == 0x21:
                if at(i + 1) != 0x5B:
                    raise reserved(c)
                i += 1
                kind = "custom_emoji"
            elif c == 0x0A:
                utf16 += 1
                out.append(0x0A)
                can_start_blockquote = True
                kind = None
            elif c == 0x3E:
                if not can_start_blockquote:
                    raise reserved(c)
                if have_blockquote:
                    kind = None
                else:
                    kind = "blockquote"
                    have_blockquote = True
            else:
                raise reserved(c)
            if kind is not None:
                nested.append([kind, argument, utf16, byte_offset, len(out)])
            i += 1
            continue

        kind = nested[-1][0]
        if c == 0x0A and kind != "blockquote":
            top_offset = nested[-1][3]
            if kind != "spoiler" or not (
                top_offset == i - 2 or (top_offset == i - 3 and out and out[-1] == 0x0D)
            ):
                raise _ParseError(
                    f"Can't find end of {_TD_NAME[kind]} entity at byte offset {top_offset}"
                )
            nested.pop()
            kind = nested[-1][0]
            if kind != "blockquote":
                raise _ParseError(
                    f"Can't find end of {_TD_NAME[kind]} entity at byte offset {nested[-1][3]}"
                )
            kind = "expandable_blockquote"
        argument = nested[-1][1]
        skip = utf16 == nested[-1][2]
        link_url: str | None = None
        emoji_id: str | None = None
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind in ("text_link", "custom_emoji"):
            if kind == "text_link" and at(i + 1) != 0x28:
                link_url = bytes(out[nested[-1][4] :]).decode("utf-8", "replace")
            else:
                if at(i + 1) != 0x28:
                    raise _ParseError("Custom emoji entity must contain a tg://emoji URL")
                i += 2
                url_begin = i
                raw = bytearray()
                while i < n and b[i] != 0x29:
                    if b[i] == 0x5C and 0 < at(i + 1) <= 126:
                        raw.append(b[i + 1])
                        i += 2
                        continue
                    raw.append(b[i])
                    i += 1
                if at(i) != 0x29:
                    what = "a URL" if kind == "text_link" else "a custom emoji URL"
                    raise _ParseError(f"Can't find end of {what} at byte offset {url_begin}")
                link_url = raw.decode("utf-8", "replace")
            if kind == "custom_emoji":
                match = re.match(r"^tg://emoji\?id=(\d+)$", link_url or "")
                if not match or int(match.group(1)) == 0:
                    raise _ParseError("Invalid custom emoji identifier specified")
                emoji_id = match.group(1)
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            out.append(b[i])
            can_start_blockquote = True
            utf16 += 1
            skip = False
        offset = nested[-1][2]
        if not skip:
            length = utf16 - offset
            if kind == "text_link":
                _append_link(entities, link_url or "", offset, length, resolve_user)
            elif kind == "custom_emoji":
                entities.append(_Entity("custom_emoji", offset, length, custom_emoji_id=emoji_id))
            elif kind == "pre_code":
                entities.append(_Entity("pre", offset, length, language=argument))
            else:
                entities.append(_Entity(kind, offset, length))
        nested.pop()
        i += 1
    if have_blockquote and nested:
        kind = "blockquote"
        if nested[-1][0] == "spoiler" and nested[-1][3] == n - 2:
            nested.pop()
            kind = "expandable_blockquote"
        if nested and nested[-1][0] == "blockquote":
            offset = nested[-1][2]
            if utf16 != offset:
                entities.append(_Entity(kind, offset, utf16 - offset))
            nested.pop()
    if nested:
        raise _ParseError(
            f"Can't find end of {_TD_NAME[nested[-1][0]]} entity at byte offset {nested[-1][3]}"
        )
    _sort_entities(entities)
    return out.decode("utf-8", "replace"), entities


def parse_markdown(  # noqa: PLR0912 - a line-by-line port of tdlib
    text: str, resolve_user: Callable[[int], JSON | None]
) -> tuple[str, list[_Entity]]:
    """Port of tdlib ``parse_markdown`` (the legacy ``Markdown`` parse mode)."""
    b = text.encode("utf-8")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    out = bytearray()
    entities: list[_Entity] = []
    utf16 = 0
    i = 0
    while i < n:
        c = b[i]
        if c == 0x5C and at(i + 1) in (0x5F, 0x2A, 0x60, 0x5B):
            i += 1
            out.append(b[i])
            utf16 += 1
            i += 1
            continue
        if c not in (0x5F, 0x2A, 0x60, 0x5B):
            utf16 += _utf16_units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        end_char = 0x5D if c == 0x5B else c
        is_pre = False
        i += 1
        language = ""
        if c == 0x60 and at(i) == 0x60 and at(i + 1) == 0x60:
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(at(language_end)) and at(language_end) != 0x60:
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != 0x60:
                language = b[i:language_end].decode("utf-8", "replace")
                i = language_end
            if at(i) in (0x0A, 0x0D):
                if at(i + 1) in (0x0A, 0x0D) and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        entity_offset = utf16
        while i < n and (at(i) != end_char or (is_pre and not (at(i + 1) == 0x60 == at(i + 2)))):
            utf16 += _utf16_units(b[i])
            out.append(b[i])
            i += 1
        if i == n:
            raise _ParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if entity_offset != utf16:
            length = utf16 - entity_offset
            if c == 0x5F:
                entities.append(_Entity("italic", entity_offset, length))
            elif c == 0x2A:
                entities.append(_Entity("bold", entity_offset, length))
            elif c == 0x5B:
                if at(i + 1) != 0x28:
                    url = b[begin + 1 : i].decode("utf-8", "replace")
                else:
                    i += 2
                    start = i
                    while i < n and b[i] != 0x29:
                        i += 1
                    url = b[start:i].decode("utf-8", "replace")
                _append_link(entities, url, entity_offset, length, resolve_user)
            elif is_pre:
                entities.append(_Entity("pre", entity_offset, length, language=language or None))
            else:
                entities.append(_Entity("code", entity_offset, length))
        if is_pre:
            i += 2
        i += 1
    _sort_entities(entities)
    return out.decode("utf-8", "replace"), entities


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_offsets(text: str) -> list[int]:
    """offsets[k] = UTF-16 offset of code point k (with a final entry for the end)."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return offsets


_REMOVED_CHARS = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")


def fix_formatted_text(text: str, entities: list[_Entity]) -> tuple[str, list[_Entity]]:
    """Port of the cleaning and trimming in tdlib ``fix_formatted_text``.

    Control characters other than ``\\n`` become spaces; ``\\r``, U+2028-U+202E and a few
    combining "vertical line" marks are removed; empty entities are dropped; trailing spaces and
    newlines are cut (entities clipped), leading ones too but never past the first entity.
    Returns ``("", [])`` for a text with nothing but spaces and newlines.
    """
    old_len = utf16_len(text)
    mapping = [0] * (old_len + 1)
    kept: list[str] = []
    old_off = new_off = 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        mapping[old_off] = new_off
        if units == 2:
            mapping[old_off + 1] = new_off
        if ch not in _REMOVED_CHARS:
            kept.append(" " if ord(ch) < 32 and ch != "\n" else ch)
            new_off += units
        old_off += units
    mapping[old_off] = new_off
    cleaned = "".join(kept)
    fixed: list[_Entity] = []
    for entity in entities:
        start = mapping[min(max(entity.offset, 0), old_len)]
        end = mapping[min(max(entity.offset + entity.length, 0), old_len)]
        if end > start:
            entity.offset, entity.length = start, end - start
            fixed.append(entity)
    body = cleaned.rstrip(" \n")
    if not body:
        return "", []
    last = utf16_len(body)  # entities may not extend past the last non-whitespace character
    fixed = [e for e in fixed if e.offset < last]
    for entity in fixed:
        entity.length = min(entity.length, last - entity.offset)
    _sort_entities(fixed)
    first_entity = fixed[0].offset if fixed else len(body)
    left = 0
    while left < first_entity and body[left] in " \n":
        left += 1
    for entity in fixed:
        entity.offset -= left
    return body[left:], fixed


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_MENTION = re.compile(r"@([A-Za-z0-9_]{2,32})")
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(@[A-Za-z0-9_]{3,32})?")
_SHORT_MENTION_OK = frozenset(
    {"gif", "vid", "pic", "bing", "wiki", "imdb", "bold", "vote", "like", "coub"}
)


def find_auto_entities(  # noqa: PLR0912
    text: str, *, bot_commands: bool = True
) -> list[_Entity]:
    """Entities Telegram detects by itself.

    Approximation of tdlib ``find_entities``: ``http(s)://`` URLs (trailing punctuation
    excluded), @mentions (4-32 characters), #hashtags (with a letter) and /commands, using tdlib's
    word-boundary rules.  Bare domains, e-mails, cashtags and phone numbers are not detected.
    """
    offsets = _utf16_offsets(text)
    found: list[_Entity] = []

    def add(kind: str, start: int, end: int) -> None:
        found.append(_Entity(kind, offsets[start], offsets[end] - offsets[start]))

    for match in _URL.finditer(text):
        start, end = match.span()
        if start > 0 and (_is_word(text[start - 1]) or text[start - 1] in "/@"):
            continue
        while end > start and text[end - 1] in ".,:;!?'\"»…":
            end -= 1
        while (
            end > start
            and text[end - 1] == ")"
            and text[start:end].count("(") < text[start:end].count(")")
        ):
            end -= 1
        if end - start > len("https://"):
            add("url", start, end)
    for match in _MENTION.finditer(text):
        start, end = match.span()
        if start > 0 and _is_word(text[start - 1]):
            continue
        if end < len(text) and _is_word(text[end]):
            continue
        name = match.group(1)
        if len(name) < 4 and name.lower() not in _SHORT_MENTION_OK:
            continue
        add("mention", start, end)
    for index, ch in enumerate(text):
        if ch != "#" or (index > 0 and (_is_word(text[index - 1]))):
            continue
        end = index + 1
        while end < len(text) and (_is_word(text[end]) or text[end] in "\u200c\u00b7"):
            end += 1
        body = text[index + 1 : end]
        if body and any(ch.isalpha() for ch in body) and text[end : end + 1] != "#":
            add("hashtag", index, min(end, index + 257))
    if bot_commands:
        for match in _COMMAND.finditer(text):
            start, end = match.span()
            if start > 0 and (_is_word(text[start - 1]) or text[start - 1] in "/<>"):
                continue
            if end < len(text) and (_is_word(text[end]) or text[end] in "/<>"):
                continue
            add("bot_command", start, end)
    return found


def _merge_auto_entities(
    text: str, entities: list[_Entity], *, bot_commands: bool
) -> list[_Entity]:
    blocking = [e for e in entities if e.type in ("code", "pre", "text_link", "text_mention")]
    merged = list(entities)
    for auto in find_auto_entities(text, bot_commands=bot_commands):
        if any(
            auto.offset < b.offset + b.length and b.offset < auto.offset + auto.length
            for b in blocking
        ):
            continue
        merged.append(auto)
    _sort_entities(merged)
    return merged


# ===============================================================================================
# The fake
# ===============================================================================================


@dataclass(frozen=True)
class Call:
    """One request the fake answered (or hung up on).

    ``params`` are decoded: JSON objects/arrays, numbers and booleans sent as form strings are
    parsed (except keys that are strings in the Bot API, like ``text``), files are
    :class:`UploadedFile`.  ``response`` is the JSON body sent, or ``None`` if the connection was
    dropped.  ``index`` is the position in :meth:`FakeTelegram.calls` (for ``since=``).
    """

    index: int
    method: str
    params: JSON
    token: str
    status: int
    response: JSON | None
    http_method: str = "POST"
    dropped: bool = False
    delay: float = 0.0
    #: ``time.time()`` when the request was handled: for lateness measurements.
    received_at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.response is not None and bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class _Ok:
    result: Any
    description: str | None = None


@dataclass
class _Fault:
    kind: str  # "fail" | "drop" | "delay"
    method: str  # lower-case
    remaining: int
    status: int = 0
    description: str = ""
    parameters: JSON | None = None
    seconds: float = 0.0
    store: bool = True


@dataclass
class _User:
    id: int
    first_name: str
    language_code: str | None
    username: str | None
    last_name: str | None = None
    started: bool = True
    blocked: bool = False
    deactivated: bool = False

    def to_json(self) -> JSON:
        out: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out


@dataclass
class _Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    members: dict[int, JSON] = field(default_factory=dict)
    #: Subscribers of a channel beyond the members the fake knows by id (getChatMemberCount).
    subscribers: int = 0

    def to_json(self) -> JSON:
        out: JSON = {"id": self.id}
        if self.title is not None:
            out["title"] = self.title
        if self.username:
            out["username"] = self.username
        if self.first_name is not None:
            out["first_name"] = self.first_name
        if self.last_name:
            out["last_name"] = self.last_name
        out["type"] = self.type
        return out


class _Params:
    """Bot API argument access over form strings or typed JSON values."""

    def __init__(self, raw: JSON, files: dict[str, UploadedFile]) -> None:
        self.raw = raw
        self.files = files

    def has(self, name: str) -> bool:
        return name in self.raw or name in self.files

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def integer(self, name: str, default: int = 0) -> int:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value)
        match = re.match(r"^\s*(-?\d+)", str(value))
        return int(match.group(1)) if match else 0

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        return str(value or "").strip().lower() in ("true", "1", "yes")

    def json(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            return value
        if value.strip() == "":
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise _ApiError(400, error) from None


def _record_params(raw: JSON, files: dict[str, UploadedFile]) -> JSON:
    out: JSON = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in _STRING_KEYS:
            stripped = value.strip()
            if (
                stripped[:1] in ("{", "[")
                or stripped in ("true", "false", "null")
                or re.match(r"^-?\d+(\.\d+)?$", stripped)
            ):
                try:
                    out[key] = json.loads(stripped)
                    continue
                except json.JSONDecodeError:
                    pass
        out[key] = value
    out.update(files)
    return out


_TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_BOT_PATH = re.compile(r"^/bot([^/]*)/([^/]*)$")
_FILE_PATH = re.compile(r"^/file/bot([^/]*)/(.+)$")


class FakeTelegram(FakeServer):
    """A fake Bot API server for one bot.  See the module docstring."""

    name = "FakeTelegram"
    server_header = "nginx/1.18.0"

    def __init__(
        self,
        token: str = "123456:TEST-token",  # noqa: S107 - a fake token
        bot_username: str = "goodnews_test_bot",
        *,
        bot_first_name: str = "GoodNews Test Bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = int(token.split(":", 1)[0])
        self._clock = clock
        self._users: dict[int, _User] = {}
        self._chats: dict[int, _Chat] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._next_message_id: dict[int, int] = {}
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._updates: list[JSON] = []
        self._update_log: list[JSON] = []
        self._next_update_id = 100_000_001
        self._allowed_updates: frozenset[str] | None = None
        self._poll_seq = 0
        self._active_poll: int | None = None
        self._terminated_polls: set[int] = set()
        self._waiting_polls = 0
        self._webhook: JSON | None = None
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._callbacks: dict[str, JSON] = {}
        self._callback_seq = itertools.count(1)
        self._files: dict[str, JSON] = {}
        self._file_seq = itertools.count(1)
        self._media_group_seq = itertools.count(1)
        self._url_content: dict[str, bytes | None] = {}
        self._flood_limit: int | None = None
        self._sends: collections.deque[float] = collections.deque()

    # -- URLs ------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The API root, like ``https://api.telegram.org``."""
        return self.root_url

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` expects: it requests ``{base_url}{token}/{method}``."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.root_url}/file/bot"

    # -- world setup -----------------------------------------------------------------------

    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_channel(self, chat_id: int, username: str | None, title: str) -> None:
        """A channel where the bot is an administrator allowed to post (see :meth:`set_member`)."""
        with self.cond:
            chat = _Chat(chat_id, "channel", title=title, username=_bare(username))
            chat.members[self.bot_id] = _admin_record(channel=True)
            self._chats[chat_id] = chat

    def add_group(
        self, chat_id: int, title: str, *, username: str | None = None, supergroup: bool = True
    ) -> None:
        """A (super)group where the bot is a plain member."""
        with self.cond:
            chat = _Chat(
                chat_id,
                "supergroup" if supergroup else "group",
                title=title,
                username=_bare(username),
            )
            chat.members[self.bot_id] = {"status": "member"}
            self._chats[chat_id] = chat

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "vi",
        username: str | None = None,
        *,
        last_name: str | None = None,
        started: bool = True,
    ) -> None:
        """A user and their private chat with the bot (chat id = user id).  ``started=False``
        means the user never pressed Start: the bot cannot write first (403)."""
        with self.cond:
            self._users[user_id] = _User(
                user_id, first_name, language_code, _bare(username), last_name, started
            )
            self._chats[user_id] = _Chat(
                user_id,
                "private",
                first_name=first_name,
                last_name=last_name,
                username=_bare(username),
            )

    def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        """The user blocked (or unblocked) the bot: sends answer 403 ``bot was blocked``."""
        with self.cond:
            self._user(user_id).blocked = blocked

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        *,
        can_post_messages: bool | None = None,
        **rights: bool,
    ) -> None:
        """Set a chat member's status (creator, administrator, member, restricted, left, kicked).

        ``user_id`` may be the bot's id (``tg.bot_id``): a channel bot that is not an
        administrator with ``can_post_messages`` gets the real 400/403 answers on send.
        """
        allowed = {"creator", "administrator", "member", "restricted", "left", "kicked"}
        if status not in allowed:
            raise ValueError(f"status must be one of {sorted(allowed)}")
        with self.cond:
            chat = self._chat(chat_id)
            if status == "administrator":
                record = _admin_record(channel=chat.type == "channel")
            else:
                record = {"status": status}
            if can_post_messages is not None:
                record["can_post_messages"] = can_post_messages
            record.update(rights)
            chat.members[user_id] = record

    def set_url_content(self, url: str, data: bytes | None) -> None:
        """What Telegram finds when it downloads a photo ``url``: image bytes, or ``None`` for an
        unreachable URL (400 ``failed to get HTTP URL content``).  Unregistered URLs are accepted
        as a 1280x720 picture without downloading anything."""
        with self.cond:
            self._url_content[url] = data

    # -- injecting user activity -----------------------------------------------------------

    def push_message(
        self, user_id: int, text: str, chat_id: int | None = None, *, reply_to: int | None = None
    ) -> JSON:
        """A message from a user (in their private chat unless ``chat_id`` names a group or
        channel).  Commands, URLs, mentions and hashtags get entities as Telegram adds them.
        Returns the update (with ``update_id``); wakes long polls."""
        with self.cond:
            user = self._user(user_id)
            chat = self._chat(user_id if chat_id is None else chat_id)
            message_id = self._new_message_id(chat.id)
            message: JSON = {"message_id": message_id}
            if chat.type == "channel":
                message["sender_chat"] = chat.to_json()
                kind = "channel_post"
            else:
                message["from"] = user.to_json()
                kind = "message"
            message["chat"] = chat.to_json()
            message["date"] = int(self._clock())
            message["text"] = text
            if reply_to is not None:  # a reply carries the message it answers, as Telegram's do
                message["reply_to_message"] = copy.deepcopy(
                    self._messages[chat.id][reply_to]["message"]
                )
            entities = find_auto_entities(text)
            if entities:
                message["entities"] = [e.to_json() for e in entities]
            record = _blank_record(message_id, chat.id, message["date"], outgoing=False)
            record.update(
                text=text,
                plain_text=text,
                entities=message.get("entities", []),
                message=message,
                from_user_id=user_id,
            )
            self._messages.setdefault(chat.id, {})[message_id] = record
            user.started = True
            return self._push({kind: message})

    def push_document(
        self, user_id: int, data: bytes, file_name: str, mime_type: str, caption: str | None = None
    ) -> JSON:
        """A user sends a file in their private chat; ``getFile`` and the download serve it."""
        with self.cond:
            entry = self._new_file("document", data, ext=file_name.rsplit(".", 1)[-1])
            document = {
                "file_id": entry["file_id"],
                "file_unique_id": entry["file_unique_id"],
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": entry["file_size"],
            }
            return self._push_media(user_id, {"document": document}, caption)

    def push_photo(
        self,
        user_id: int,
        data: bytes,
        *,
        width: int = 1280,
        height: int = 960,
        caption: str | None = None,
    ) -> JSON:
        """A user sends a photo (with the sizes Telegram makes of it) and maybe a caption."""
        with self.cond:
            entry = self._new_file("photo", data, ext="jpg", width=width, height=height)
            return self._push_media(user_id, {"photo": self._photo_sizes(entry)}, caption)

    def _push_media(self, user_id: int, media: JSON, caption: str | None) -> JSON:
        user = self._user(user_id)
        chat = self._chat(user_id)
        message_id = self._new_message_id(chat.id)
        message: JSON = {
            "message_id": message_id,
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": int(self._clock()),
            **media,
        }
        if caption:
            message["caption"] = caption
        record = _blank_record(message_id, chat.id, message["date"], outgoing=False)
        record.update(caption=caption, plain_caption=caption, message=message, from_user_id=user_id)
        self._messages.setdefault(chat.id, {})[message_id] = record
        return self._push({"message": message})

    def push_callback(self, user_id: int, chat_id: int, message_id: int, data: str | None) -> JSON:
        """The user pressed an inline button on a stored message.  Returns the update; the
        query id is ``update["callback_query"]["id"]``.  Wakes long polls."""
        with self.cond:
            user = self._user(user_id)
            record = self._messages.get(chat_id, {}).get(message_id)
            if record is None:
                raise KeyError(f"no message {message_id} in chat {chat_id}")
            query_id = str(4_000_000_000_000_000_000 + next(self._callback_seq) * 7_919)
            if record["deleted"]:
                message: JSON = {
                    "chat": self._chat(chat_id).to_json(),
                    "message_id": message_id,
                    "date": 0,
                }
            else:
                message = copy.deepcopy(record["message"])
            query: JSON = {
                "id": query_id,
                "from": user.to_json(),
                "message": message,
                "chat_instance": str(-(abs(chat_id) * 2_654_435_761 % 10**19)),
            }
            if data is not None:
                query["data"] = data
            self._callbacks[query_id] = {"answered": False, "answer": None, "query": query}
            return self._push({"callback_query": query})

    def set_subscribers(self, chat_id: int, count: int) -> None:
        """How many people follow a channel (what getChatMemberCount answers, bot included)."""
        with self.cond:
            self._chat(chat_id).subscribers = count

    def push_reaction_count(self, chat_id: int, message_id: int, totals: dict[str, int]) -> JSON:
        """People reacted to a channel post: the ``message_reaction_count`` update Telegram
        sends the channel's admin bots (only when asked for in ``allowed_updates``), with
        every reaction's new total. ``custom:<id>`` keys are custom emoji, ``paid`` stars."""
        with self.cond:
            chat = self._chat(chat_id)
            if chat.type != "channel" or message_id not in self._messages.get(chat_id, {}):
                raise KeyError(f"no message {message_id} in channel {chat_id}")
            reactions = [
                {"type": _reaction_type(key), "total_count": count}
                for key, count in sorted(totals.items(), key=lambda kv: -kv[1])
                if count > 0
            ]
            update = {
                "message_reaction_count": {
                    "chat": chat.to_json(),
                    "message_id": message_id,
                    "date": int(self._clock()),
                    "reactions": reactions,
                }
            }
            return self._push(update)

    def push_update(self, update: JSON) -> JSON:
        """Queue any raw update (``update_id`` is assigned).  Returns it; wakes long polls."""
        with self.cond:
            return self._push(copy.deepcopy(update))

    # -- observing -------------------------------------------------------------------------

    def calls(self, method: str | None = None, *, since: int = 0) -> list[Call]:
        """Recorded calls in arrival-of-answer order, optionally one method (case-insensitive)."""
        with self.cond:
            return [
                c
                for c in self._calls[since:]
                if method is None or c.method.lower() == method.lower()
            ]

    def mark(self) -> int:
        """The number of calls so far: pass it as ``since=`` to only consider later calls."""
        with self.cond:
            return len(self._calls)

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda call: True,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> Call:
        """The first call to ``method`` with index >= ``since`` matching ``predicate``.

        With the default ``since=0`` calls made *before* this wait count too; use
        ``since=tg.mark()`` taken before the action to only see later ones.
        """
        return self.wait_for_calls(method, 1, predicate, timeout, since=since)[0]

    def wait_for_calls(
        self,
        method: str,
        n: int,
        predicate: Callable[[Call], bool] = lambda call: True,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> list[Call]:
        """The first ``n`` matching calls (index >= ``since``), waiting up to ``timeout``."""

        def probe() -> list[Call] | None:
            found = [
                c
                for c in self._calls[since:]
                if c.method.lower() == method.lower() and predicate(c)
            ]
            return found[:n] if len(found) >= n else None

        def describe() -> str:
            seen = [f"{c.method}->{c.status}" for c in self._calls[since:]]
            return f"wanted {n} matching {method!r} call(s) since #{since}; calls: {seen}"

        return self.wait_until(probe, timeout=timeout, describe=describe)

    def messages(
        self, chat_id: int, *, include_incoming: bool = False, include_deleted: bool = False
    ) -> list[JSON]:
        """Messages the bot sent to the chat, in send order (copies).

        Each has ``message_id, chat_id, date, kind ('text'|'photo'|...), text`` (as sent, before
        parsing), ``parse_mode, plain_text, entities`` (Bot API dicts), ``reply_markup`` (as
        returned), ``caption, plain_caption, caption_entities`` for media, ``media_group_id``,
        ``edit_date`` and ``edits`` (earlier versions), ``deleted``, ``params`` (the request)
        and ``message`` (the Message object as the Bot API returns it now).
        """
        with self.cond:
            return [
                copy.deepcopy(record)
                for record in self._messages.get(chat_id, {}).values()
                if (include_incoming or record["outgoing"])
                and (include_deleted or not record["deleted"])
            ]

    def backdate(self, chat_id: int, message_id: int, *, seconds: float) -> None:
        """Make a stored message older, as if sent ``seconds`` earlier (the 48 hours after
        which Telegram no longer deletes it)."""
        with self.cond:
            record = self._messages[chat_id][message_id]
            record["date"] -= int(seconds)
            record["message"] = self._message_json(record)

    def message(self, chat_id: int, message_id: int) -> JSON:
        """One stored message (any direction, deleted ones too).  ``KeyError`` if unknown."""
        with self.cond:
            record = self._messages.get(chat_id, {}).get(message_id)
            if record is None:
                known = sorted(self._messages.get(chat_id, {}))
                raise KeyError(f"no message {message_id} in chat {chat_id}; known ids: {known}")
            return copy.deepcopy(record)

    def wait_for_messages(
        self,
        chat_id: int,
        n: int,
        timeout: float = 5.0,
        predicate: Callable[[JSON], bool] = lambda message: True,
    ) -> list[JSON]:
        """Wait until the bot has sent at least ``n`` (matching) messages to the chat."""

        def probe() -> list[JSON] | None:
            found = [
                copy.deepcopy(r)
                for r in self._messages.get(chat_id, {}).values()
                if r["outgoing"] and not r["deleted"] and predicate(r)
            ]
            return found if len(found) >= n else None

        def describe() -> str:
            texts = [
                r.get("plain_text") or r.get("plain_caption")
                for r in self._messages.get(chat_id, {}).values()
                if r["outgoing"]
            ]
            return f"wanted {n} bot message(s) in chat {chat_id}; have {texts}"

        return self.wait_until(probe, timeout=timeout, describe=describe)

    def wait_for_poller(self, timeout: float = 5.0) -> None:
        """Wait until a getUpdates long poll is parked on the server."""
        self.wait_until(
            lambda: True if self._waiting_polls > 0 else None,
            timeout=timeout,
            describe=lambda: "no getUpdates long poll is waiting",
        )

    def callback_answers(self) -> dict[str, JSON]:
        """answerCallbackQuery params by query id (answered queries only)."""
        with self.cond:
            return {
                query_id: copy.deepcopy(entry["answer"])
                for query_id, entry in self._callbacks.items()
                if entry["answered"]
            }

    def all_updates(self) -> list[JSON]:
        """Every update ever pushed, including ones filtered out by ``allowed_updates``."""
        with self.cond:
            return copy.deepcopy(self._update_log)

    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by an offset."""
        with self.cond:
            return copy.deepcopy(self._updates)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set for a scope (default scope if None) and language."""
        with self.cond:
            key = (_scope_key(scope), language_code)
            return copy.deepcopy(self._commands.get(key, []))

    @property
    def webhook_url(self) -> str | None:
        with self.cond:
            return None if self._webhook is None else str(self._webhook["url"])

    # -- fault injection -------------------------------------------------------------------

    def set_flood_limit(self, per_second: int | None) -> None:
        """Allow at most ``per_second`` sends (send* methods) in any one-second window, as
        Telegram's broadcast limit does; beyond it answer 429 ``Too Many Requests: retry
        after N`` with ``parameters.retry_after``. ``None`` lifts the limit."""
        with self.cond:
            self._flood_limit = per_second
            self._sends.clear()

    def _flood_wait(self, method: str) -> int | None:
        """Seconds to wait if this send is over the limit, else None (and it is counted)."""
        if self._flood_limit is None or not method.startswith("send"):
            return None
        now = time.monotonic()
        while self._sends and now - self._sends[0] >= 1.0:
            self._sends.popleft()
        if len(self._sends) >= self._flood_limit:
            return max(1, math.ceil(1.0 - (now - self._sends[0])))
        self._sends.append(now)
        return None

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        description: str = "Too Many Requests: retry after 3",
        parameters: JSON | Literal["auto"] | None = "auto",
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` answer this error, without side effects.

        The body is the real shape ``{"ok": false, "error_code", "description",
        "parameters"}``.  ``parameters="auto"`` (the default) means ``{"retry_after": N}`` when
        the description is ``Too Many Requests: retry after N`` (as Telegram sends it) and no
        ``parameters`` otherwise; ``None`` always omits the key; a dict is sent as given (e.g.
        ``{"migrate_to_chat_id": -100...}``).
        """
        if parameters == "auto":
            match = re.match(r"^Too Many Requests: retry after (\d+)$", description)
            parameters = {"retry_after": int(match.group(1))} if match else None
        self._add_fault(
            _Fault(
                "fail",
                method.lower(),
                times,
                status=status,
                description=description,
                parameters=parameters,
            )
        )

    def drop_connection_next(self, method: str, *, store: bool = True, times: int = 1) -> None:
        """Read the next request of ``method``, carry it out (the message IS stored: it reached
        Telegram) and close the socket without answering.  ``store=False`` hangs up before
        doing anything."""
        self._add_fault(_Fault("drop", method.lower(), times, store=store))

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next request of ``method`` at once but hold the answer ``seconds``
        (``stop()`` interrupts the wait and hangs up)."""
        self._add_fault(_Fault("delay", method.lower(), times, seconds=seconds))

    def _add_fault(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        with self.cond:
            self._faults.append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        file_match = _FILE_PATH.match(request.path)
        if file_match and request.method in ("GET", "HEAD"):
            return self._download(file_match.group(1), file_match.group(2))
        match = _BOT_PATH.match(request.path)
        if match is None:
            return _json_response(404, _error_body(404, "Not Found"))
        token, method = match.group(1), match.group(2)
        raw: JSON = dict(request.query)
        if isinstance(request.json_body, dict):
            raw.update(request.json_body)
        raw.update(request.form)
        params = _Params(raw, request.files)
        with self.cond:
            status, body, fault = self._process(token, method, params)
            dropped = fault is not None and fault.kind == "drop"
            delay = fault.seconds if fault is not None and fault.kind == "delay" else 0.0
            self._calls.append(
                Call(
                    index=len(self._calls),
                    method=method,
                    params=_record_params(raw, request.files),
                    token=token,
                    status=status,
                    response=None if dropped else body,
                    http_method=request.method,
                    dropped=dropped,
                    delay=delay,
                    received_at=time.time(),
                )
            )
            self.cond.notify_all()
        if dropped:
            return HttpResponse(drop=True)
        response = _json_response(status, body)
        response.delay = delay
        return response

    def internal_error_response(self) -> HttpResponse:
        return _json_response(
            500, _error_body(500, "Internal Server Error: the fake crashed; see internal_errors")
        )

    def _process(  # noqa: PLR0911
        self, token: str, method: str, params: _Params
    ) -> tuple[int, JSON, _Fault | None]:
        if not _TOKEN_FORMAT.match(token):
            return 404, _error_body(404, "Not Found"), None
        if token != self.token:
            return 401, _error_body(401, "Unauthorized"), None
        handler = self._methods().get(method.lower())
        if handler is None:
            return 404, _error_body(404, "Not Found"), None
        wait = self._flood_wait(method.lower())
        if wait is not None:
            description = f"Too Many Requests: retry after {wait}"
            return 429, _error_body(429, description, {"retry_after": wait}), None
        fault = self._take_fault(method.lower())
        if fault is not None and fault.kind == "fail":
            return (
                fault.status,
                _error_body(fault.status, fault.description, fault.parameters),
                (fault),
            )
        if fault is not None and fault.kind == "drop" and not fault.store:
            return 0, {}, fault
        try:
            result = handler(params)
        except _ApiError as exc:
            return exc.code, _error_body(exc.code, exc.description, exc.parameters), fault
        body: JSON = {"ok": True}
        if isinstance(result, _Ok):
            body["result"] = result.result
            if result.description:
                body["description"] = result.description
        else:
            body["result"] = result
        return 200, body, fault

    def _download(self, token: str, path: str) -> HttpResponse:
        with self.cond:
            if token != self.token:
                return _json_response(401, _error_body(401, "Unauthorized"))
            for info in self._files.values():
                if info.get("file_path") == path and info.get("data") is not None:
                    return HttpResponse(
                        200, bytes(info["data"]), content_type="application/octet-stream"
                    )
        return _json_response(404, _error_body(404, "Not Found"))

    def _methods(self) -> dict[str, Callable[[_Params], Any]]:
        return {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatmembercount": self._get_chat_member_count,
            "sendchataction": self._send_chat_action,
            "sendphoto": self._send_photo,
            "sendmediagroup": self._send_media_group,
            "getfile": self._get_file,
            "close": lambda p: True,
            "logout": lambda p: True,
        }

    # -- helpers ---------------------------------------------------------------------------

    def _user(self, user_id: int) -> _User:
        user = self._users.get(user_id)
        if user is None:
            raise KeyError(f"unknown user {user_id}: call add_user() first")
        return user

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}: call add_channel()/add_user() first")
        return chat

    def _resolve_user(self, user_id: int) -> JSON | None:
        user = self._users.get(user_id)
        return None if user is None else user.to_json()

    def _new_message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _push(self, update: JSON) -> JSON:
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id += 1
        self._update_log.append(update)
        kind = next(k for k in update if k != "update_id")
        allowed = self._allowed_updates or DEFAULT_ALLOWED_UPDATES
        if kind in allowed:
            self._updates.append(update)
        self.cond.notify_all()
        return copy.deepcopy(update)

    def _resolve_chat(self, params: _Params, name: str = "chat_id") -> _Chat:
        value = params.raw.get(name)
        text = params.text(name).strip()
        if value is None or text == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if text.startswith("@"):
            wanted = text[1:].lower()
            for chat in self._chats.values():
                if chat.type != "private" and (chat.username or "").lower() == wanted:
                    return chat
            raise _ApiError(400, "Bad Request: chat not found")
        if not re.match(r"^-?\d+$", text):
            raise _ApiError(400, "Bad Request: chat not found")
        found = self._chats.get(int(text))
        if found is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return found

    def _check_can_write(self, chat: _Chat) -> None:
        if chat.type == "private":
            user = self._users[chat.id]
            if user.deactivated:
                raise _ApiError(403, "Forbidden: user is deactivated")
            if user.blocked:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return
        member = chat.members.get(self.bot_id, {"status": "left"})
        status = member["status"]
        place = "channel chat" if chat.type == "channel" else f"{chat.type} chat"
        if status == "kicked":
            raise _ApiError(403, f"Forbidden: bot was kicked from the {place}")
        if status == "left":
            raise _ApiError(403, f"Forbidden: bot is not a member of the {place}")
        if chat.type == "channel" and not (
            status == "creator"
            or (status == "administrator" and member.get("can_post_messages", False))
        ):
            raise _ApiError(400, "Bad Request: need administrator rights in the channel chat")

    def _formatted(
        self, params: _Params, text_key: str, mode_key: str, entities_key: str, *, caption: bool
    ) -> tuple[str, list[_Entity]]:
        raw_text = params.text(text_key)
        mode = params.text(mode_key).strip().lower()
        if raw_text and mode and mode != "none":
            parser = {
                "html": parse_html,
                "markdownv2": parse_markdown_v2,
                "markdown": parse_markdown,
            }.get(mode)
            if parser is None:
                raise _ApiError(400, "Bad Request: unsupported parse_mode")
            try:
                text, entities = parser(raw_text, self._resolve_user)
            except _ParseError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc.message}") from None
        else:
            text = raw_text
            entities = self._explicit_entities(params, entities_key, text)
        text, entities = fix_formatted_text(text, entities)
        if not caption and not text:
            raise _ApiError(400, "Bad Request: text must be non-empty")
        return text, entities

    def _explicit_entities(self, params: _Params, key: str, text: str) -> list[_Entity]:
        value = params.json(key, f"Bad Request: can't parse {key} JSON object")
        if value is None:
            return []
        if not isinstance(value, list):
            raise _ApiError(400, f"Bad Request: can't parse {key} JSON object")
        total = utf16_len(text)
        entities = []
        for item in value:
            if not isinstance(item, dict):
                raise _ApiError(400, "Bad Request: can't parse MessageEntity: expected an Object")
            try:
                entity = _Entity(
                    str(item["type"]),
                    int(item["offset"]),
                    int(item["length"]),
                    url=item.get("url"),
                    language=item.get("language"),
                    user=item.get("user"),
                    custom_emoji_id=item.get("custom_emoji_id"),
                )
            except (KeyError, TypeError, ValueError):
                raise _ApiError(
                    400, "Bad Request: can't parse MessageEntity: Unsupported type specified"
                ) from None
            if entity.type not in _PRIORITY and entity.type != "pre":
                raise _ApiError(
                    400, "Bad Request: can't parse MessageEntity: Unsupported type specified"
                )
            if entity.type in ("mention", "hashtag", "cashtag", "bot_command", "url", "email"):
                continue  # Telegram recomputes these itself
            end = min(entity.offset + entity.length, total)
            if entity.offset < 0 or end <= entity.offset:
                continue
            entity.length = end - entity.offset
            entities.append(entity)
        _sort_entities(entities)
        return entities

    def _reply_markup(self, params: _Params) -> JSON | None:
        """The markup as the returned Message carries it (inline keyboards only)."""
        value = params.json(
            "reply_markup", "Bad Request: can't parse reply keyboard markup JSON object"
        )
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _ApiError(400, "Bad Request: object expected as reply markup")
        if "inline_keyboard" not in value:
            return None  # reply keyboards, force_reply, remove_keyboard: not echoed in Message
        rows = value["inline_keyboard"]
        if not isinstance(rows, list):
            raise _ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array',
            )
        out_rows = []
        for row in rows:
            if not isinstance(row, list):
                raise _ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must "
                    "be an Object",
                )
            out_row = []
            for button in row:
                out_row.append(_inline_button(button))
            if out_row:
                out_rows.append(out_row)
        return {"inline_keyboard": out_rows} if out_rows else None

    def _link_preview(self, params: _Params) -> JSON | None:
        options = params.json(
            "link_preview_options", "Bad Request: can't parse link preview options JSON object"
        )
        if isinstance(options, dict):
            kept = {k: v for k, v in options.items() if v not in (None, False, "")}
            return kept or None
        if params.flag("disable_web_page_preview"):
            return {"is_disabled": True}
        return None

    def _reply_to(self, chat: _Chat, params: _Params) -> int | None:
        """The message replied to (validated like Telegram), or None."""
        reply = params.json(
            "reply_parameters", "Bad Request: can't parse reply parameters JSON object"
        )
        message_id = params.integer("reply_to_message_id", 0)
        allow_missing = params.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id") or 0)
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") not in (None, chat.id, f"@{chat.username}"):
                return None  # a reply into another chat: not modelled
        if message_id == 0:
            return None
        target = self._messages.get(chat.id, {}).get(message_id)
        if target is None or target["deleted"]:
            if allow_missing:
                return None
            raise _ApiError(400, "Bad Request: message to be replied not found")
        return message_id

    def _store(self, chat: _Chat, params: _Params, **fields: Any) -> JSON:
        message_id = self._new_message_id(chat.id)
        record = _blank_record(message_id, chat.id, int(self._clock()), outgoing=True)
        record["disable_notification"] = params.flag("disable_notification")
        record["protect_content"] = params.flag("protect_content")
        record["params"] = _record_params(params.raw, params.files)
        record.update(fields)
        record["message"] = self._message_json(record)
        self._messages.setdefault(chat.id, {})[message_id] = record
        self.cond.notify_all()
        return record

    def _message_json(self, record: JSON) -> JSON:
        chat = self._chats[record["chat_id"]]
        message: JSON = {"message_id": record["message_id"]}
        if chat.type == "channel":
            message["sender_chat"] = chat.to_json()
        else:
            message["from"] = self.bot_user()
        message["chat"] = chat.to_json()
        message["date"] = record["date"]
        reply_to = record.get("reply_to_message_id")
        if reply_to is not None and reply_to in self._messages.get(chat.id, {}):
            message["reply_to_message"] = copy.deepcopy(
                self._messages[chat.id][reply_to]["message"]
            )
        if record["edit_date"] is not None:
            message["edit_date"] = record["edit_date"]
        if record["media_group_id"] is not None:
            message["media_group_id"] = record["media_group_id"]
        if record["kind"] == "text":
            message["text"] = record["plain_text"]
            if record["entities"]:
                message["entities"] = record["entities"]
            if record["link_preview_options"]:
                message["link_preview_options"] = record["link_preview_options"]
        else:
            message.update(copy.deepcopy(record["media"]["json"]))
            if record["plain_caption"]:
                message["caption"] = record["plain_caption"]
                if record["caption_entities"]:
                    message["caption_entities"] = record["caption_entities"]
        if record["reply_markup"]:
            message["reply_markup"] = record["reply_markup"]
        return message

    def _entities_json(self, chat: _Chat, text: str, entities: list[_Entity]) -> list[JSON]:
        merged = _merge_auto_entities(text, entities, bot_commands=chat.type != "channel")
        return [e.to_json() for e in merged]

    # -- methods ---------------------------------------------------------------------------

    def _get_me(self, params: _Params) -> JSON:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: _Params) -> list[JSON]:  # noqa: PLR0912
        if self._webhook is not None:
            raise _ApiError(409, CONFLICT_WEBHOOK)
        offset = params.integer("offset", 0)
        limit = min(max(params.integer("limit", 100), 1), 100)
        timeout = min(max(params.integer("timeout", 0), 0), LONG_POLL_MAX_TIMEOUT)
        if params.has("allowed_updates"):
            allowed = params.json(
                "allowed_updates", "Bad Request: can't parse allowed_updates JSON object"
            )
            if isinstance(allowed, list):
                self._allowed_updates = frozenset(str(a) for a in allowed) or None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_seq += 1
        me = self._poll_seq
        if self._active_poll is not None:
            self._terminated_polls.add(self._active_poll)
            self.cond.notify_all()
        self._active_poll = me
        deadline = time.monotonic() + timeout
        self._waiting_polls += 1
        self.cond.notify_all()
        try:
            while True:
                if me in self._terminated_polls:
                    self._terminated_polls.discard(me)
                    raise _ApiError(409, CONFLICT_OTHER_POLL)
                if self.stopping:
                    return []
                if self._updates and self._webhook is None:
                    return copy.deepcopy(self._updates[:limit])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self.cond.wait(remaining)
        finally:
            self._waiting_polls -= 1
            if self._active_poll == me:
                self._active_poll = None

    def _set_webhook(self, params: _Params) -> _Ok:
        url = params.text("url").strip()
        if not url:
            return self._delete_webhook(params)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() != "https" or not parts.hostname:
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if parts.port not in (None, 80, 88, 443, 8443):
            raise _ApiError(
                400,
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            )
        allowed = params.json(
            "allowed_updates", "Bad Request: can't parse allowed_updates JSON object"
        )
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) or None
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        already = self._webhook is not None and self._webhook["url"] == url
        self._webhook = {
            "url": url,
            "max_connections": params.integer("max_connections", 40) or 40,
            "secret_token": params.text("secret_token") or None,
        }
        self.cond.notify_all()
        return _Ok(True, "Webhook is already set" if already else "Webhook was set")

    def _delete_webhook(self, params: _Params) -> _Ok:
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        was_set = self._webhook is not None
        self._webhook = None
        self.cond.notify_all()
        return _Ok(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _get_webhook_info(self, params: _Params) -> JSON:
        info: JSON = {
            "url": "" if self._webhook is None else self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook["max_connections"]
            info["ip_address"] = "149.154.167.220"
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _send_message(self, params: _Params) -> JSON:
        if params.text("text") == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        text, entities = self._formatted(params, "text", "parse_mode", "entities", caption=False)
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_can_write(chat)
        reply_to = self._reply_to(chat, params)
        if _utf16_length(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        record = self._store(
            chat,
            params,
            reply_to_message_id=reply_to,
            kind="text",
            text=params.text("text"),
            parse_mode=params.text("parse_mode") or None,
            plain_text=text,
            entities=self._entities_json(chat, text, entities),
            reply_markup=markup,
            link_preview_options=self._link_preview(params),
        )
        return copy.deepcopy(record["message"])

    def _message_to_edit(self, params: _Params) -> JSON:
        if not params.has("chat_id") and params.has("inline_message_id"):
            raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params)
        message_id = params.integer("message_id", 0)
        if message_id == 0:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        record = self._messages.get(chat.id, {}).get(message_id)
        if record is None or record["deleted"]:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if not record["outgoing"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return record

    def _apply_edit(self, record: JSON, changes: JSON) -> JSON:
        if all(record.get(key) == value for key, value in changes.items()):
            raise _ApiError(400, NOT_MODIFIED)
        snapshot = {
            key: copy.deepcopy(record[key])
            for key in (
                "text",
                "parse_mode",
                "plain_text",
                "entities",
                "caption",
                "plain_caption",
                "caption_entities",
                "reply_markup",
                "edit_date",
            )
        }
        record["edits"].append(snapshot)
        record.update(changes)
        record["edit_date"] = int(self._clock())
        record["message"] = self._message_json(record)
        self.cond.notify_all()
        return copy.deepcopy(record["message"])

    def _edit_message_text(self, params: _Params) -> JSON:
        if params.text("text") == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        text, entities = self._formatted(params, "text", "parse_mode", "entities", caption=False)
        markup = self._reply_markup(params)
        record = self._message_to_edit(params)
        if record["kind"] != "text":
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        if _utf16_length(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        chat = self._chats[record["chat_id"]]
        changes: JSON = {
            "plain_text": text,
            "entities": self._entities_json(chat, text, entities),
            "reply_markup": markup,
        }
        if all(record.get(key) == value for key, value in changes.items()):
            raise _ApiError(400, NOT_MODIFIED)
        changes["text"] = params.text("text")
        changes["parse_mode"] = params.text("parse_mode") or None
        preview = self._link_preview(params)
        if preview is not None:
            changes["link_preview_options"] = preview
        return self._apply_edit(record, changes)

    def _edit_message_caption(self, params: _Params) -> JSON:
        caption, entities = self._formatted(
            params, "caption", "parse_mode", "caption_entities", caption=True
        )
        markup = self._reply_markup(params)
        record = self._message_to_edit(params)
        if record["kind"] == "text":
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        if _utf16_length(caption) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        chat = self._chats[record["chat_id"]]
        changes: JSON = {
            "plain_caption": caption or None,
            "caption_entities": self._entities_json(chat, caption, entities) if caption else [],
            "reply_markup": markup,
        }
        if all(record.get(key) == value for key, value in changes.items()):
            raise _ApiError(400, NOT_MODIFIED)
        changes["caption"] = params.text("caption") or None
        return self._apply_edit(record, changes)

    def _edit_message_reply_markup(self, params: _Params) -> JSON:
        markup = self._reply_markup(params)
        record = self._message_to_edit(params)
        return self._apply_edit(record, {"reply_markup": markup})

    def _delete_message(self, params: _Params) -> bool:
        chat = self._resolve_chat(params)
        message_id = params.integer("message_id", 0)
        if message_id == 0:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        record = self._messages.get(chat.id, {}).get(message_id)
        if record is None or record["deleted"]:
            raise _ApiError(400, "Bad Request: message to delete not found")
        if self._clock() - record["date"] > DELETE_WINDOW:
            raise _ApiError(400, "Bad Request: message can't be deleted for everyone")
        record["deleted"] = True
        self.cond.notify_all()
        return True

    def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.text("callback_query_id")
        entry = self._callbacks.get(query_id)
        if entry is None or entry["answered"]:
            raise _ApiError(400, QUERY_TOO_OLD)
        entry["answered"] = True
        entry["answer"] = _record_params(params.raw, {})
        self.cond.notify_all()
        return True

    def _commands_key(self, params: _Params) -> tuple[str, str]:
        scope = params.json("scope", "Bad Request: can't parse BotCommandScope JSON object")
        if scope is not None and not isinstance(scope, dict):
            raise _ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        language = params.text("language_code")
        if language and not re.match(r"^[a-z]{2}$", language):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        return _scope_key(scope), language

    def _set_my_commands(self, params: _Params) -> bool:
        value = params.json("commands", "Bad Request: can't parse commands JSON object")
        if value is None:
            value = []
        if not isinstance(value, list):
            raise _ApiError(400, "Bad Request: expected an Array of BotCommand")
        commands = []
        for item in value:
            if not isinstance(item, dict):
                raise _ApiError(400, "Bad Request: can't parse BotCommand: expected an Object")
            for field_name in ("command", "description"):
                if field_name not in item:
                    raise _ApiError(
                        400,
                        f"Bad Request: can't parse BotCommand: Can't find field \"{field_name}\"",
                    )
            command, description = str(item["command"]), str(item["description"])
            if not re.match(r"^[a-z0-9_]{1,32}$", command):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not description.strip():
                raise _ApiError(400, "Bad Request: command description must be non-empty")
            commands.append({"command": command, "description": description})
        key = self._commands_key(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: _Params) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_chat(self, params: _Params) -> JSON:
        chat = self._resolve_chat(params)
        info = chat.to_json()
        info.update(
            {
                "accent_color_id": abs(chat.id) % 7,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return info

    def _get_chat_member(self, params: _Params) -> JSON:
        chat = self._resolve_chat(params)
        user_id = params.integer("user_id", 0)
        if user_id == self.bot_id:
            user = self.bot_user()
        elif user_id in self._users:
            user = self._users[user_id].to_json()
        else:
            raise _ApiError(400, "Bad Request: user not found")
        if chat.type == "private":
            if user_id not in (chat.id, self.bot_id):
                raise _ApiError(400, "Bad Request: user not found")
            return {"status": "member", "user": user}
        record = chat.members.get(user_id, {"status": "left"})
        return _member_json(record, user, channel=chat.type == "channel")

    def _get_chat_member_count(self, params: _Params) -> int:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            return 2
        return max(chat.subscribers, len(chat.members))

    def _send_chat_action(self, params: _Params) -> bool:
        chat = self._resolve_chat(params)
        self._check_can_write(chat)
        if not params.text("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _new_file(self, kind: str, data: bytes | None, **info: Any) -> JSON:
        n = next(self._file_seq)
        file_id = f"AgACAgUAAxkDAAI{n:06d}{kind[:3].upper()}TEST"
        entry: JSON = {
            "file_id": file_id,
            "file_unique_id": f"AQAD{n:06d}",
            "kind": kind,
            "data": data,
            "file_size": len(data) if data is not None else info.pop("file_size", 0),
            "file_path": f"{kind}s/file_{n}.{info.pop('ext', 'bin')}",
        }
        entry.update(info)
        self._files[file_id] = entry
        return entry

    def _photo_sizes(self, entry: JSON) -> list[JSON]:
        width, height = int(entry["width"]), int(entry["height"])
        sizes = []
        longest = max(width, height, 1)
        for limit in (90, 320, 800, 1280):
            if limit < longest:
                scale = limit / longest
                sizes.append(
                    {
                        "file_id": f"{entry['file_id']}_{limit}",
                        "file_unique_id": f"{entry['file_unique_id']}_{limit}",
                        "file_size": max(1, int(entry["file_size"] * scale * scale)),
                        "width": max(1, round(width * scale)),
                        "height": max(1, round(height * scale)),
                    }
                )
        scale = min(1.0, 2560 / longest)
        sizes.append(
            {
                "file_id": entry["file_id"],
                "file_unique_id": entry["file_unique_id"],
                "file_size": entry["file_size"],
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
            }
        )
        return sizes

    def _input_photo(self, source: UploadedFile | str | None) -> JSON:
        """Resolve an upload, file_id or URL into a stored photo; the media JSON for Message."""
        if isinstance(source, UploadedFile):
            size = image_size(source.data)
            if size is None:
                raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            entry = self._new_file(
                "photo",
                source.data,
                width=size[0],
                height=size[1],
                ext="jpg",
                filename=source.filename,
            )
            origin: Any = source
        elif isinstance(source, str) and source:
            if source in self._files:
                entry = self._files[source]
                if entry["kind"] != "photo":
                    raise _ApiError(
                        400, f"Bad Request: can't use file of type {entry['kind']} as Photo"
                    )
            elif re.match(r"^https?://", source, re.IGNORECASE):
                data = self._url_content.get(source, b"")
                if data is None:
                    raise _ApiError(400, "Bad Request: failed to get HTTP URL content")
                size = image_size(data) if data else (1280, 720)
                if size is None:
                    raise _ApiError(400, "Bad Request: wrong type of the web page content")
                entry = self._new_file(
                    "photo",
                    data or None,
                    width=size[0],
                    height=size[1],
                    ext="jpg",
                    url=source,
                    file_size=len(data),
                )
            else:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            origin = source
        else:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        return {
            "json": {"photo": self._photo_sizes(entry)},
            "source": origin,
            "file_id": entry["file_id"],
        }

    def _send_photo(self, params: _Params) -> JSON:
        caption, entities = self._formatted(
            params, "caption", "parse_mode", "caption_entities", caption=True
        )
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        source: UploadedFile | str | None = params.files.get("photo") or params.text("photo")
        if isinstance(source, str) and source.startswith("attach://"):
            source = params.files.get(source[len("attach://") :])
        media = self._input_photo(source)
        self._check_can_write(chat)
        reply_to = self._reply_to(chat, params)
        if _utf16_length(caption) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        if params.flag("has_spoiler"):
            media["json"]["has_media_spoiler"] = True
        if params.flag("show_caption_above_media"):
            media["json"]["show_caption_above_media"] = True
        record = self._store(
            chat,
            params,
            kind="photo",
            reply_to_message_id=reply_to,
            caption=params.text("caption") or None,
            parse_mode=params.text("parse_mode") or None,
            plain_caption=caption or None,
            caption_entities=self._entities_json(chat, caption, entities) if caption else [],
            media=media,
            reply_markup=markup,
        )
        return copy.deepcopy(record["message"])

    def _send_media_group(self, params: _Params) -> list[JSON]:  # noqa: PLR0912
        if not params.has("media"):
            raise _ApiError(400, 'Bad Request: parameter "media" is required')
        items = params.json("media", "Bad Request: can't parse media JSON object")
        if not isinstance(items, list):
            raise _ApiError(400, "Bad Request: can't parse media JSON object")
        if not items:
            raise _ApiError(400, "Bad Request: there are no messages to send")
        if len(items) > 10:
            raise _ApiError(400, "Bad Request: too many messages to send as an album")
        chat = self._resolve_chat(params)
        prepared = []
        types = set()
        for item in items:
            if not isinstance(item, dict):
                raise _ApiError(400, "Bad Request: can't parse InputMedia: expected an Object")
            kind = str(item.get("type", ""))
            if kind in ("animation",):
                raise _ApiError(
                    400,
                    f"Bad Request: can't parse InputMedia: type \"{kind}\" can't be used in "
                    "sendMediaGroup",
                )
            if kind not in ("photo", "video", "document", "audio"):
                raise _ApiError(
                    400, f'Bad Request: can\'t parse InputMedia: type "{kind}" is unsupported'
                )
            types.add(kind)
            sub = _Params(
                {
                    "caption": item.get("caption", ""),
                    "parse_mode": item.get("parse_mode", ""),
                    "caption_entities": item.get("caption_entities"),
                },
                {},
            )
            caption, entities = self._formatted(
                sub, "caption", "parse_mode", "caption_entities", caption=True
            )
            if _utf16_length(caption) > MAX_CAPTION_LENGTH:
                raise _ApiError(400, "Bad Request: message caption is too long")
            source: UploadedFile | str | None = str(item.get("media", ""))
            if isinstance(source, str) and source.startswith("attach://"):
                source = params.files.get(source[len("attach://") :])
                if source is None:
                    # tdlib says "media not found" for a missing attach:// part (approximation)
                    raise _ApiError(400, "Bad Request: can't parse InputMedia: media not found")
            if kind == "photo":
                media = self._input_photo(source)
            else:
                media = self._input_other(kind, source)
            if item.get("has_spoiler") and kind in ("photo", "video"):
                media["json"]["has_media_spoiler"] = True
            prepared.append((item, caption, entities, media))
        for special in ("document", "audio"):
            if special in types and len(types) > 1:
                raise _ApiError(
                    400, f"Bad Request: {special} can't be mixed with other media types"
                )
        self._check_can_write(chat)
        group_id = str(13_900_000_000_000_000 + next(self._media_group_seq))
        results = []
        for item, caption, entities, media in prepared:
            record = self._store(
                chat,
                params,
                kind=str(item["type"]),
                caption=item.get("caption") or None,
                parse_mode=item.get("parse_mode") or None,
                plain_caption=caption or None,
                caption_entities=self._entities_json(chat, caption, entities) if caption else [],
                media=media,
                media_group_id=group_id,
            )
            results.append(copy.deepcopy(record["message"]))
        return results

    def _input_other(self, kind: str, source: UploadedFile | str | None) -> JSON:
        if isinstance(source, UploadedFile):
            entry = self._new_file(
                kind, source.data, filename=source.filename, mime=source.content_type
            )
        elif isinstance(source, str) and source in self._files:
            entry = self._files[source]
        elif isinstance(source, str) and re.match(r"^https?://", source, re.IGNORECASE):
            entry = self._new_file(kind, None, url=source, filename=source.rsplit("/", 1)[-1])
        else:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        body: JSON = {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
        }
        if kind == "video":
            body.update({"width": 1280, "height": 720, "duration": 1})
        elif kind == "audio":
            body["duration"] = 1
        if kind in ("document", "audio") and entry.get("filename"):
            body["file_name"] = entry["filename"]
        if entry.get("mime"):
            body["mime_type"] = entry["mime"]
        return {"json": {kind: body}, "source": source, "file_id": entry["file_id"]}

    def _get_file(self, params: _Params) -> JSON:
        file_id = params.text("file_id")
        base = file_id.rsplit("_", 1)[0] if file_id not in self._files else file_id
        entry = self._files.get(base)
        if entry is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
            "file_path": entry["file_path"],
        }


# ===============================================================================================
# module helpers
# ===============================================================================================


def _blank_record(message_id: int, chat_id: int, date: int, *, outgoing: bool) -> JSON:
    return {
        "message_id": message_id,
        "chat_id": chat_id,
        "date": date,
        "outgoing": outgoing,
        "from_user_id": None,
        "kind": "text",
        "text": None,
        "parse_mode": None,
        "plain_text": None,
        "entities": [],
        "reply_markup": None,
        "link_preview_options": None,
        "caption": None,
        "plain_caption": None,
        "caption_entities": [],
        "media": None,
        "media_group_id": None,
        "reply_to_message_id": None,
        "disable_notification": False,
        "protect_content": False,
        "edit_date": None,
        "edits": [],
        "deleted": False,
        "params": {},
        "message": None,
    }


def _reaction_type(key: str) -> JSON:
    if key == "paid":
        return {"type": "paid"}
    if key.startswith("custom:"):
        return {"type": "custom_emoji", "custom_emoji_id": key.removeprefix("custom:")}
    return {"type": "emoji", "emoji": key}


def _bare(username: str | None) -> str | None:
    return username[1:] if username and username.startswith("@") else username


def _scope_key(scope: JSON | None) -> str:
    if not scope or scope == {"type": "default"}:
        return '{"type":"default"}'
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


def _error_body(code: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters is not None:
        body["parameters"] = parameters
    return body


def _json_response(status: int, body: JSON) -> HttpResponse:
    return HttpResponse(status, json_bytes(body), content_type="application/json")


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _inline_button(button: Any) -> JSON:
    prefix = "Bad Request: can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise _ApiError(400, prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _ApiError(400, prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise _ApiError(400, prefix + 'Field "text" must be of type String')
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise _ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
    out: JSON = {"text": button["text"]}
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        data = str(value)
        if not 1 <= len(data.encode("utf-8")) <= 64:
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        value = data
    elif action == "url":
        checked = checked_link(str(value))
        if checked is None:
            raise _ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        value = checked
    out[action] = value
    return out


def _admin_record(*, channel: bool) -> JSON:
    record: JSON = {
        "status": "administrator",
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": True,
        "can_edit_stories": True,
        "can_delete_stories": True,
    }
    if channel:
        record.update({"can_post_messages": True, "can_edit_messages": True})
    else:
        record.update({"can_pin_messages": True, "can_manage_topics": False})
    return record


_RESTRICTED_DEFAULTS: JSON = {
    "is_member": True,
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "can_edit_tag": False,
    "can_react_to_messages": False,
    "until_date": 0,
}


def _member_json(record: JSON, user: JSON, *, channel: bool) -> JSON:
    status = record["status"]
    out: JSON = {"user": user, "status": status}
    if status == "creator":
        out["is_anonymous"] = bool(record.get("is_anonymous", False))
    elif status == "administrator":
        base = _admin_record(channel=channel)
        base.update(record)
        out.update(base)
    elif status == "restricted":
        out.update(_RESTRICTED_DEFAULTS)
        out.update(record)
    elif status == "kicked":
        out["until_date"] = int(record.get("until_date", 0))
    else:
        out.update({k: v for k, v in record.items() if k != "status"})
    out["status"] = status
    return out

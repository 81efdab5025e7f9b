"""The CLI's words in the configured ``language`` (config.toml; Vietnamese by default), from
the chat's catalogs.

The language is read from the config file with tomllib alone, on the first line printed, so
``goodnews --help`` and ``draft preview`` load neither pydantic nor the catalogs.
``$GOODNEWS_LANGUAGE`` (``vi`` or ``en``) overrides it for one shell: a technician who reads
English, or a test about behaviour rather than words. Ids stay in the lines, as digits, so
scripts that read them keep working; ``--json`` output is never translated.
"""

from __future__ import annotations

import contextlib
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain import slots
from bot.domain.errors import N_, Text, UserError

ENV_LANGUAGE = "GOODNEWS_LANGUAGE"
DEFAULT = "vi"

#: Weekdays, Monday first, as a date's first word (``Th 2`` in Vietnamese).
WEEKDAYS = i18n.WEEKDAYS

#: A post's kind as people read it.
KIND_NAMES = {"daily": N_("daily"), "weekly": N_("weekly")}


class _Command:
    """The command being run (the CLI runs one per process; tests run many in one)."""

    config_path: Path | None = None
    language: str | None = None


def use_config(path: Path | None, language: str | None = None) -> None:
    """Start a command: its ``--config`` (read when the first line is printed), or the
    language already known (a loaded config's)."""
    _Command.config_path, _Command.language = path, language


def language() -> str:
    """The environment's choice, else the config's (read once per command)."""
    if _Command.language is None:
        _Command.language = _from_config() or DEFAULT
    return _from_env() or _Command.language


def _from_env() -> str | None:
    wanted = os.environ.get(ENV_LANGUAGE, "").strip().lower()
    return wanted if wanted in i18n.LANGUAGES else None


def _from_config() -> str | None:
    """The config file's ``language``; None when it cannot be read (its own error says why,
    in the default language)."""
    from bot import config_file

    try:
        _, _, data = config_file.read_toml(config_file.resolve_path(_Command.config_path))
    except UserError:
        return None
    wanted = data.get("language")
    return wanted if wanted in i18n.LANGUAGES else None


def tr(message: str, /, **params: object) -> str:
    """``message`` in the CLI's language, its ``{fields}`` filled from ``params``."""
    text = i18n.translations(language()).gettext(message)
    return text.format(**params) if params else text


def status(value: str) -> str:
    """A status as people read it: ``scheduled`` → ``đã lên lịch``. English keeps the
    value itself, the word the commands and ``--json`` use."""
    if language() == i18n.SOURCE or value not in i18n.STATUS_NAMES:
        return value
    return tr(i18n.STATUS_NAMES[value])


def kind(value: str) -> str:
    """``daily`` → ``hằng ngày``; English keeps the value, as :func:`status` does."""
    if language() == i18n.SOURCE or value not in KIND_NAMES:
        return value
    return tr(KIND_NAMES[value])


def text(value: str) -> str:
    """A :class:`~bot.domain.errors.Text` in the CLI's language (a Text among its params
    too); any other string as it is."""
    if not isinstance(value, Text):
        return value
    params = {k: text(v) if isinstance(v, Text) else v for k, v in value.params.items()}
    return tr(value.template, **params)


def action(value: str) -> str:
    """An audit log entry's action as people read it (``approve`` → ``đã duyệt``); English
    keeps the value itself, as :func:`status` does."""
    if language() == i18n.SOURCE or value not in i18n.ACTION_NAMES:
        return value
    return tr(i18n.ACTION_NAMES[value])


def actor(value: int | None) -> str:
    """Who made a change: a Telegram id, or the command line (``cli`` in English)."""
    if value is not None:
        return str(value)
    return "cli" if language() == i18n.SOURCE else tr("command line")


def error(exc: UserError) -> str:
    """A refusal in the CLI's language, on one line: the error's template is a catalog entry
    (messages built without one are shown as they are)."""
    params = {k: text(v) if isinstance(v, Text) else v for k, v in exc.params.items()}
    if "status" in params:
        params["status"] = status(str(params["status"]))
    if "kind" in params:
        params["kind"] = kind(str(params["kind"]))
    line = tr(exc.template, **params) if exc.template else str(exc)
    return line.splitlines()[0] if line else repr(exc)


def board_day(day: date) -> str:
    """A day of the queue's board: ``Th 2 07/12`` (``Mon 07/12``), from the catalogs rather
    than Babel's locale data, which would cost ``goodnews queue`` a twentieth of its CPU."""
    return f"{tr(WEEKDAYS[day.weekday()])} {day:%d/%m}"


def format_local(instant: datetime, tz: ZoneInfo) -> str:
    """:func:`bot.domain.slots.format_local` in the CLI's language: ``Sun 2026-11-29 19:00
    +07`` in English, ``CN 29/11/2026 19:00 +07`` in Vietnamese."""
    english = slots.format_local(instant, tz)
    if language() == i18n.SOURCE:
        return english
    local = instant.astimezone(tz)
    # Translators: a strftime date pattern, e.g. "%d/%m/%Y".
    day = local.strftime(tr("%Y-%m-%d"))
    return f"{tr(WEEKDAYS[local.weekday()])} {day} {english.split(' ', 2)[2]}"


def published(post_id: int, channel: str, status_value: str, detail: str) -> str:
    """A publication's outcome, as ``tick`` and ``demo`` print it: its status, then its link
    (or error, or outbox file)."""
    return tr(
        "post {post_id} → {channel}: {status} {detail}",
        post_id=post_id,
        channel=channel,
        status=status(status_value),
        detail=detail,
    )


def moved(item: Any, tz: ZoneInfo) -> str:
    """A post moved by the catch-up policy (a missed slot, a channel released)."""
    return tr(
        "post {post_id} on {channel} missed {missed}; moved to {moved_to}",
        post_id=item.post_id,
        channel=item.channel,
        missed=format_local(item.missed, tz),
        moved_to=format_local(item.moved_to, tz),
    )


#: One channel's line after a correction or a retraction, by (corrected, done).
CHANNEL_OUTCOMES = {
    (True, True): N_("post {post_id} corrected on {channel}"),
    (False, True): N_("post {post_id} taken down on {channel}"),
    (True, False): N_(
        "post {post_id} NOT corrected on {channel} (it still reads the previous text): {reason}"
    ),
    (False, False): N_("post {post_id} NOT taken down on {channel} (it is still out): {reason}"),
}


def channel_outcome(post_id: int, channel: Any, *, corrected: bool) -> str:
    """One channel's line after a correction (``corrected``, with the post's link) or a
    retraction."""
    line = tr(
        CHANNEL_OUTCOMES[corrected, bool(channel.done)],
        post_id=post_id,
        channel=channel.channel,
        reason=channel.reason,
    )
    return line + (f": {channel.url}" if corrected and channel.done and channel.url else "")


def audited_change(before: str | None, after: str | None, detail: str | None, tz: ZoneInfo) -> str:
    """``chờ duyệt → đã lên lịch Th 4 02/12/2026 07:30 +07``: an audit entry's states in the
    CLI's words, and the instants it records (stored in UTC, ISO) in local time."""
    change = f"{_audited(before, tz)} → {_audited(after, tz)}" if before or after else ""
    return f"{change} {_audited(detail, tz)}".strip()


def _audited(value: str | None, tz: ZoneInfo) -> str:
    """One recorded value: a state, an instant, or a state then an instant; anything else (a
    reason, a channel's outcome) as it is."""
    words = (value or "").split(" ")
    for index, word in enumerate(words):
        with contextlib.suppress(ValueError):
            instant = datetime.fromisoformat(word)
            if instant.tzinfo:
                words[index] = format_local(instant, tz)
                continue
        words[index] = status(word) if index == 0 else word
    return " ".join(words)

"""Finding and reading the config file, and its ``[drafting]`` table, without pydantic.

``goodnews draft preview`` needs only the drafting settings; reading them here keeps it from
loading pydantic and building the whole config's models (:mod:`bot.config` validates the
whole file, with the same bounds, for every other command).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bot.domain.errors import N_, ConfigError
from bot.domain.posts import PostKind

ENV_CONFIG = "GOODNEWS_CONFIG"
DEFAULT_PATH = Path("config.toml")

#: ``drafting.daily_max_chars``: default, least, most.
DAILY_MAX_CHARS = (350, 80, 3500)
#: ``drafting.weekly_max_chars``: 1,000 fits a Telegram photo caption (1,024 with the title);
#: a text-only story may go up to 4,000, under Telegram's 4,096 for a message.
WEEKLY_MAX_CHARS = (1000, 200, 4000)
DAILY_HASHTAGS = ("#MoiNgayMotTinTot",)
WEEKLY_HASHTAGS = ("#MoiTuanMotCauChuyenDep",)
OPENING_MAX, CLOSING_MAX = 20, 300  # an emoji or two; a sentence or two


def default_config_text() -> str:
    """The commented config ``goodnews init`` writes; it also applies when there is no file."""
    return resources.files("bot").joinpath("config.default.toml").read_text(encoding="utf-8")


def resolve_path(explicit: Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """The config file to read: the option, else $GOODNEWS_CONFIG, else ./config.toml if present."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return DEFAULT_PATH if DEFAULT_PATH.exists() else None


def read_toml(path: Path | None) -> tuple[str, str, dict[str, Any]]:
    """The source's name, its text and its TOML; the embedded defaults for no path."""
    if path is None:
        source, text = "embedded defaults", default_config_text()
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                N_("{path}: no such config file (run `goodnews init`)"), path=path
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                N_("{path}: cannot read the config file: {error}"), path=path, error=exc
            ) from None
    return source, text, parse_toml(text, source)


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            N_("{source}: not valid TOML: {error}"), source=source, error=exc
        ) from None


class PerKind:
    """The ``[drafting]`` value of a post's kind: one reading for this module's
    :class:`Drafting` and ``bot.config.DraftingConfig`` (these annotations are not fields)."""

    daily_max_chars: int
    weekly_max_chars: int
    daily_hashtags: Sequence[str]
    weekly_hashtags: Sequence[str]
    daily_opening: str
    weekly_opening: str
    daily_closing: str
    weekly_closing: str

    def hashtags_for(self, kind: PostKind) -> list[str]:
        return list(self.daily_hashtags if kind is PostKind.DAILY else self.weekly_hashtags)

    def opening_for(self, kind: PostKind) -> str:
        return self.daily_opening if kind is PostKind.DAILY else self.weekly_opening

    def closing_for(self, kind: PostKind) -> str:
        return self.daily_closing if kind is PostKind.DAILY else self.weekly_closing

    def max_chars_for(self, kind: PostKind) -> int:
        return self.daily_max_chars if kind is PostKind.DAILY else self.weekly_max_chars


@dataclass(frozen=True)
class Drafting(PerKind):
    """The ``[drafting]`` settings drafting needs (``bot.config.DraftingConfig`` has the same
    keys and bounds)."""

    daily_max_chars: int = DAILY_MAX_CHARS[0]
    weekly_max_chars: int = WEEKLY_MAX_CHARS[0]
    daily_hashtags: tuple[str, ...] = field(default=DAILY_HASHTAGS)
    weekly_hashtags: tuple[str, ...] = field(default=WEEKLY_HASHTAGS)
    # Templates: an opening before the title (an emoji) and a closing call to action after
    # the body, per kind; "" for none. `goodnews init` writes Vietnamese ones.
    daily_opening: str = ""
    weekly_opening: str = ""
    daily_closing: str = ""
    weekly_closing: str = ""


def read_drafting(explicit: Path | None) -> Drafting:
    """The ``[drafting]`` table of the config file (see :func:`resolve_path`), checked key by
    key; a problem is one ConfigError line naming the key."""
    source, _, data = read_toml(resolve_path(explicit))
    table = data.get("drafting", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: drafting: expected a table")
    for key in table:
        if key not in Drafting.__dataclass_fields__ and key != "rewrite":  # not for previews
            raise ConfigError(f"{source}: drafting.{key}: unknown key")
    return Drafting(
        daily_max_chars=_chars(table, "daily_max_chars", DAILY_MAX_CHARS, source),
        weekly_max_chars=_chars(table, "weekly_max_chars", WEEKLY_MAX_CHARS, source),
        daily_hashtags=_tags(table, "daily_hashtags", DAILY_HASHTAGS, source),
        weekly_hashtags=_tags(table, "weekly_hashtags", WEEKLY_HASHTAGS, source),
        daily_opening=_text(table, "daily_opening", OPENING_MAX, source),
        weekly_opening=_text(table, "weekly_opening", OPENING_MAX, source),
        daily_closing=_text(table, "daily_closing", CLOSING_MAX, source),
        weekly_closing=_text(table, "weekly_closing", CLOSING_MAX, source),
    )


def _text(table: dict[str, Any], key: str, most: int, source: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or len(value) > most:
        raise ConfigError(
            f"{source}: drafting.{key}: expected text of at most {most} characters, got {value!r}"
        )
    return value


def _chars(table: dict[str, Any], key: str, bounds: tuple[int, int, int], source: str) -> int:
    default, least, most = bounds
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ConfigError(
            f"{source}: drafting.{key}: expected a whole number from {least} to {most}, "
            f"got {value!r}"
        )
    return value


def _tags(
    table: dict[str, Any], key: str, default: tuple[str, ...], source: str
) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ConfigError(f"{source}: drafting.{key}: expected a list of strings, got {value!r}")
    return tuple(value)

"""Configuration: ``config.toml`` for settings, the environment (or ``.env``) for secrets.

The file is ``--config PATH``, else ``$GOODNEWS_CONFIG``, else ``./config.toml``; with none of
them the embedded defaults apply (the same text ``goodnews init`` writes), so the bot runs on a
fresh machine with nothing set. Every problem becomes one :class:`ConfigError` line naming the
key, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config_file import (
    CLOSING_MAX,
    DAILY_HASHTAGS,
    DAILY_MAX_CHARS,
    OPENING_MAX,
    WEEKLY_HASHTAGS,
    WEEKLY_MAX_CHARS,
    PerKind,
    parse_toml,
    read_toml,
)

# Re-exported: callers find them in the config module.
from bot.config_file import DEFAULT_PATH as DEFAULT_PATH  # noqa: PLC0414
from bot.config_file import ENV_CONFIG as ENV_CONFIG  # noqa: PLC0414
from bot.config_file import default_config_text as default_config_text  # noqa: PLC0414
from bot.config_file import resolve_path as resolve_path  # noqa: PLC0414
from bot.domain.errors import N_, ConfigError
from bot.domain.slots import Cadence, parse_skip_dates, weekday_number

ENV_DATABASE_URL = "DATABASE_URL"
ENV_TELEGRAM_TOKEN = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_FACEBOOK_TOKEN = "FACEBOOK_PAGE_TOKEN"  # noqa: S105

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _parse_hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"expected a 24-hour time HH:MM such as 07:30, got {value!r}")
    return value


def _check_weekday(value: str) -> str:
    weekday_number(value)
    return value.lower()


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value.rstrip("/")


HHMM = Annotated[str, AfterValidator(_parse_hhmm)]
Url = Annotated[str, AfterValidator(_check_url)]


class _Section(BaseModel):
    """Unknown keys are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class TelegramConfig(_Section):
    api_url: Url = "https://api.telegram.org"
    admins: list[int] = Field(default_factory=list)
    officers: list[int] = Field(default_factory=list)
    # Approvals needed before a draft is scheduled (N of the admins); the CLI needs none.
    quorum: int = Field(default=1, ge=1, le=50)
    # Owners are admins who may also /grant and /revoke roles in chat.
    owners: list[int] = Field(default_factory=list)
    poll_timeout: int = Field(default=30, ge=0, le=50)
    # Sends a second at most, across all channels: Telegram allows a bot about 30.
    max_per_second: float = Field(default=29.0, gt=0, le=30)


class FacebookConfig(_Section):
    graph_url: Url = "https://graph.facebook.com"
    api_version: Annotated[str, Field(pattern=r"^v\d+\.\d+$")] = "v24.0"
    timeout: float = Field(default=30.0, gt=0)


def _one_or_more_times(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _check_skip(value: list[str]) -> list[str]:
    parse_skip_dates(value)
    return value


_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_SECONDS = 366 * 86400


def parse_duration(value: str) -> timedelta:
    """``"2h"``, ``"90m"``, ``"30s"``, ``"1d"`` → timedelta."""
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"expected a duration such as 90m, 2h or 1d, got {value!r}")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_DURATION_SECONDS:  # timedelta itself overflows past 999,999,999 days
        raise ValueError(f"{value.strip()!r} is longer than a year (at most 366d)")
    return timedelta(seconds=seconds)


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value


DailyTimes = Annotated[list[HHMM], BeforeValidator(_one_or_more_times), Field(min_length=1)]
Weekday = Annotated[str, AfterValidator(_check_weekday)]
SkipDates = Annotated[list[str], AfterValidator(_check_skip)]
Duration = Annotated[str, AfterValidator(_check_duration)]


class CadenceOverride(_Section):
    """A channel's own cadence; what it leaves out comes from ``[cadence]``."""

    daily_at: DailyTimes | None = None
    weekly_day: Weekday | None = None
    weekly_at: HHMM | None = None
    skip_dates: SkipDates | None = None


class CadenceConfig(_Section):
    # One time ("07:30") or several (["07:30", "19:30"]) a day.
    daily_at: DailyTimes = Field(default_factory=lambda: ["07:30"])
    weekly_day: Weekday = "sunday"
    weekly_at: HHMM = "19:00"
    skip_dates: SkipDates = Field(default_factory=list)
    #: A publication missed (worker down) by less than this goes out at once; an older one
    #: moves to the next free slot and the admins are told.
    catch_up_grace: Duration = "2h"
    #: When to check that tomorrow's slots have a post (local time, the day before).
    warn_at: HHMM = "18:00"
    #: When the admins get last week's cadence summary (local time, every Monday).
    summary_at: HHMM = "08:00"
    #: A slot whose draft is still unanswered when it comes: fill it from the reserve pool,
    #: or skip it. An unapproved draft is never published either way.
    unanswered: Literal["reserve", "skip"] = "reserve"


class WorkerConfig(_Section):
    # How long a worker may hold a claimed publication before another may take it over.
    lease: Duration = "5m"
    # How often the worker re-reads the database for posts scheduled by other processes.
    sweep: Duration = "60s"
    # Attempts at a publication that keeps failing in a retryable way (rate limits, network
    # errors before sending) before it is failed and the admins are told.
    max_attempts: int = Field(default=8, ge=1, le=100)


class AnalyticsConfig(_Section):
    #: When to read a publication's reactions, comments, shares and views back, after it
    #: went out (each is one measurement in its time series).
    collect_after: Annotated[list[Duration], Field(min_length=1)] = Field(
        default_factory=lambda: ["1h", "24h", "7d"]
    )


class WebConfig(_Section):
    # A Telegram login (the widget's auth_date) older than this is refused.
    login_max_age: Duration = "1d"
    # How long a dashboard session lasts before logging in again.
    session_max_age: Duration = "7d"


class RewriteConfig(_Section):
    """Optional rewriting by an OpenAI-compatible server; the key only from the environment
    (GOODNEWS_REWRITE_API_KEY)."""

    enabled: bool = False
    base_url: str = ""  # e.g. "http://localhost:11434/v1" (Ollama)
    model: str = ""
    timeout: float = Field(default=20.0, gt=0, le=300)

    @model_validator(mode="after")
    def _complete(self) -> RewriteConfig:
        if self.enabled and not (self.base_url.startswith(("http://", "https://")) and self.model):
            raise ValueError("drafting.rewrite needs base_url (http:// or https://) and model")
        return self


class DraftingConfig(_Section, PerKind):
    """Bounds and defaults from :mod:`bot.config_file`, which reads this table alone for
    ``draft preview``."""

    daily_max_chars: int = Field(
        default=DAILY_MAX_CHARS[0], ge=DAILY_MAX_CHARS[1], le=DAILY_MAX_CHARS[2]
    )
    weekly_max_chars: int = Field(
        default=WEEKLY_MAX_CHARS[0], ge=WEEKLY_MAX_CHARS[1], le=WEEKLY_MAX_CHARS[2]
    )
    daily_hashtags: list[str] = Field(default_factory=lambda: list(DAILY_HASHTAGS))
    weekly_hashtags: list[str] = Field(default_factory=lambda: list(WEEKLY_HASHTAGS))
    daily_opening: str = Field(default="", max_length=OPENING_MAX)
    weekly_opening: str = Field(default="", max_length=OPENING_MAX)
    daily_closing: str = Field(default="", max_length=CLOSING_MAX)
    weekly_closing: str = Field(default="", max_length=CLOSING_MAX)
    rewrite: RewriteConfig = Field(default_factory=RewriteConfig)


class ChannelOptions(_Section):
    """The keys of a ``[[channels]]`` table that belong to its platform (``chat_id``,
    ``page_id``, …): each platform's ``schema.py`` subclasses this."""

    @property
    def target(self) -> str:
        """Where the channel posts: a chat, a Page id."""
        raise NotImplementedError


@cache
def channel_schemas() -> dict[str, type[ChannelOptions]]:
    """Each channel type's keys, from ``bot/platforms/<type>/schema.py`` (its ``SCHEMA``).

    Found by folder, so that a new platform is one new folder. The schema modules import only
    this module and pydantic, never their platform's library.
    """
    folder = Path(__file__).with_name("platforms")
    return {
        path.parent.name: importlib.import_module(f"bot.platforms.{path.parent.name}.schema").SCHEMA
        for path in sorted(folder.glob("*/schema.py"))
    }


class ChannelConfig(BaseModel):
    """A ``[[channels]]`` table: its name, type and cadence here, the other keys checked by
    its platform's schema (:func:`channel_schemas`) and kept in :attr:`options`."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True, defer_build=True)

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
    type: str
    cadence: CadenceOverride | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        types = sorted(channel_schemas())
        if value not in types:
            known = " or ".join(repr(t) for t in types)
            raise ValueError(f"Input should be {known}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _platform_keys(self) -> ChannelConfig:
        schemas = channel_schemas()
        schema = schemas[self.type]
        keys = self.model_extra or {}
        for key in keys:
            owner = next((t for t, s in schemas.items() if key in s.model_fields), None)
            if key not in schema.model_fields and owner is not None:
                raise ValueError(f"{key} belongs to {owner} channels")
        schema.model_validate(keys)
        return self

    @property
    def options(self) -> ChannelOptions:
        """The platform's keys, validated by its schema (again: ``model_copy`` may have
        changed them without validating)."""
        return channel_schemas()[self.type].model_validate(self.model_extra or {})

    @property
    def target(self) -> str:
        """Where the channel posts: the Telegram chat or the Facebook Page id."""
        return self.options.target


def _ascii_words(name: str) -> list[str]:
    """The name's words without diacritics: hashtags people type on any keyboard."""
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return re.findall(r"[A-Za-z0-9]+", bare)


class UnitConfig(_Section):
    """A member unit: its own officers and channels, and optionally its own cadence."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=32)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    officers: list[int] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    cadence: CadenceOverride | None = None
    #: Added to the kind's hashtags on this unit's posts; None: one made from the name
    #: ("Đoàn Khối CNVC" → "#DoanKhoiCNVC"), [] for none.
    hashtags: list[str] | None = None

    @property
    def post_hashtags(self) -> list[str]:
        if self.hashtags is not None:
            return self.hashtags
        return ["#" + "".join(w[:1].upper() + w[1:] for w in _ascii_words(self.name))]


class Settings(_Section):
    """The whole file. Field names are the config contract; see the README's reference."""

    timezone: str = "Asia/Ho_Chi_Minh"
    language: Literal["vi", "en"] = "vi"
    database_url: str = "sqlite:///goodnews.db"
    outbox_dir: str = "outbox"
    media_dir: str = "media"
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    facebook: FacebookConfig = Field(default_factory=FacebookConfig)
    cadence: CadenceConfig = Field(default_factory=CadenceConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    drafting: DraftingConfig = Field(default_factory=DraftingConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)

    web: WebConfig = Field(default_factory=WebConfig)
    channels: list[ChannelConfig] = Field(default_factory=list)
    units: list[UnitConfig] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Asia/Ho_Chi_Minh)") from None
        return value

    @model_validator(mode="after")
    def _units_fit_the_channels(self) -> Settings:
        names = {c.name for c in self.channels}
        owner: dict[str, str] = {}
        seen: set[str] = set()
        for unit in self.units:
            if unit.id in seen:
                raise ValueError(f"units: duplicate unit id {unit.id!r}")
            seen.add(unit.id)
            for channel in unit.channels:
                if channel not in names:
                    raise ValueError(
                        f"units.{unit.id}.channels: no channel named {channel!r} in [[channels]]"
                    )
                if channel in owner:
                    raise ValueError(
                        f"units.{unit.id}.channels: {channel!r} already belongs to unit "
                        f"{owner[channel]!r}"
                    )
                owner[channel] = unit.id
        return self

    @field_validator("channels")
    @classmethod
    def _unique_names(cls, value: list[ChannelConfig]) -> list[ChannelConfig]:
        seen: set[str] = set()
        for channel in value:
            if channel.name in seen:
                raise ValueError(f"duplicate channel name {channel.name!r}")
            seen.add(channel.name)
        return value


@dataclass(frozen=True)
class Secrets:
    """Tokens, read only from the environment or ``.env``; never logged, never in config."""

    telegram_bot_token: str | None
    facebook_page_token: str | None

    def __repr__(self) -> str:  # keep tokens out of logs and tracebacks
        return (
            f"Secrets(telegram_bot_token={'set' if self.telegram_bot_token else None}, "
            f"facebook_page_token={'set' if self.facebook_page_token else None})"
        )


@dataclass(frozen=True)
class Config:
    """Settings plus what was derived from them and from the environment."""

    settings: Settings
    secrets: Secrets
    path: Path | None  # None: the embedded defaults
    database_url: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def cadence(self) -> Cadence:
        """The organisation's cadence, from ``[cadence]``."""
        return self.cadence_for(None)

    @property
    def units(self) -> list[UnitConfig]:
        return list(self.settings.units)

    def unit(self, unit_id: str) -> UnitConfig:
        for unit in self.settings.units:
            if unit.id == unit_id:
                return unit
        raise ConfigError(N_("no unit {unit!r} in the config"), unit=unit_id)

    def unit_of_channel(self, channel: str) -> UnitConfig | None:
        """The unit a channel belongs to; None: one of the organisation's own channels."""
        return next((u for u in self.settings.units if channel in u.channels), None)

    def unit_of_officer(self, user_id: int) -> UnitConfig | None:
        """The (first) unit whose officers include this person."""
        return next((u for u in self.settings.units if user_id in u.officers), None)

    def audience_of_channel(self, channel: str) -> str | None:
        """The id of the unit a channel belongs to; None: the organisation's own."""
        unit = self.unit_of_channel(channel)
        return unit.id if unit is not None else None

    def audience_of_officer(self, user_id: int) -> str | None:
        """The id of the unit whose news this person feeds; None: the organisation's."""
        unit = self.unit_of_officer(user_id)
        return unit.id if unit is not None else None

    def channels_of(self, unit_id: str | None) -> list[ChannelConfig]:
        """A unit's channels; None: the organisation's own (those in no unit)."""
        return [c for c in self.channels if self.audience_of_channel(c.name) == unit_id]

    def cadence_for(self, channel: str | None) -> Cadence:
        """A channel's cadence: its own ``cadence`` table over its unit's over ``[cadence]``."""
        own = self.channel(channel).cadence if channel is not None else None
        unit = self.unit_of_channel(channel) if channel is not None else None
        return self._cadence(_merge(own, unit.cadence if unit is not None else None))

    def cadence_for_unit(self, unit_id: str | None) -> Cadence:
        """A unit's promise, whatever its channels' own tables say: its ``cadence`` table over
        ``[cadence]``. None, or any id in a config without units (the implicit unit):
        ``[cadence]``. An unknown id in a config with units raises ConfigError."""
        unit = self.unit(unit_id) if unit_id is not None and self.settings.units else None
        return self._cadence(unit.cadence if unit is not None else None)

    def _cadence(self, own: CadenceOverride | None) -> Cadence:
        """``own``'s keys over ``[cadence]``'s."""
        base = self.settings.cadence
        own = own or CadenceOverride()
        daily = own.daily_at if own.daily_at is not None else base.daily_at
        return Cadence(
            timezone=self.tz,
            daily_at=tuple(sorted({time.fromisoformat(t) for t in daily})),
            weekly_day=weekday_number(own.weekly_day or base.weekly_day),
            weekly_at=time.fromisoformat(own.weekly_at or base.weekly_at),
            skip=parse_skip_dates(
                own.skip_dates if own.skip_dates is not None else base.skip_dates
            ),
        )

    @property
    def catch_up_grace(self) -> timedelta:
        return parse_duration(self.settings.cadence.catch_up_grace)

    @property
    def lease(self) -> timedelta:
        return parse_duration(self.settings.worker.lease)

    @property
    def sweep(self) -> timedelta:
        return parse_duration(self.settings.worker.sweep)

    @property
    def collect_after(self) -> list[timedelta]:
        return sorted(parse_duration(d) for d in self.settings.analytics.collect_after)

    @property
    def login_max_age(self) -> timedelta:
        return parse_duration(self.settings.web.login_max_age)

    @property
    def session_max_age(self) -> timedelta:
        return parse_duration(self.settings.web.session_max_age)

    @property
    def channels(self) -> list[ChannelConfig]:
        return list(self.settings.channels)

    @property
    def outbox_dir(self) -> Path:
        return Path(self.settings.outbox_dir)

    @property
    def media_dir(self) -> Path:
        return Path(self.settings.media_dir)

    def channel(self, name: str) -> ChannelConfig:
        for channel in self.settings.channels:
            if channel.name == name:
                return channel
        raise ConfigError(N_("no channel named {name!r} in the config"), name=name)


def _merge(first: CadenceOverride | None, then: CadenceOverride | None) -> CadenceOverride | None:
    """``first``'s keys over ``then``'s."""
    if first is None or then is None:
        return first or then
    return CadenceOverride(
        daily_at=first.daily_at if first.daily_at is not None else then.daily_at,
        weekly_day=first.weekly_day or then.weekly_day,
        weekly_at=first.weekly_at or then.weekly_at,
        skip_dates=first.skip_dates if first.skip_dates is not None else then.skip_dates,
    )


def load(explicit: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read, validate and combine the config file, ``.env`` and the environment."""
    env = dict(os.environ if environ is None else environ)
    path = resolve_path(explicit, env)
    source, text, _ = read_toml(path)
    settings = parse_settings(text, source=source)
    env = _with_dotenv(env)
    return Config(
        settings=settings,
        secrets=Secrets(
            telegram_bot_token=env.get(ENV_TELEGRAM_TOKEN) or None,
            facebook_page_token=env.get(ENV_FACEBOOK_TOKEN) or None,
        ),
        path=path,
        database_url=env.get(ENV_DATABASE_URL) or settings.database_url,
    )


def parse_settings(text: str, *, source: str) -> Settings:
    """Validate TOML text; the first problem becomes a one-line ConfigError naming the key."""
    data = parse_toml(text, source)
    _refuse_secrets(data, source)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, data, source)) from None


def _refuse_secrets(data: dict[str, Any], source: str) -> None:
    for section in ("telegram", "facebook"):
        table = data.get(section)
        if isinstance(table, dict) and "token" in table:
            raise ConfigError(
                f"{source}: {section}.token: secrets do not belong in the config file; "
                f"set {ENV_TELEGRAM_TOKEN if section == 'telegram' else ENV_FACEBOOK_TOKEN} "
                "in the environment or .env"
            )


def _describe(exc: ValidationError, data: dict[str, Any], source: str) -> str:
    errors = exc.errors()
    first = errors[0]
    key = _key_name(first["loc"], data)
    if first["type"] == "extra_forbidden":
        problem = "unknown key"
    else:
        problem = first["msg"].removeprefix("Value error, ")
        if first["type"] not in ("value_error", "missing") and "input" in first:
            problem += f", got {first['input']!r}"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return f"{source}: {key}: {problem}" + (more if len(errors) > 1 else "")


def _key_name(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """``("channels", 1, "chat_id")`` → ``channels[1] (name "tg").chat_id``."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            if not isinstance(node, list):  # a single value the validator wrapped in a list
                continue
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("name"), str):
                    label += f' (name "{node["name"]}")'
            parts.append(label)
        else:
            if part.startswith(("function-", "constrained-")):  # pydantic's internal loc parts
                continue
            parts.append(("." if parts else "") + part)
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _with_dotenv(env: dict[str, str]) -> dict[str, str]:
    """Values from ``./.env`` fill in what the real environment does not set."""
    dotenv = Path(".env")
    if not dotenv.is_file():
        return env
    from dotenv import dotenv_values  # only when there is a .env to read

    merged = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
    merged.update(env)
    return merged

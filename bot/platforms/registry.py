"""Finds the platforms: each ``bot/platforms/<type>/platform.py`` exposes ``PLATFORM``.

A new platform is one new folder (and its fake in ``tests/fakes/``): the config, ``goodnews
check``, publishing and the dry-run outbox all reach it through here.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from bot.config import ChannelConfig, Config
from bot.platforms.base import Platform

__all__ = ["all_platforms", "platform_of", "publication_url", "used_by"]


@cache
def all_platforms() -> dict[str, Platform]:
    """Every platform by its channel type, in name order."""
    folder = Path(__file__).parent
    found: dict[str, Platform] = {}
    for path in sorted(folder.glob("*/platform.py")):
        module = importlib.import_module(f"bot.platforms.{path.parent.name}.platform")
        found[path.parent.name] = module.PLATFORM
    return found


def platform_of(channel: ChannelConfig) -> Platform:
    """The channel's platform (the config has already refused unknown types)."""
    return all_platforms()[channel.type]


def publication_url(config: Config, channel: str, external_id: str | None) -> str | None:
    """The link to what went out on ``channel`` (None: nothing to link to, or a channel no
    longer in the config)."""
    found = next((c for c in config.channels if c.name == channel), None)
    return platform_of(found).link(found, external_id) if found is not None else None


def used_by(config: Config) -> list[Platform]:
    """The platforms the config's channels are on, in name order."""
    types = {channel.type for channel in config.channels}
    return [p for name, p in all_platforms().items() if name in types]

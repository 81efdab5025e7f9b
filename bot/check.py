"""``goodnews check``: can every configured channel publish for real, and if not, why.

:func:`check_channels` is the entry point for programs too (the worker may call it to release
channels held after an expired token); the probing itself lives in
each platform's ``check`` (``bot/platforms/<type>/check.py``), next to its publisher.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.config import Config
from bot.domain.errors import N_, Text
from bot.platforms.base import ChannelCheck, Finding
from bot.platforms.registry import used_by

__all__ = ["ChannelCheck", "Finding", "as_json", "check_channels", "describe", "summary"]


async def check_channels(config: Config) -> list[ChannelCheck]:
    """Ask each channel's platform about every channel of ``config``, in config order.

    Read-only (``getMe``, ``getChat``, ``getChatMember``; Graph ``GET /{page-id}`` and
    ``GET /me``); never raises for what a platform answers or for network trouble: each
    channel gets a :class:`ChannelCheck` whose ``ok`` says whether it can publish for real
    now. A channel without its token is not ok (``finding is Finding.DRY_RUN``). Runs on the
    caller's event loop (Telegram and Facebook are asked concurrently; the Facebook SDK
    runs in a worker thread).
    """
    platforms = used_by(config)
    answers = await asyncio.gather(
        *(p.check(config, [c for c in config.channels if c.type == p.name]) for p in platforms)
    )
    found = {check.channel: check for checks in answers for check in checks}
    return [found[c.name] for c in config.channels]


def describe(check: ChannelCheck) -> Text:
    """One block for people: ``✔ label: detail``, or ``✘ label: problem`` and a ``Fix:`` line."""
    words = {"label": check.label, "detail": check.detail, "problem": check.problem}
    if check.ok:
        return Text("✔ {label}: {detail}", **words)
    if check.dry_run:
        return Text(N_("○ {label}: {problem}.\n  To go live: {fix}."), **words, fix=check.fix)
    return Text(N_("✘ {label}: {problem}.\n  Fix: {fix}."), **words, fix=check.fix)


def summary(checks: list[ChannelCheck]) -> Text:
    """The last line: all good, or how many channels cannot publish for real."""
    if not checks:
        return Text(N_("no channels in the config: add [[channels]] tables (see `goodnews init`)"))
    bad = [c for c in checks if not c.ok]
    if not bad:
        return Text(N_("all {count} channel(s) can publish"), count=len(checks))
    dry = sum(c.dry_run for c in bad)
    parts = []
    if len(bad) > dry:
        parts.append(Text(N_("{count} need(s) fixing"), count=len(bad) - dry))
    if dry:
        parts.append(Text(N_("{count} in dry-run mode (posts go to the outbox only)"), count=dry))
    if len(parts) == 2:
        parts = [Text(N_("{first}, {second}"), first=parts[0], second=parts[1])]
    return Text(
        N_("{bad} of {count} channel(s) cannot publish for real: {parts}"),
        bad=len(bad),
        count=len(checks),
        parts=parts[0],
    )


def as_json(check: ChannelCheck) -> dict[str, Any]:
    """The JSON object ``goodnews check --json`` prints for a channel."""
    return {
        "channel": check.channel,
        "type": check.platform,
        "target": check.target,
        "ok": check.ok,
        "finding": check.finding.value,
        "problem": check.problem or None,
        "fix": check.fix or None,
        "detail": check.detail or None,
    }

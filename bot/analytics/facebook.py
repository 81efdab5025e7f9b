"""Reading a Page's posts back from the Graph API: reactions, comments, shares and the
views from their insights, fifty posts a call.

One ``GET /?ids=a,b,...`` (Graph's limit is 50 ids) asks each post for
``reactions.summary(total_count)``, ``comments.summary(true)``, ``shares`` and
``insights.metric(...)``. Facebook retires insights metrics in waves, and a single retired
metric fails the whole request with "(#100) The value must be a valid insights metric":
then each metric is asked alone once, and what the Page serves at this API version is
remembered, so later passes ask only for those. A Page without insights (fewer than 100
likes) answers an empty list: its views are "not available", never zero.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import facebook
import requests

from bot.config import ChannelConfig
from bot.domain.engagement import COMMENTS, INSIGHTS, REACTIONS, SHARES
from bot.platforms.facebook.errors import translate_error, translate_network_error

log = logging.getLogger(__name__)

MAX_IDS = 50
FIELDS = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"
INVALID_METRIC = "valid insights metric"
MISSING_CODE = 803  # "Some of the aliases you requested do not exist: <id>"
Values = dict[str, int | None]


@dataclass
class PageReading:
    """What one pass read on one Page: values per post id, and what was learnt about the
    Page's insights metrics (to remember)."""

    values: dict[str, Values] = field(default_factory=dict)
    learnt: dict[str, bool] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)  # posts deleted on the Page


class FacebookReader:
    """Reads engagement for the posts of one Page; every Graph call runs in a thread (the
    SDK blocks). Errors come out as our PublishError family, sorted as for publishing."""

    def __init__(self, graph: Any, channel: ChannelConfig) -> None:
        self.graph = graph
        self.channel = channel
        self.where = f"facebook page {channel.name} ({channel.target})"
        self.calls = 0  # Graph requests made, for the pass's report

    async def read(self, post_ids: Sequence[str], served: Mapping[str, bool]) -> PageReading:
        reading = PageReading()
        metrics = [m for m in INSIGHTS if served.get(m, True)]
        for start in range(0, len(post_ids), MAX_IDS):
            chunk = list(post_ids[start : start + MAX_IDS])
            metrics = await self._read_chunk(chunk, metrics, reading)
        return reading

    async def _read_chunk(
        self, chunk: list[str], metrics: list[str], reading: PageReading
    ) -> list[str]:
        """Read one chunk into ``reading``; the metrics to ask for from now on."""
        while chunk:
            try:
                answer = await self._get(reading, chunk, _fields(metrics))
            except facebook.GraphAPIError as exc:
                if exc.code == 100 and INVALID_METRIC in str(exc.message) and metrics:
                    metrics = await self._probe(chunk[0], metrics, reading)
                    continue
                gone = _missing(exc)
                if gone is not None and gone in chunk:
                    chunk.remove(gone)
                    reading.gone.append(gone)
                    continue
                raise translate_error(exc, self.where) from exc
            for post_id in chunk:
                reading.values[post_id] = parse_post(answer.get(post_id) or {}, metrics)
            return metrics
        return metrics

    async def _probe(self, post_id: str, metrics: list[str], reading: PageReading) -> list[str]:
        """Ask each metric alone on one post: the ones the Page serves at this version."""
        for metric in metrics:
            try:
                await self._get(reading, [post_id], f"insights.metric({metric})")
                reading.learnt[metric] = True
            except facebook.GraphAPIError as exc:
                if not (exc.code == 100 and INVALID_METRIC in str(exc.message)):
                    raise translate_error(exc, self.where) from exc
                reading.learnt[metric] = False
                log.warning(
                    "%s: Facebook no longer serves the insights metric %s at this API version",
                    self.channel.name,
                    metric,
                )
        return [m for m in metrics if reading.learnt[m]]

    async def _get(self, reading: PageReading, ids: list[str], fields: str) -> dict[str, Any]:
        self.calls += 1
        try:
            result: dict[str, Any] = await asyncio.to_thread(
                self.graph.get_objects, ids=ids, fields=fields
            )
        except requests.RequestException as exc:
            raise translate_network_error(exc, self.where) from exc
        return result


def _fields(metrics: Sequence[str]) -> str:
    return FIELDS + (f",insights.metric({','.join(metrics)})" if metrics else "")


def _missing(exc: Any) -> str | None:
    """The post id Graph names in a #803 "aliases do not exist" error."""
    if exc.code != MISSING_CODE:
        return None
    match = re.search(r"do not exist: (\S+)", str(exc.message))
    return match.group(1).rstrip(".,") if match else None


def parse_post(node: Mapping[str, Any], asked: Sequence[str]) -> Values:
    """One post's answer → our metrics. ``shares`` is absent until someone shares; an
    insights metric the Page does not give (or was not asked) is None, not zero."""
    values: Values = {
        REACTIONS: _summary_total(node.get("reactions")),
        COMMENTS: _summary_total(node.get("comments")),
        SHARES: int((node.get("shares") or {}).get("count", 0)),
    }
    given = {
        entry.get("name"): entry.get("values", [{}])[-1].get("value")
        for entry in (node.get("insights") or {}).get("data", [])
    }
    for metric, ours in INSIGHTS.items():
        value = given.get(metric) if metric in asked else None
        values[ours] = int(value) if isinstance(value, int | float) else None
    return values


def _summary_total(edge: Any) -> int | None:
    if not isinstance(edge, dict):
        return None
    value = (edge.get("summary") or {}).get("total_count")
    return int(value) if isinstance(value, int) else None

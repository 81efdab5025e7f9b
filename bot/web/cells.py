"""A calendar day's slots as HTML, written here rather than in the template: a month of
42 channels is some 1,700 cells, and Jinja's per-cell lookups alone would take most of
the 50 ms a render may use. Everything shown is escaped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.domain.posts import PostKind
from bot.services.calendar import Day


def day_cells(
    day: Day,
    *,
    tz: ZoneInfo,
    status: Callable[[str], str],
    tone: Callable[[str], str],
    empty: str,
    missed: str,
    now: datetime,
) -> Markup:
    """The day's slots: a link to the post holding each, or an "empty slot" flag (``missed``
    once it is past: nothing can fill it any more, and the count above leaves it out)."""
    labels: dict[str, str] = {}
    parts = []
    for cell in day.cells:
        clock = cell.at.astimezone(tz).strftime("%H:%M")
        star = ' <span class="kind">★</span>' if cell.kind is PostKind.WEEKLY else ""
        channel = escape(cell.channel)
        if cell.post_id is None:
            kind, said = ("empty", empty) if cell.at > now else ("missed", missed)
            parts.append(
                f'<div class="slot {kind}"><time>{clock}</time> <span class="ch">{channel}</span>'
                f" <em>{escape(said)}</em>{star}</div>"
            )
            continue
        state = cell.state or ""
        if state not in labels:
            labels[state] = escape(status(state))
        title = escape(cell.title or "")
        said = (
            f' <span class="tone {cell.tone}">{escape(tone(cell.tone))}</span>' if cell.tone else ""
        )
        parts.append(
            f'<a class="slot {state}" href="/posts/{cell.post_id}" title="{title}">'
            f'<time>{clock}</time> <span class="ch">{channel}</span>{star}'
            f' <span class="title">{title}</span>'
            f' <span class="state {state}">{labels[state]}</span>{said}</a>'
        )
    return Markup("\n".join(parts))  # noqa: S704 - built from escaped parts above

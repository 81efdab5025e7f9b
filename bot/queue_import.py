"""``goodnews queue import``: many posts from a CSV file, all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import RecapError, UserError
from bot.domain.posts import PostKind
from bot.domain.recaps import decode_recap
from bot.domain.slots import check_year
from bot.services import queued

COLUMNS = ("text", "kind", "at", "channel")


def import_csv(
    session: Session, config: Config, *, data: bytes, source: str, approved: bool, now: datetime
) -> list[int]:
    """Queue every row; the first bad row raises with the line it starts on (the caller's
    transaction then writes nothing)."""
    ids: list[int] = []
    for line, row in _rows(decode_recap(data, source=source), source):
        try:
            text, kind, at, channels = _fields(row, config)
            post = queued.queue_post(
                session,
                config,
                text=text,
                kind=kind,
                at=at,
                channels=channels,
                approved=approved,
                reserve=False,
                now=now,
            )
        except (UserError, ValueError) as exc:
            raise RecapError(f"{source} line {line}: {exc}") from None
        assert post.id is not None
        ids.append(post.id)
    if not ids:
        raise RecapError(f"{source}: no rows to import")
    return ids


def _rows(text: str, source: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(the line a row starts on, its fields by column) for each non-blank row. Strict: a
    quote left open, a row with more fields than columns or a field over the csv module's
    limit is a one-line error naming the line, not a silent merge or a traceback."""
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] = []
    ended = 0  # the line the previous row ended on
    try:
        for fields in reader:
            start, ended = ended + 1, reader.line_num
            if not fields:
                continue
            if not header:
                header = _header(fields, source)
                continue
            if len(fields) > len(header):
                raise RecapError(
                    f"{source} line {start}: {len(fields)} fields, but the first line names "
                    f"{len(header)} columns ({', '.join(header)})"
                )
            yield start, dict(zip(header, fields, strict=False))
    except csv.Error as exc:
        why = str(exc)
        if "end of data" in why:
            why = "a quoted field is never closed"
        elif "field larger than field limit" in why:
            why = f"a field is longer than {csv.field_size_limit():,} characters"
        raise RecapError(f"{source} line {ended + 1}: {why}") from None
    if not header:
        raise RecapError(f"{source}: the first line must name the columns, with at least `text`")


def _header(fields: list[str], source: str) -> list[str]:
    header = [h.strip().lower() for h in fields]
    if "text" not in header:
        raise RecapError(f"{source}: the first line must name the columns, with at least `text`")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise RecapError(f"{source}: unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    return header


def _fields(
    row: dict[str, str], config: Config
) -> tuple[str, PostKind, datetime | None, list[str]]:
    kind = (row.get("kind") or "daily").strip().lower()
    if kind not in ("daily", "weekly"):
        raise ValueError(f"kind must be daily or weekly, got {kind!r}")
    at_text = (row.get("at") or "").strip()
    at = None
    if at_text:
        try:
            at = datetime.fromisoformat(at_text)
        except ValueError:
            raise ValueError(f"at: not an ISO 8601 instant: {at_text!r}") from None
        check_year("at", at.date())
        at = at if at.tzinfo is not None else at.replace(tzinfo=config.tz)
    channels = (row.get("channel") or "").replace(";", " ").split()
    return row.get("text") or "", PostKind(kind), at, channels

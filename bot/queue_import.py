"""``goodnews queue import``: many posts from a CSV file, all or nothing."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import RecapError, UserError
from bot.domain.posts import PostKind
from bot.domain.recaps import decode_recap
from bot.services import queued

COLUMNS = ("text", "kind", "at", "channel")


def import_csv(
    session: Session, config: Config, *, data: bytes, source: str, approved: bool, now: datetime
) -> list[int]:
    """Queue every row; the first bad row raises with its line number (the caller's
    transaction then writes nothing)."""
    text = decode_recap(data, source=source)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "text" not in header:
        raise RecapError(f"{source}: the first line must name the columns, with at least `text`")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise RecapError(f"{source}: unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    reader.fieldnames = header
    ids: list[int] = []
    for row in reader:
        line = reader.line_num
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


def _fields(
    row: dict[str, str | None], config: Config
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
        at = at if at.tzinfo is not None else at.replace(tzinfo=config.tz)
    channels = (row.get("channel") or "").replace(";", " ").split()
    return row.get("text") or "", PostKind(kind), at, channels

"""Drafting from files without storing anything, for ``goodnews draft preview``.

Only the domain, the format readers and the config file's ``[drafting]`` table are used here,
so previewing hundreds of files starts fast: no database, no pydantic.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bot import ingest
from bot.config_file import Drafting
from bot.domain import drafting, recaps, tone
from bot.domain.errors import N_, Text, UserError
from bot.domain.posts import PostKind


def preview_file(
    path: str, *, settings: Drafting, kind: PostKind, max_chars: int | None
) -> dict[str, Any]:
    """The draft of one file as a JSON-ready dict, or ``{"path", "error"}`` (the error a
    :class:`Text`: English in JSON, the reader's language where the CLI prints it)."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        error = Text(N_("{path}: cannot read: {reason}"), path=path, reason=exc.strerror)
        return {"path": path, "error": error}
    try:
        extracted = ingest.extract(data, source=path, filename=None if path == "-" else path)
        title, body = recaps.split_title(extracted.text)
        draft = drafting.draft_post(
            kind=kind,
            title=title,
            text=body,
            link=extracted.url,
            hashtags=settings.hashtags_for(kind),
            max_chars=max_chars or settings.max_chars_for(kind),
            opening=settings.opening_for(kind),
            closing=settings.closing_for(kind),
        )
    except UserError as exc:
        return {"path": path, "error": Text(exc.template, **exc.params)}
    judged = tone.judge(title, "\n\n".join(recaps.clean_body(body, title=title)))
    return {
        "path": path,
        "kind": kind.value,
        "title": draft.title,
        "text": drafting.render_plain(draft),
        "telegram_html": drafting.render_telegram_html(draft),
        "sentences": list(draft.sentences),
        "body_chars": len(draft.body),
        "photos": len(extracted.images),
        "tone": judged.tone.value,
        "tone_reasons": list(judged.reasons),
        "mixed": judged.mixed,
    }

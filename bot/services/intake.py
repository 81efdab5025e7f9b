"""Recap intake: read, validate and store a recap with its photos."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bot import ingest
from bot.domain import duplicates, recaps, tone
from bot.domain.errors import N_, DuplicateRecapError, InvalidStateError, RecapError
from bot.domain.posts import FEATURING
from bot.services.views import RecapView
from bot.storage import recap_rows
from bot.storage.media import save_photo

#: A title longer than this is not a title but a paragraph pasted on the first line.
MAX_TITLE_CHARS = 300


def store_recap(
    session: Session,
    *,
    data: bytes,
    source: str,
    title: str | None,
    url: str | None,
    filename: str | None = None,
    media_dir: Path | None = None,
    submitted_by: int | None = None,
    photos: Sequence[ingest.Image] = (),
    unit: str | None = None,
) -> RecapView:
    """Read, validate and store a recap with its photos; nothing is written when it is unusable.

    Text, Markdown, saved news pages (HTML) and Word documents are read; the original bytes
    are kept beside the text that was read and the cleaned paragraphs.
    """
    if url is not None and not url.startswith(("http://", "https://")):
        raise RecapError(N_("--url must start with http:// or https://, got {url!r}"), url=url)
    extracted = ingest.extract(data, source=source, filename=filename)
    title, body = _title_and_body(extracted.text, title, source)
    cleaned = recaps.clean_body(body, title=title)
    if not cleaned:
        raise RecapError(
            N_("{source}: nothing is left once captions, bylines and footers are removed"),
            source=source,
        )
    # Tone and no story twice: an identical recap is refused, a near one marked.
    joined = "\n\n".join(cleaned)
    repeated = recap_rows.repeated_recap(
        session, title=title, cleaned=joined, now=datetime.now(UTC)
    )
    if repeated is not None and repeated.kind is duplicates.Kind.IDENTICAL:
        raise DuplicateRecapError(repeated.ref)
    recap = recap_rows.add_recap(
        session,
        judgement=tone.judge(title, joined),
        content_hash=duplicates.content_hash(joined),
        duplicate_of=repeated.ref if repeated is not None else None,
        title=title,
        text=body,
        cleaned=joined,
        format=extracted.format,
        original=data,
        source_url=url or extracted.url,
        source_name=source,
        submitted_by=submitted_by,
        unit=unit,
    )
    assert recap.id is not None
    for position, image in enumerate([*extracted.images, *photos], start=1):
        path = None
        if image.data and media_dir is not None:
            path = save_photo(media_dir, image)
        elif not image.url:
            continue  # an embedded photo with nowhere to keep it
        recap_rows.add_recap_photo(
            session,
            recap_id=recap.id,
            position=position,
            mime=image.mime,
            sha256=image.sha256 if image.data else None,
            path=path,
            url=image.url,
        )
    return RecapView.of(recap)


def delete_recap(session: Session, *, recap_id: int) -> None:
    """Delete a recap, refused while a post that went out or will uses it; pending and
    rejected drafts keep their text and lose the link to it."""
    drafted = recap_rows.posts_from_recaps(session, recap_ids=[recap_id]).get(recap_id, [])
    keeping = [post for post in drafted if post.status in FEATURING]
    if keeping:
        raise InvalidStateError(
            N_("recap {recap_id} is used by post {post_id} ({status}): it is kept"),
            recap_id=recap_id,
            post_id=keeping[0].id,
            status=keeping[0].status.value,
        )
    recap_rows.delete_recap(session, recap_id=recap_id)


def _title_and_body(text: str, title: str | None, source: str) -> tuple[str, str]:
    """The given title, or the first line; a title that is really a paragraph is refused."""
    if title is None:
        title, body = recaps.split_title(text)
    else:
        title, body = title.strip(), text
    if not title:
        raise RecapError(N_("{source}: the recap has no title line; pass --title"), source=source)
    if len(title) > MAX_TITLE_CHARS:
        raise RecapError(
            N_(
                "{source}: the first line is {count} characters, too long for a title; "
                "put the title on its own first line or pass --title"
            ),
            source=source,
            count=len(title),
        )
    if not body.strip():
        raise RecapError(N_("{source}: the recap has a title but no text"), source=source)
    return title, body

"""Tomorrow's empty slots, as one unit of work: the drafts made for them (each recorded with
its approval request) and the warning recorded as an event, or none of it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import UserError
from bot.domain.notices import SlotsEmpty, slot_key
from bot.domain.posts import PostKind
from bot.services import drafter, scheduling
from bot.storage import event_rows


def warn_empty_tomorrow(session: Session, config: Config, *, now: datetime) -> SlotsEmpty | None:
    """If tomorrow has slots not warned about yet: a draft per audience and kind from the
    unused recaps, and the warning to the admins and officers (None: nothing new to say)."""
    day = (now.astimezone(config.tz) + timedelta(days=1)).date()
    prefix = f"empty:{day.isoformat()}:"
    warned = {
        slot_key(slot)
        for notice in event_rows.notices_with(session, prefix=prefix)
        if isinstance(notice, SlotsEmpty)
        for slot in notice.slots
    }
    slots = [
        (slot.at, slot.channel, PostKind(slot.kind).value, config.audience_of_channel(slot.channel))
        for slot in scheduling.empty_slots_tomorrow(session, config, now=now)
    ]
    slots = [slot for slot in slots if slot_key(slot) not in warned]
    if not slots:
        return None
    drafted: list[tuple[int, str | None]] = []
    missing: list[tuple[str, str | None]] = []
    for audience, kind in dict.fromkeys((audience, kind) for _, _, kind, audience in slots):
        try:
            with session.begin_nested():  # a kind with no recap left leaves nothing behind
                post = drafter.draft(session, config, kind=PostKind(kind), recap_id=None,
                                     unit=audience)  # fmt: skip
        except UserError:
            missing.append((kind, audience))
            continue
        assert post.id is not None
        drafted.append((post.id, audience))
    notice = SlotsEmpty(day, tuple(slots), tuple(drafted), tuple(missing))
    if not event_rows.record(session, notice=notice):
        return None  # another worker warned about these at the same moment
    return notice

"""What people must hear (admins, officers): plain data, recorded as an event in the
transaction of the change that caused it and rendered in chat in each reader's language.
Each notice has a ``key``: one cause gives one event, on any worker, however many times
the worker meets it (the keys are remembered in the database).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import ClassVar, get_args


@dataclass(frozen=True)
class ChannelName:
    """A channel as people know it (its title, @username or Page name; the config's name
    until the platform said), and where to open it (None: a private chat, not linkable)."""

    label: str
    url: str | None = None


class _Keyed:
    """A notice whose ``key`` is its kind's ``key_format`` filled in with its fields."""

    key_format: ClassVar[str]

    @property
    def key(self) -> str:
        return self.key_format.format_map(vars(self))


@dataclass(frozen=True)
class CaughtUp(_Keyed):
    """A publication missed its slot while no worker ran and moved to the next free one."""

    post_id: int
    channel: str
    missed: datetime
    moved_to: datetime

    key_format = "caught-up:{post_id}:{channel}:{missed:%Y%m%dT%H%M}"


@dataclass(frozen=True)
class _PublicationNotice(_Keyed):
    """A publication that needs a person. The attempt count in its key makes a second
    failure after a Retry a new cause."""

    publication_id: int
    post_id: int
    channel: str
    reason: str
    attempts: int


@dataclass(frozen=True)
class PublishFailed(_PublicationNotice):
    """A publication failed for good (refused, or out of attempts); it can be retried."""

    key_format = "failed:{publication_id}:{attempts}"


@dataclass(frozen=True)
class OutcomeUnknown(_PublicationNotice):
    """A publication may or may not have gone out; a person checks the channel and says."""

    key_format = "unknown:{publication_id}:{attempts}"


@dataclass(frozen=True)
class ChannelHeld(_Keyed):
    """A channel's credentials or permissions need a person; its posts wait, not fail."""

    channel: str
    platform: str  # "telegram" | "facebook"
    reason: str
    since: datetime
    token_expired: bool

    key_format = "held:{channel}:{since:%Y%m%dT%H%M%S}"


@dataclass(frozen=True)
class CollectionHeld(_Keyed):
    """Reading a channel's reactions and views back needs a person (a token, a right);
    its collection waits, publishing goes on."""

    channel: str
    reason: str
    since: datetime

    key_format = "collection-held:{channel}:{since:%Y%m%dT%H%M%S}"


@dataclass(frozen=True)
class Published(_Keyed):
    """A post is out on all its channels: the officer whose recap it came from hears it."""

    post_id: int

    key_format = "published:{post_id}"


@dataclass(frozen=True)
class ApprovalRequested(_Keyed):
    """A draft waits for the admins (drafted, or back to pending): each admin of the moment
    gets it with its buttons; the officer who wrote it hears it waits, once an admin has it.
    ``round``: the how-many-th request for this post (an unapproved post is asked again)."""

    post_id: int
    round: int

    key_format = "approval:{post_id}:{round}"


@dataclass(frozen=True)
class Decided(_Keyed):
    """The admins approved (for ``slot``) or rejected a post: the officer whose recap it came
    from hears it. ``round``: the how-many-th decision on this post (unapproved, it is
    decided again)."""

    post_id: int
    approved: bool
    slot: datetime | None
    round: int

    key_format = "decided:{post_id}:{round}"


@dataclass(frozen=True)
class PostChanged(_Keyed):
    """A post changed (decided, voted on, rewritten, withdrawn, corrected): each admin's copy
    of its approval request shows it as it now stands. ``who``: the name a decision is shown
    with; ``votes``: a vote short of the quorum, the votes so far shown under the draft.
    ``round``: the how-many-th change of this post."""

    post_id: int
    round: int
    who: str
    votes: bool = False

    key_format = "changed:{post_id}:{round}"


@dataclass(frozen=True)
class ReasonGiven(_Keyed):
    """An admin said why a post was rejected: the officer whose post it was hears it."""

    post_id: int
    officer: int
    reason: str
    at: datetime

    key_format = "reason:{post_id}:{at:%Y%m%dT%H%M%S%f}"


@dataclass(frozen=True)
class SlotsEmpty:
    """Tomorrow has slots no post fills: the admins hear all of them, each officer those of
    their unit (or the organisation's). Each slot is ``(at, channel, kind, audience)``; the
    drafts made for them and the kinds no recap was left for are ``(id | kind, audience)``."""

    day: date
    slots: tuple[tuple[datetime, str, str, str | None], ...]
    drafted: tuple[tuple[int, str | None], ...]
    missing: tuple[tuple[str, str | None], ...]

    @property
    def key(self) -> str:
        # The slots themselves: warning again about the same ones is the same cause.
        slots = ",".join(slot_key(s) for s in self.slots).encode()
        return f"empty:{self.day.isoformat()}:{hashlib.sha256(slots).hexdigest()[:32]}"

    @classmethod
    def decode(cls, data: dict[str, object]) -> SlotsEmpty:
        rows = data["slots"], data["drafted"], data["missing"]
        slots, drafted, missing = (list(r) if isinstance(r, list) else [] for r in rows)
        return cls(
            date.fromisoformat(str(data["day"])),
            tuple((datetime.fromisoformat(a), c, k, u) for a, c, k, u in slots),
            tuple((int(i), u) for i, u in drafted),
            tuple((str(k), u) for k, u in missing),
        )


def slot_key(slot: tuple[datetime, str, str, str | None]) -> str:
    at, channel, kind, _audience = slot
    return f"{channel}:{kind}:{at:%Y%m%dT%H%M}"


@dataclass(frozen=True)
class WeekEnded(_Keyed):
    """A week (Monday ``start`` to Sunday, local) is over: the admins get its summary, as
    it stood at ``at`` (when it was found due)."""

    start: date
    at: datetime

    key_format = "summary:{start}"


Notice = (
    CaughtUp
    | PublishFailed
    | OutcomeUnknown
    | ChannelHeld
    | CollectionHeld
    | Published
    | ApprovalRequested
    | Decided
    | PostChanged
    | ReasonGiven
    | SlotsEmpty
    | WeekEnded
)

#: Notices the admins hear about as alerts (rendered by :func:`bot.chat.alerts.render`).
ADMIN_NOTICES = (CaughtUp, PublishFailed, OutcomeUnknown, ChannelHeld, CollectionHeld)
_BY_NAME: dict[str, type[Notice]] = {kind.__name__: kind for kind in get_args(Notice)}


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def to_payload(notice: Notice) -> str:
    """The notice as stored with its event: its kind and fields, instants in ISO 8601."""
    data = {k: _plain(v) for k, v in asdict(notice).items()}
    return json.dumps({"kind": type(notice).__name__, **data}, ensure_ascii=False)


def from_payload(text: str) -> Notice:
    data = json.loads(text)
    kind = _BY_NAME[data.pop("kind")]
    if kind is SlotsEmpty:
        return SlotsEmpty.decode(data)
    for field in fields(kind):
        if field.type in ("datetime", "datetime | None") and data[field.name] is not None:
            data[field.name] = datetime.fromisoformat(data[field.name])
        elif field.type == "date":
            data[field.name] = date.fromisoformat(data[field.name])
    return kind(**data)

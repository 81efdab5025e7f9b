"""What the worker has to tell the admins: plain data, rendered in chat by each reader's
language. Each notice has a ``key``: one cause gives one message, on any worker, however
many times the worker meets it (the keys are remembered in the database).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime


@dataclass(frozen=True)
class CaughtUp:
    """A publication missed its slot while no worker ran and moved to the next free one."""

    post_id: int
    channel: str
    missed: datetime
    moved_to: datetime

    @property
    def key(self) -> str:
        return f"caught-up:{self.post_id}:{self.channel}:{self.missed:%Y%m%dT%H%M}"


@dataclass(frozen=True)
class _PublicationNotice:
    publication_id: int
    post_id: int
    channel: str
    reason: str
    attempts: int

    prefix = ""

    @property
    def key(self) -> str:
        # The attempt count makes a second failure after a Retry a new cause.
        return f"{self.prefix}:{self.publication_id}:{self.attempts}"


@dataclass(frozen=True)
class PublishFailed(_PublicationNotice):
    """A publication failed for good (refused, or out of attempts); it can be retried."""

    prefix = "failed"


@dataclass(frozen=True)
class OutcomeUnknown(_PublicationNotice):
    """A publication may or may not have gone out; a person checks the channel and says."""

    prefix = "unknown"


@dataclass(frozen=True)
class ChannelHeld:
    """A channel's credentials or permissions need a person; its posts wait, not fail."""

    channel: str
    platform: str  # "telegram" | "facebook"
    reason: str
    since: datetime
    token_expired: bool

    @property
    def key(self) -> str:
        return f"held:{self.channel}:{self.since:%Y%m%dT%H%M%S}"


@dataclass(frozen=True)
class CollectionHeld:
    """Reading a channel's reactions and views back needs a person (a token, a right);
    its collection waits, publishing goes on."""

    channel: str
    reason: str
    since: datetime

    @property
    def key(self) -> str:
        return f"collection-held:{self.channel}:{self.since:%Y%m%dT%H%M%S}"


@dataclass(frozen=True)
class Published:
    """A post is out on all its channels: the officer whose recap it came from hears it."""

    post_id: int

    @property
    def key(self) -> str:
        return f"published:{self.post_id}"


Notice = CaughtUp | PublishFailed | OutcomeUnknown | ChannelHeld | CollectionHeld | Published

#: Notices the admins hear about, delivered from the events outbox (a Published notice goes
#: to the officer as the post's story, not from the outbox).
ADMIN_NOTICES = (CaughtUp, PublishFailed, OutcomeUnknown, ChannelHeld, CollectionHeld)
_BY_NAME: dict[str, type[Notice]] = {kind.__name__: kind for kind in (*ADMIN_NOTICES, Published)}


def to_payload(notice: Notice) -> str:
    """The notice as stored with its event: its kind and fields, instants in ISO 8601."""
    data = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(notice).items()}
    return json.dumps({"kind": type(notice).__name__, **data}, ensure_ascii=False)


def from_payload(text: str) -> Notice:
    data = json.loads(text)
    kind = _BY_NAME[data.pop("kind")]
    for field in fields(kind):
        if field.type == "datetime":
            data[field.name] = datetime.fromisoformat(data[field.name])
    return kind(**data)

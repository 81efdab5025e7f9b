"""Tables. The database is the source of truth for recaps, posts, slots and publications.

Every command that touches the database builds these classes, so they are kept cheap to
build: real annotations (no ``from __future__ import annotations``: pydantic and SQLAlchemy
would each parse every one from a string) and pydantic's validators built on first use
(tables are filled by the ORM, rarely validated).
"""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig  # the type SQLModel.model_config has

from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage.types import StrEnumType, UTCDateTime


class Table(SQLModel):
    """The base of every table (:mod:`bot.storage.metrics` too)."""

    model_config = SQLModelConfig(defer_build=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Recap(Table, table=True):
    """A report of an event as an officer stored it.

    ``original`` keeps the bytes exactly as given (a .docx, a saved page); ``text`` is what was
    read from them (without the title line) and ``cleaned`` the paragraphs left once the
    noise is gone, which is what drafting works from.
    """

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    cleaned: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    format: str = Field(default="text", max_length=16, sa_column_kwargs={"server_default": "text"})
    original: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    source_url: str | None = Field(default=None, max_length=2000)
    source_name: str | None = Field(default=None, max_length=500)
    submitted_by: int | None = Field(default=None, sa_type=BigInteger)  # the officer, in chat
    #: The member unit whose news this is (``[[units]]`` id); None: the organisation's own.
    unit: str | None = Field(default=None, max_length=32, index=True)
    #: :mod:`bot.domain.tone`: "positive", "neutral" or "negative" (None: stored before tone
    #: was judged), the words that decided it (one per line) and whether a negative recap
    #: has a positive human element an editor could lead with.
    tone: str | None = Field(default=None, max_length=16)
    tone_reasons: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    tone_mixed: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    #: :func:`bot.domain.duplicates.content_hash` of the cleaned text: identical recaps are
    #: refused; ``duplicate_of`` is the earlier recap a near-duplicate tells the story of.
    content_hash: str | None = Field(default=None, max_length=64, index=True)
    duplicate_of: int | None = Field(default=None, foreign_key="recap.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RecapPhoto(Table, table=True):
    """A photo that came with a recap, for the weekly story: a stored file or a remote URL."""

    __table_args__ = (UniqueConstraint("recap_id", "position", name="uq_recapphoto_position"),)

    id: int | None = Field(default=None, primary_key=True)
    recap_id: int = Field(foreign_key="recap.id", index=True)
    position: int  # order in the recap, from 1
    mime: str = Field(max_length=64)
    sha256: str | None = Field(default=None, max_length=64)
    path: str | None = Field(default=None, max_length=500)  # relative to media_dir
    url: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Post(Table, table=True):
    """One post, the same text for every channel it goes to.

    ``slot`` is when it first goes out (its publications hold the time per channel);
    ``pinned_at`` is set for a post queued for an exact instant, which takes no cadence slot;
    ``reserve`` marks an approved evergreen post kept to fill a slot that would go empty.
    """

    __table_args__ = (
        # By status, and (each pass) which published posts have not gone to followers yet:
        # one composite index serves both, on SQLite's planner as on PostgreSQL's.
        Index("ix_post_status_broadcast", "status", "broadcast_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: PostKind = Field(sa_type=StrEnumType(PostKind), nullable=False)
    status: PostStatus = Field(
        default=PostStatus.PENDING, sa_type=StrEnumType(PostStatus), nullable=False
    )
    title: str = Field(max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=2000)
    hashtags: str = Field(default="", max_length=500)  # space-separated, as rendered
    recap_id: int | None = Field(default=None, foreign_key="recap.id", index=True)
    channels: str | None = Field(default=None, max_length=2000)  # space-separated; None: all
    #: Whose news it is (its recap's unit); None: the organisation's own.
    unit: str | None = Field(default=None, max_length=32, index=True)
    #: Where it goes: a unit's channels (its id), or None: the organisation's channels (all
    #: channels in a config without units). Unless ``channels`` names them one by one.
    audience: str | None = Field(default=None, max_length=32)
    #: When the fair rotation chose this post's recap (a draft for the organisation in a
    #: config with units): how many other units had a recap waiting; None: not its choice.
    rotation_waiting: int | None = Field(default=None)
    #: ... and when the post's unit was last featured before it (None: never).
    rotation_last_featured: datetime | None = Field(default=None, sa_type=UTCDateTime)
    slot: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    pinned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reserve: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    #: Its recap's tone and reasons (:mod:`bot.domain.tone`), shown to the admins who approve
    #: it; None: a post written by hand, judged from its own text when shown.
    tone: str | None = Field(default=None, max_length=16)
    tone_reasons: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    #: Optional rewriting (:mod:`bot.rewriting`): the extractive body while ``body`` is the
    #: model's rewrite, and a note on which version the body is and why (JSON; None: off).
    extractive_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rewrite_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: When the followers' deliveries were created (once published); None: not yet.
    broadcast_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)  # Telegram user id
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PostPhoto(Table, table=True):
    """A photo published with a post, in order: a file in ``media_dir``, named by content.

    Drafting from a recap copies the recap's stored photos; ``queue add --photo`` adds files.
    """

    __table_args__ = (UniqueConstraint("post_id", "position", name="uq_postphoto_position"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    position: int  # order in the post, from 1
    mime: str = Field(max_length=64)
    sha256: str = Field(max_length=64)
    path: str = Field(max_length=500)  # relative to media_dir
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


_HOLDS_SLOT = "status IN ('scheduled', 'claimed', 'sending', 'sent') AND NOT pinned"
#: Never two posts of one kind in one slot on one channel, whatever the race. PostgreSQL's
#: WHERE is added by :func:`partial_on_postgresql`: naming ``postgresql_where`` here would
#: load SQLAlchemy's PostgreSQL dialect in every SQLite command (a tenth of its start).
_SLOT_INDEX = Index(
    "uq_publication_channel_slot",
    "channel",
    "kind",
    "due_at",
    unique=True,
    sqlite_where=text(_HOLDS_SLOT),
)


def partial_on_postgresql() -> None:
    """Make the slot index partial on PostgreSQL too (called when a PostgreSQL engine is made)."""
    _SLOT_INDEX.dialect_kwargs["postgresql_where"] = text(_HOLDS_SLOT)


class Publication(Table, table=True):
    """One post on one channel at one instant: the unit that is scheduled, claimed and sent.

    The row exists before any network call, so no outcome is ever lost; its unique
    (post, channel) key means a post can reach a channel once.
    """

    __table_args__ = (
        UniqueConstraint("post_id", "channel", name="uq_publication_post_channel"),
        # What every tick asks: which scheduled publications are due.
        Index("ix_publication_status_due", "status", "due_at"),
        _SLOT_INDEX,
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    channel: str = Field(max_length=64)
    kind: PostKind = Field(
        sa_type=StrEnumType(PostKind), nullable=False, sa_column_kwargs={"server_default": "daily"}
    )
    status: PublicationStatus = Field(
        default=PublicationStatus.SCHEDULED,
        sa_type=StrEnumType(PublicationStatus),
        nullable=False,
    )
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pinned: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    claimed_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: After a retryable failure: not before this instant (``due_at`` keeps the slot held).
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    external_id: str | None = Field(default=None, max_length=500)
    #: Every message the post became on the channel, comma-separated, when it became several
    #: (an album's photos, the text sent after them); None: ``external_id`` alone.
    message_ids: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Person(Table, table=True):
    """Someone who wrote to the bot: the language their Telegram app reports, so messages the
    bot sends first (approval requests, alerts) are in it too."""

    user_id: int = Field(primary_key=True, sa_type=BigInteger)
    language_code: str | None = Field(default=None, max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Subscriber(Table, table=True):
    """A follower who gets the good news by direct message (/start; /stop ends it)."""

    chat_id: int = Field(primary_key=True, sa_type=BigInteger)
    language_code: str | None = Field(default=None, max_length=16)
    active: bool = Field(default=True, index=True)
    subscribed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    left_reason: str | None = Field(default=None, max_length=100)
    #: The units whose news the follower gets (space-separated ids); None: all. The
    #: organisation's own news go to every follower.
    units: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Delivery(Table, table=True):
    """One post to one follower: written before the message is sent, so a restart resumes
    where it stopped and nobody gets the same update twice."""

    __table_args__ = (
        UniqueConstraint("post_id", "chat_id", name="uq_delivery_post_chat"),
        Index("ix_delivery_status_retry", "status", "retry_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id")
    chat_id: int = Field(sa_type=BigInteger)
    status: str = Field(
        default="pending", max_length=16
    )  # pending|claimed|sending|sent|blocked|failed|unknown
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=500)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(Table, table=True):
    """An admin's approval of a pending draft, counted toward ``telegram.quorum``."""

    post_id: int = Field(foreign_key="post.id", primary_key=True)
    user_id: int = Field(primary_key=True, sa_type=BigInteger)
    name: str = Field(default="", max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Grant(Table, table=True):
    """A role given in chat by an owner (on top of the ids in config)."""

    user_id: int = Field(primary_key=True, sa_type=BigInteger)
    role: str = Field(primary_key=True, max_length=16)  # admin | officer
    granted_by: int | None = Field(default=None, sa_type=BigInteger)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuditEntry(Table, table=True):
    """Who changed what, when: every state change a person makes, from chat or the CLI."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor: int | None = Field(default=None, sa_type=BigInteger, index=True)  # None: the CLI
    action: str = Field(max_length=32)
    post_id: int | None = Field(default=None, index=True)
    before: str | None = Field(default=None, max_length=200)
    after: str | None = Field(default=None, max_length=200)
    detail: str | None = Field(default=None, max_length=500)


class ChannelState(Table, table=True):
    """What changed about a channel at run time: paused by a person, or held because its
    credentials or permissions need a person (an expired Page token, the bot removed)."""

    name: str = Field(primary_key=True, max_length=64)
    paused: bool = Field(default=False)
    held_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_reason: str | None = Field(default=None, sa_column=Column(Text))
    #: How people know the channel (a Telegram channel's title or @username, a Facebook
    #: Page's name), as its platform last said; None: not asked yet.
    title: str | None = Field(default=None, max_length=256)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ApprovalMessage(Table, table=True):
    """One copy of an approval request an admin received, so that every copy can be updated
    on a decision: an admin may hold several of one post (/pending, /post N, a new round
    after an unapprove), and none may keep live buttons once the post is decided."""

    __table_args__ = (
        UniqueConstraint("post_id", "chat_id", "message_id", name="uq_approval_copy"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Event(Table, table=True):
    """Something people must hear about (the outbox), recorded in the transaction of the
    change that caused it; one cause (``key``) gives one event, on any worker."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    expanded: bool = Field(default=False, index=True)  # its deliveries are listed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class EventDelivery(Table, table=True):
    """One event to one recipient of one subscriber (the admins' alerts …): ``done`` only
    after the message went out, retried with backoff until then."""

    __table_args__ = (
        UniqueConstraint("event_id", "subscriber", "recipient", name="uq_event_delivery"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    subscriber: str = Field(max_length=40)
    recipient: int = Field(sa_type=BigInteger)
    status: str = Field(default="pending", max_length=16, index=True)  # pending, done, failed
    attempts: int = Field(default=0)
    next_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_column=Column(Text))


class Heartbeat(Table, table=True):
    """The last sweep of each worker (and `tick`), for `goodnews health` and /healthz."""

    worker: str = Field(primary_key=True, max_length=200)  # host:pid (host for tick)
    beat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class LoginLink(Table, table=True):
    """A one-time dashboard login printed by ``goodnews web --login-link``: only a digest of
    its secret is kept, and ``used_at`` is set by the one request that may use it."""

    digest: str = Field(primary_key=True, max_length=64)  # SHA-256 of the link's secret
    user_id: int = Field(sa_type=BigInteger)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

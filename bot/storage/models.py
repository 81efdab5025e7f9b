"""Tables. The database is the source of truth for recaps, posts, slots and publications."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage.types import StrEnumType, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Recap(SQLModel, table=True):
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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RecapPhoto(SQLModel, table=True):
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


class Post(SQLModel, table=True):
    """One post, the same text for every channel; its slot says when it goes out."""

    __table_args__ = (
        # Never two posts of one kind in one slot, even under concurrent approvals.
        Index(
            "uq_post_kind_slot_taken",
            "kind",
            "slot",
            unique=True,
            sqlite_where=text("status IN ('scheduled', 'publishing', 'published')"),
            postgresql_where=text("status IN ('scheduled', 'publishing', 'published')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: PostKind = Field(sa_type=StrEnumType(PostKind), nullable=False)
    status: PostStatus = Field(
        default=PostStatus.PENDING, sa_type=StrEnumType(PostStatus), nullable=False, index=True
    )
    title: str = Field(max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=2000)
    hashtags: str = Field(default="", max_length=500)  # space-separated, as rendered
    recap_id: int | None = Field(default=None, foreign_key="recap.id", index=True)
    slot: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)  # Telegram user id
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Publication(SQLModel, table=True):
    """One post on one channel. Written before the network call, so no outcome is lost."""

    __table_args__ = (UniqueConstraint("post_id", "channel", name="uq_publication_post_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    channel: str = Field(max_length=64)
    status: PublicationStatus = Field(
        default=PublicationStatus.CLAIMED, sa_type=StrEnumType(PublicationStatus), nullable=False
    )
    external_id: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, sa_column=Column(Text))
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApprovalMessage(SQLModel, table=True):
    """The approval request an admin received, so every copy can be updated on a decision."""

    __table_args__ = (UniqueConstraint("post_id", "chat_id", name="uq_approval_post_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

"""Storage on SQLite and PostgreSQL: migrations, aware UTC timestamps, atomic claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.domain.errors import ConfigError, NotFoundError
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.services import queries
from bot.storage import db, post_rows, publication_rows, recap_rows
from bot.storage.db import session_scope
from bot.storage.models import ApprovalMessage, Post, Publication


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    return engine


def _post(engine: Engine, **fields: object) -> int:
    with session_scope(engine) as session:
        post = post_rows.add_post(
            session, kind=PostKind.DAILY, title="T", body="B", link=None, hashtags=(), recap_id=None
        )
        for key, value in fields.items():
            setattr(post, key, value)
        session.add(post)
        session.flush()
        assert post.id is not None
        return post.id


def test_upgrade_creates_then_is_a_no_op(database_url: str) -> None:
    engine = db.make_engine(database_url)
    with pytest.raises(ConfigError, match="run `goodnews init`"):
        db.check_schema(engine)
    head = db.head_revision(engine)
    assert db.upgrade(engine) == (None, head)
    assert db.upgrade(engine) == (head, head)
    db.check_schema(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"recap", "recapphoto", "post", "publication", "approvalmessage"} <= tables


def test_timestamps_come_back_aware_utc(engine: Engine) -> None:
    slot = datetime(2026, 12, 1, 7, 30, tzinfo=timezone(timedelta(hours=7)))
    post_id = _post(engine, slot=slot, status=PostStatus.SCHEDULED)
    with session_scope(engine) as session:
        stored = post_rows.get_post(session, post_id=post_id)
        assert stored.slot == slot
        assert stored.slot is not None and stored.slot.utcoffset() == timedelta(0)
        assert stored.kind is PostKind.DAILY and stored.status is PostStatus.SCHEDULED


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        _post(engine, slot=datetime(2026, 12, 1, 7, 30))  # noqa: DTZ001


def _schedule(engine: Engine, post_id: int, channel: str, due: datetime) -> None:
    with session_scope(engine) as session:
        publication_rows.schedule_publication(
            session,
            post_id=post_id,
            channel=channel,
            kind=PostKind.DAILY,
            due_at=due,
            pinned=False,
        )


def test_claims_are_exclusive_and_leases_recover(engine: Engine) -> None:
    due = datetime(2026, 12, 1, tzinfo=UTC)
    post_id = _post(engine, status=PostStatus.SCHEDULED)
    _schedule(engine, post_id, "tg", due)
    _schedule(engine, post_id, "fb", due)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        first = publication_rows.claim_due(
            session,
            worker="a",
            due_by=due,
            now=now,
            lease_until=now + timedelta(minutes=5),
            limit=1,
        )
    with session_scope(engine) as session:
        second = publication_rows.claim_due(
            session,
            worker="b",
            due_by=due,
            now=now,
            lease_until=now - timedelta(seconds=1),
            limit=5,
        )
        third = publication_rows.claim_due(
            session, worker="c", due_by=due, now=now, lease_until=now, limit=5
        )
    assert [p.channel for p in first] == ["tg"] and [p.channel for p in second] == ["fb"]
    assert third == []
    with session_scope(engine) as session:
        assert (
            publication_rows.mark_sending(session, publication_id=first[0].id or 0, worker="b")
            is False
        )
        assert (
            publication_rows.mark_sending(session, publication_id=second[0].id or 0, worker="b")
            is True
        )
    # b's lease ran out while sending: unknown, never sent again; a's claim is untouched.
    with session_scope(engine) as session:
        requeued, unknown = publication_rows.recover_expired(session, now=now)
    assert requeued == 0 and [p.channel for p in unknown] == ["fb"]
    with session_scope(engine) as session:
        statuses = {
            p.channel: p.status for p in publication_rows.publications(session, post_id=post_id)
        }
    assert statuses == {"tg": PublicationStatus.CLAIMED, "fb": PublicationStatus.UNKNOWN}
    # a's lease runs out before it started sending: back to scheduled, claimable again.
    with session_scope(engine) as session:
        requeued, unknown = publication_rows.recover_expired(
            session, now=now + timedelta(minutes=6)
        )
    assert requeued == 1 and unknown == []
    with session_scope(engine) as session:
        again = publication_rows.claim_due(
            session,
            worker="d",
            due_by=due,
            now=now,
            lease_until=now + timedelta(minutes=5),
            limit=5,
        )
    assert [p.channel for p in again] == ["tg"]


def test_one_publication_per_post_and_channel(engine: Engine) -> None:
    post_id = _post(engine)
    _schedule(engine, post_id, "tg", datetime(2026, 12, 1, tzinfo=UTC))
    with session_scope(engine) as session:
        session.add(Publication(post_id=post_id, channel="tg", kind=PostKind.DAILY))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_two_posts_of_a_kind_cannot_hold_one_slot_on_a_channel(engine: Engine) -> None:
    slot = datetime(2026, 12, 1, tzinfo=UTC)
    first, second, third = (_post(engine) for _ in range(3))
    _schedule(engine, first, "tg", slot)
    _schedule(engine, second, "fb", slot)  # another channel: fine
    with session_scope(engine) as session:
        publication_rows.cancel_publications(session, post_id=first)
    _schedule(engine, third, "tg", slot)  # a cancelled publication holds nothing
    with pytest.raises(IntegrityError):
        _schedule(engine, first, "tg", slot)


def test_unknown_ids_are_clear_errors(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="no post with id 99"):
        post_rows.get_post(session, post_id=99)


def test_session_scope_rolls_back_everything_on_error(engine: Engine) -> None:
    def fail_halfway() -> None:
        with session_scope(engine) as session:
            recap_rows.add_recap(session, title="t", text="x", source_url=None, source_name=None)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_halfway()
    with session_scope(engine) as session:
        assert recap_rows.newest_unused_recap(session, kind=PostKind.DAILY) is None


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_MS


def test_bad_database_urls_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        db.make_engine("nonsense")
    with pytest.raises(ConfigError, match="only sqlite and postgresql"):
        db.make_engine("mysql://u@h/d")
    assert db.normalise_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert Post.__tablename__ == "post"


def test_the_slot_index_is_partial_on_postgresql_too() -> None:
    """Its PostgreSQL WHERE is added with a PostgreSQL engine (not at import, which would
    load that dialect on SQLite), so the metadata matches migration 0003 on both."""
    from sqlmodel import SQLModel

    import bot.storage.models  # noqa: F401 - registers the tables

    db.make_engine("postgresql://u@localhost/d")  # no connection is made
    indexes = SQLModel.metadata.tables["publication"].indexes
    (index,) = (i for i in indexes if i.name == "uq_publication_channel_slot")
    assert str(index.dialect_options["postgresql"]["where"]) == str(
        index.dialect_options["sqlite"]["where"]
    )


def _downgrade(engine: Engine, to: str) -> None:
    """Alembic down to revision ``to``, on the connection as `goodnews init` hands it over."""
    from alembic import command

    cfg = db.alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, to)


def _refused_copy(engine: Engine, post_id: int, *, chat_id: int, message_id: int) -> None:
    """The database itself refuses this copy of the request (its unique constraint)."""
    with session_scope(engine) as session:
        session.add(ApprovalMessage(post_id=post_id, chat_id=chat_id, message_id=message_id))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_an_admin_keeps_every_copy_and_0021_migrates_the_copies_kept(engine: Engine) -> None:
    # Every copy of a request an admin got is kept (the first one and /pending's): each one
    # follows the post; the same message twice is one copy. Migration 0021 keeps the rows of
    # a database that held one copy per admin, and going back keeps each admin's newest.
    post_id = _post(engine)
    with session_scope(engine) as session:
        for chat_id, message_id in ((111, 10), (222, 10), (111, 11), (111, 11)):
            post_rows.add_approval_message(
                session, post_id=post_id, chat_id=chat_id, message_id=message_id
            )

    def copies() -> list[tuple[int, int]]:
        with session_scope(engine) as session:
            rows = post_rows.approval_messages(session, post_id=post_id)
            return [(row.chat_id, row.message_id) for row in rows]

    assert copies() == [(111, 10), (222, 10), (111, 11)]
    with session_scope(engine) as session:
        assert queries.admins_have_it(session, post_id=post_id) is True
    _downgrade(engine, "0020")
    assert copies() == [(222, 10), (111, 11)]
    _refused_copy(engine, post_id, chat_id=111, message_id=12)
    assert db.upgrade(engine) == ("0020", db.head_revision())
    assert copies() == [(222, 10), (111, 11)]
    with session_scope(engine) as session:
        post_rows.add_approval_message(session, post_id=post_id, chat_id=111, message_id=12)
    assert copies() == [(222, 10), (111, 11), (111, 12)]
    _refused_copy(engine, post_id, chat_id=111, message_id=12)


def test_the_migrations_build_exactly_the_models(database_url: str) -> None:
    """Alembic's autogenerate finds nothing to add: no model change lacks its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import bot.storage.metrics  # the engagement tables, too
    import bot.storage.models  # noqa: F401 - registers every table on SQLModel.metadata

    engine = db.make_engine(database_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == []

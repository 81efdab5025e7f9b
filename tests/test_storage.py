"""Storage on SQLite and PostgreSQL: migrations, aware UTC timestamps, atomic claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.domain.errors import ConfigError, NotFoundError
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage import db, repo
from bot.storage.db import session_scope
from bot.storage.models import Post, Publication


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    return engine


def _post(engine: Engine, **fields: object) -> int:
    with session_scope(engine) as session:
        post = repo.add_post(
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
        stored = repo.get_post(session, post_id=post_id)
        assert stored.slot == slot
        assert stored.slot is not None and stored.slot.utcoffset() == timedelta(0)
        assert stored.kind is PostKind.DAILY and stored.status is PostStatus.SCHEDULED


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        _post(engine, slot=datetime(2026, 12, 1, 7, 30))  # noqa: DTZ001


def test_claim_post_is_exclusive(engine: Engine) -> None:
    post_id = _post(engine, slot=datetime(2026, 12, 1, tzinfo=UTC), status=PostStatus.SCHEDULED)
    with session_scope(engine) as session:
        assert repo.claim_post(session, post_id=post_id) is True
    with session_scope(engine) as session:
        assert repo.claim_post(session, post_id=post_id) is False
        assert repo.get_post(session, post_id=post_id).status is PostStatus.PUBLISHING


def test_one_publication_per_post_and_channel(engine: Engine) -> None:
    post_id = _post(engine)
    with session_scope(engine) as session:
        first = repo.claim_publication(session, post_id=post_id, channel="tg")
        assert first is not None and first.status is PublicationStatus.CLAIMED
    with session_scope(engine) as session:
        assert repo.claim_publication(session, post_id=post_id, channel="tg") is None
    with session_scope(engine) as session:
        session.add(Publication(post_id=post_id, channel="tg"))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_two_posts_of_a_kind_cannot_hold_one_slot(engine: Engine) -> None:
    slot = datetime(2026, 12, 1, tzinfo=UTC)
    _post(engine, slot=slot, status=PostStatus.SCHEDULED)
    _post(engine, slot=slot, status=PostStatus.REJECTED)  # a rejected post holds nothing
    with pytest.raises(IntegrityError):
        _post(engine, slot=slot, status=PostStatus.SCHEDULED)


def test_unknown_ids_are_clear_errors(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(NotFoundError, match="no post with id 99"):
        repo.get_post(session, post_id=99)


def test_session_scope_rolls_back_everything_on_error(engine: Engine) -> None:
    def fail_halfway() -> None:
        with session_scope(engine) as session:
            repo.add_recap(session, title="t", text="x", source_url=None, source_name=None)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_halfway()
    with session_scope(engine) as session:
        assert repo.newest_unused_recap(session, kind=PostKind.DAILY) is None


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

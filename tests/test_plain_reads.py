"""The queue and the slot board read through the bare driver (:mod:`bot.storage.plain`), so
``goodnews queue`` starts without SQLAlchemy. They must see exactly what the ORM sees:
instants (with their microseconds) in UTC, states as enum members, flags as booleans, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.config import load
from bot.domain.posts import PostKind
from bot.services import board, queued, scheduling
from bot.services.views import PostView, PublicationView
from bot.storage import db, plain, post_rows, publication_rows
from bot.storage.db import session_scope
from bot.storage.models import Publication
from tests.conftest import Cli
from tests.test_cli_imports import DATABASE, loaded

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def ready(run_cli: Cli, workdir: Path) -> Cli:
    run_cli("init")
    return run_cli


def _seed(database_url: str) -> None:
    """A pending post, a scheduled one, one pinned to an instant with microseconds, a
    reserve, and a paused channel."""
    config = load(None, environ={})
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    pinned = NOW + timedelta(days=2, hours=1, microseconds=123456)
    with session_scope(engine) as session:
        for n, (at, approved, reserve) in enumerate(
            [(None, True, False), (None, False, False), (pinned, True, False), (None, True, True)]
        ):
            queued.queue_post(
                session,
                config,
                text=f"Tin số {n}\nNgày hội số {n} có {n * 3} bạn trẻ tham gia hiến máu.",
                kind=PostKind.DAILY,
                at=at,
                channels=[],
                approved=approved,
                reserve=reserve,
                now=NOW,
            )
        scheduling.set_paused(session, config, channel="facebook-main", paused=True, now=NOW)
    engine.dispose()


def test_the_plain_reader_sees_what_the_orm_sees(database_url: str) -> None:
    _seed(database_url)
    config = load(None, environ={})
    engine = db.make_engine(database_url)
    with session_scope(engine) as session:
        expected = [
            (
                PostView.of(post),
                [
                    PublicationView.of(p)
                    for p in publication_rows.publications(session, post_id=post.id or 0)
                ],
            )
            for post in post_rows.list_posts(session)
        ]
        through_session = board.slot_board(
            plain.Reader.of_session(session), config, now=NOW, days=14
        )
    engine.dispose()
    with plain.connect(database_url) as reader:
        assert reader is not None
        assert board.queue(reader, include_all=True) == expected
        slots = board.slot_board(reader, config, now=NOW, days=14)
    assert slots == through_session
    assert len(expected) == 4 and all(pubs for _, pubs in expected[:1])
    statuses = {slot.status for slot in slots}
    assert {"paused", "pinned", None} <= statuses
    [pinned] = {slot.at for slot in slots if slot.status == "pinned"}  # on both channels
    assert pinned.microsecond == 123456 and pinned.tzinfo is UTC


def _publications(session: Session, post_id: int | None) -> list[Publication]:
    return publication_rows.publications(session, post_id=post_id or 0)


def test_queue_loads_no_sqlalchemy(tmp_path: Path) -> None:
    """Its cost is mostly SQLAlchemy's and the models' import (``benchmarks.cli``)."""
    loaded(tmp_path, "init")
    for args in [("queue",), ("queue", "--all", "--json")]:
        modules = loaded(tmp_path, *args)
        assert "bot" in modules and not modules & DATABASE, modules


def test_queue_refuses_an_old_database_through_the_plain_reader(ready: Cli, workdir: Path) -> None:
    engine = db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    engine.dispose()
    result = ready("queue", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: database is at revision 0001; run `goodnews init` to create or upgrade it"
    )

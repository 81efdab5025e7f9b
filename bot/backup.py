"""Backups: the database and the photos, consistent while the worker runs; and back again.

SQLite runs in WAL mode, so copying the file can miss committed pages still in the -wal file
or catch a page half-written: the online backup API copies a consistent snapshot instead.
PostgreSQL has pg_dump, which reads one snapshot too. Photos live in ``media_dir`` and are
only ever added (named by their content), so a tar taken after the database holds every
photo the database names.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import URL, Engine

from bot.domain.errors import N_, Text, UserError
from bot.storage import db

Say = Callable[[str], None]

PG_HOW = N_(
    "{tool} is not installed here: install the PostgreSQL client (e.g. `apt install "
    'postgresql-client`), or run `pg_dump --format=custom --file {path} "$DATABASE_URL"` '
    "where it is"
)


def media_archive(path: Path) -> Path:
    return path.with_name(path.name + ".media.tar")


def backup(engine: Engine, media_dir: Path, path: Path, *, say: Say) -> None:
    """Write the database to ``path`` and the photos to ``path.media.tar``; nothing partial."""
    if path.exists():
        raise UserError(
            N_("{path}: exists; choose another path (backups never overwrite)"), path=path
        )
    if not path.parent.is_dir():
        raise UserError(N_("{path}: no such folder"), path=path.parent)
    tmp = path.with_name(path.name + ".tmp")
    try:
        if engine.url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_file(engine.url), tmp)
        else:
            db.check_schema(engine)
            _pg_dump(engine.url, tmp)
        _tar_media(media_dir, media_archive(path))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    say(
        Text(
            N_("database → {path}; {media_dir} → {archive}"),
            path=path,
            media_dir=media_dir,
            archive=media_archive(path),
        )
    )


def restore(engine: Engine, media_dir: Path, path: Path, *, force: bool, say: Say) -> None:
    """Put a backup back into the configured database and ``media_dir``, then migrate it up."""
    if not path.is_file():
        raise UserError(N_("{path}: no such backup file"), path=path)
    sqlite = engine.url.get_backend_name() == "sqlite"
    if sqlite:
        _check_sqlite_backup(path)
    fresh = sqlite and not _sqlite_file(engine.url).exists()  # asking would create the file
    if not fresh and db.current_revision(engine) is not None and not force:
        where = engine.url.render_as_string(hide_password=True)
        raise UserError(
            N_("database {where} already holds goodnews data; --force replaces it"), where=where
        )
    if sqlite:
        _sqlite_restore(path, _sqlite_file(engine.url))
    else:
        _pg_restore(path, engine.url)
    engine.dispose()  # pooled connections saw the old file or schema
    archive = media_archive(path)
    if archive.is_file():
        media_dir.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(media_dir, filter="data")  # no absolute paths, no ../
    else:
        say(Text(N_("{archive}: not found; photos not restored"), archive=archive))
    _, after = db.upgrade(engine)  # a backup from an older version is brought up to date
    where = engine.url.render_as_string(hide_password=True)
    say(
        Text(
            N_("{path} restored into {where} (revision {after})"),
            path=path,
            where=where,
            after=after,
        )
    )


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise UserError(N_("database_url: an in-memory SQLite database has nothing to back up"))
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    """A plain sqlite3 connection, not our engine's BEGIN IMMEDIATE: a reader in WAL mode
    never waits for the worker's write transaction."""
    if not source.is_file():
        raise UserError(N_("{path}: no such database; run `goodnews init` first"), path=source)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    if not _is_goodnews(src):
        src.close()
        raise UserError(
            N_("{path}: has no goodnews tables; run `goodnews init` first"), path=source
        )
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: one read snapshot of the WAL database, no writer blocked
    finally:
        dst.close()
        src.close()


def _is_goodnews(connection: sqlite3.Connection) -> bool:
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
    except sqlite3.DatabaseError:  # not a database at all
        return False
    return found is not None


def _check_sqlite_backup(backup_file: Path) -> None:
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        if not _is_goodnews(src):
            raise UserError(N_("{path}: not a goodnews SQLite backup"), path=backup_file)
    finally:
        src.close()


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # replaces every page of the target in one go, WAL included
    finally:
        dst.close()
        src.close()


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """The URL for pg_dump/pg_restore (no +psycopg), its password in the environment, not
    in the process list."""
    plain = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [plain.render_as_string(hide_password=False)], env


def _pg_tool(name: str, path: Path) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise UserError(PG_HOW, tool=name, path=path)
    return tool


def _pg_dump(url: URL, target: Path) -> None:
    tool = _pg_tool("pg_dump", target)
    dbname, env = _libpq(url)
    _run([tool, "--format=custom", "--no-owner", f"--file={target}", "--dbname", *dbname], env)


def _pg_restore(backup_file: Path, url: URL) -> None:
    tool = _pg_tool("pg_restore", backup_file)
    dbname, env = _libpq(url)
    _run([tool, "--clean", "--if-exists", "--no-owner", "--dbname", *dbname, str(backup_file)], env)


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        said = lines[0] if lines else done.returncode
        raise UserError(N_("{tool} failed: {said}"), tool=Path(argv[0]).name, said=said)


def _tar_media(media_dir: Path, archive: Path) -> None:
    """Every photo, relative to media_dir; an empty archive when there are none yet."""
    tmp = archive.with_name(archive.name + ".tmp")
    try:
        with tarfile.open(tmp, "w") as tar:
            if media_dir.is_dir():
                for file in sorted(media_dir.rglob("*")):
                    if file.is_file() and not file.name.endswith(".tmp"):
                        tar.add(file, arcname=file.relative_to(media_dir).as_posix())
        os.replace(tmp, archive)
    finally:
        tmp.unlink(missing_ok=True)

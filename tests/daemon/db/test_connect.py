"""Database.write: a whole transaction in one trip, all or nothing."""
import os
import sqlite3

import aiosqlite
import pytest

from daemon.db.connect import opened


@pytest.fixture
async def db(tmp_path):
    async with opened(tmp_path / "t.db", None) as database:
        await database.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        yield database


def test_aiosqlite_still_has_the_call_write_relies_on():
    assert callable(getattr(aiosqlite.Connection, "_execute", None))
    assert isinstance(getattr(aiosqlite.Connection, "_conn", None), property)


async def test_a_write_commits_every_statement_and_returns_the_result(db):
    def work(tx: sqlite3.Connection) -> int:
        tx.executemany("INSERT INTO t (x) VALUES (?)", [(1,), (2,)])
        return tx.execute("SELECT SUM(x) FROM t").fetchone()[0]

    assert await db.write(work) == 3
    assert [tuple(r) for r in await db.fetchall("SELECT x FROM t ORDER BY x")] == [(1,), (2,)]


async def test_a_failing_write_leaves_nothing_and_the_connection_usable(db):
    def work(tx: sqlite3.Connection) -> None:
        tx.execute("INSERT INTO t (x) VALUES (1)")
        tx.execute("INSERT INTO t (x) VALUES (NULL)")

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(work)
    assert await db.fetchall("SELECT x FROM t") == []
    await db.write(lambda tx: tx.execute("INSERT INTO t (x) VALUES (7)"))
    assert [tuple(r) for r in await db.fetchall("SELECT x FROM t")] == [(7,)]


async def test_a_write_on_a_full_disk_fails_cleanly(db):
    [(pages,)] = await db.fetchall("PRAGMA page_count")
    await db.fetchall(f"PRAGMA max_page_count = {pages}")

    def work(tx: sqlite3.Connection) -> None:
        tx.executemany("INSERT INTO t (x) VALUES (?)", [(n,) for n in range(100_000)])

    with pytest.raises(sqlite3.OperationalError, match="full"):
        await db.write(work)
    await db.fetchall(f"PRAGMA max_page_count = {pages * 1000}")
    await db.write(lambda tx: tx.execute("INSERT INTO t (x) VALUES (7)"))
    assert [tuple(r) for r in await db.fetchall("SELECT x FROM t")] == [(7,)]


async def test_a_write_that_need_not_be_durable_leaves_later_commits_durable(db):
    await db.write(lambda tx: tx.execute("INSERT INTO t (x) VALUES (1)"), durable=False)
    assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # FULL again

    def fail(tx: sqlite3.Connection) -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        await db.write(fail, durable=False)
    assert (await db.fetchone("PRAGMA synchronous"))[0] == 2
    assert [tuple(r) for r in await db.fetchall("SELECT x FROM t")] == [(1,)]


async def test_deleting_a_large_value_does_not_write_its_pages_again(tmp_path):
    """A delivered message's content is deleted: its freed pages are not zeroed through the WAL."""
    async with opened(tmp_path / "q.db", None) as db:
        await db.write(lambda tx: tx.execute("CREATE TABLE contents (content BLOB NOT NULL)"))
        await db.write(lambda tx: tx.execute("INSERT INTO contents VALUES (?)", (os.urandom(100_000),)))
        wal = tmp_path / "q.db-wal"
        before = wal.stat().st_size
        await db.write(lambda tx: tx.execute("DELETE FROM contents"))
        frames = (wal.stat().st_size - before) / (4096 + 24)  # page and frame header
    assert frames <= 4, f"{frames:.0f} pages written for the delete (25 overflow pages were freed)"

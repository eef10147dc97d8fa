"""Opening a SQLite store (the relay's or the panel's): WAL, foreign keys, durable commits."""
import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from daemon.db.migrate import Schema, migrate

# How long a writer waits for another's transaction. The relay's store is written by the
# relay and, briefly, by a saved mail account or `epd-relay account set`; the panel's store
# by imports that hold its lock for about 20 s at 100,000 accounts. An SMTP client waits up
# to 10 minutes for its reply to DATA (RFC 5321 4.5.3.2.6), so waiting beats a 451.
BUSY_TIMEOUT_MS = 60_000


T = TypeVar("T")


def _in_transaction(connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], T], durable: bool) -> T:
    if not durable:
        connection.execute("PRAGMA synchronous = NORMAL")
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException:
            if connection.in_transaction:  # some errors (a full disk) have rolled it back already
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result
    finally:
        if not durable:
            connection.execute("PRAGMA synchronous = FULL")


class _Lock:
    """asyncio.Lock that remembers when it was taken (time.monotonic())."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self.since: float | None = None

    async def __aenter__(self) -> None:
        await self._lock.acquire()
        self.since = time.monotonic()

    async def __aexit__(self, *exc_info: object) -> None:
        self.since = None
        self._lock.release()


class Database:
    """One aiosqlite connection shared by many coroutines.

    A lock keeps one coroutine's transaction from interleaving with another's
    statements on the same connection; other connections (the panel's, a command's)
    rely on SQLite's own locking.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._lock = _Lock()

    def busy_for(self, now: float) -> float:
        """How long the operation in progress (one at a time) has held the connection.

        SQLite ends a wait for another writer after BUSY_TIMEOUT_MS; an operation that runs
        much longer is stuck on the disk itself (a hung device, a frozen file system), which
        nothing in the process can end: systemd's watchdog is told (daemon/watchdog.py).
        """
        return 0.0 if self._lock.since is None else now - self._lock.since

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        async with self._lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def write(self, work: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run ``work`` as one transaction in aiosqlite's thread, in a single trip.

        ``durable=False`` commits without waiting for fsync: in WAL mode such a commit
        still survives the process dying and may only be lost with the operating system
        (and the next durable commit makes it durable too).

        The queue's transactions go this way. Statement by statement, each one would be a
        trip, and the write lock would be held across that many turns of a busy event
        loop: a delivery's record took 3.6 ms as five trips, 2.1 ms as one (relay bench,
        queue draining). aiosqlite has no public call for a whole function;
        Connection._execute is the one all its calls go through (tests/daemon/test_db.py
        fails if an upgrade takes it away).
        """
        async with self._lock:
            return await self.connection._execute(_in_transaction, self.connection._conn, work, durable)

    # Each call below is one trip to aiosqlite's thread (about 70 µs of CPU here): the
    # message path makes a dozen of them, so none spends a trip on closing a cursor.

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            return list(await self.connection.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query meant to return at most one (by key, or an aggregate)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One statement in its own (autocommit) transaction; returns the changed row count."""
        async with self._lock:
            cursor = await self.connection.execute(sql, tuple(params))
            return cursor.rowcount

    async def close(self) -> None:
        await self.connection.close()


async def connect(path: Path, schema: Schema | None) -> Database:
    """Open the database and bring it to the schema's version (None: leave it as it is);
    the caller closes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = await aiosqlite.connect(path, isolation_level=None)
    try:
        connection.row_factory = aiosqlite.Row
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is fsync'd before it returns, so a 250 survives power loss.
        await connection.execute("PRAGMA synchronous = FULL")
        await connection.execute("PRAGMA foreign_keys = ON")
        # Debian builds SQLite with SECURE_DELETE: every page a DELETE frees is zeroed, and
        # so written again. A delivered message's content is 20-30 pages rewritten through
        # the WAL (about 70 pwrites of the relay's 140 per message). FAST still clears what
        # is deleted inside a b-tree page, and leaves freed pages for the next use or the
        # idle VACUUM. Relay bench, alternating: 3.5-3.6 ms of CPU a message against 3.8-4.1.
        await connection.execute("PRAGMA secure_delete = FAST")
        if schema is not None:
            await connection._execute(migrate, connection._conn, schema)
    except BaseException:
        await connection.close()
        raise
    return Database(connection)


@asynccontextmanager
async def opened(path: Path, schema: Schema | None) -> AsyncIterator[Database]:
    db = await connect(path, schema)
    try:
        yield db
    finally:
        await db.close()

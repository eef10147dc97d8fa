"""Giving a backlog's space back to the disk.

A message's content lives in the database until it is delivered or fails; SQLite keeps
the freed pages in the file for reuse. A mailing that queued during a provider outage
(5,000 documents of 80 KB: 400 MB) would leave the file at that size for good, so once
the queue is empty and most of the file is free pages, it is rewritten (VACUUM).
"""
import logging
import sqlite3
from dataclasses import dataclass

from daemon.db.connect import Database

log = logging.getLogger(__name__)

# Below this much free space a rewrite is not worth its I/O; the pages are reused anyway.
MIN_FREE_BYTES = 16 * 1024 * 1024

_PAGES = (
    "SELECT (SELECT page_size FROM pragma_page_size()), (SELECT page_count FROM pragma_page_count()),"
    " (SELECT freelist_count FROM pragma_freelist_count())"
)


@dataclass(frozen=True)
class FileSpace:
    page_size: int
    pages: int
    free: int

    @property
    def mostly_free(self) -> bool:
        """Free pages are over half of the file and over MIN_FREE_BYTES."""
        return self.free * self.page_size >= MIN_FREE_BYTES and self.free * 2 >= self.pages


def file_space(connection: sqlite3.Connection) -> FileSpace:
    """The file's pages, read on the database's thread (inside a transaction of the queue's)."""
    return FileSpace(*connection.execute(_PAGES).fetchone())


async def compact_if_mostly_free(db: Database, space: FileSpace | None = None) -> tuple[int, int] | None:
    """VACUUM when the file is mostly free pages (``space``, when just read, or read now).

    Returns the file's size in bytes before and after when it did. Writers wait for it
    (seconds for a database of a hundred thousand accounts), so it is for an idle queue.
    """
    space = space or await _file_space(db)
    if not space.mostly_free:
        return None
    try:
        await db.execute("VACUUM")
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file shrinks here, not at VACUUM
    except sqlite3.Error as error:  # the panel's long import holding the lock, a full disk
        log.warning("database compaction skipped, will try again when idle: %s", error)
        return None
    after = await _file_space(db)
    before_bytes, after_bytes = space.pages * space.page_size, after.pages * after.page_size
    log.info("database compacted after a backlog: %.1f MiB -> %.1f MiB", before_bytes / 2**20, after_bytes / 2**20)
    return before_bytes, after_bytes


async def _file_space(db: Database) -> FileSpace:
    return FileSpace(*await db.fetchone(_PAGES))

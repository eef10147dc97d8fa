"""Giving a backlog's space back to the disk.

A message's content lives in the database until it is delivered or fails; SQLite keeps
the freed pages in the file for reuse. A mailing that queued during a provider outage
(5,000 documents of 80 KB: 400 MB) would leave the file at that size for good, so once
the queue is empty and most of the file is free pages, it is rewritten (VACUUM).
"""
import logging
import sqlite3

from daemon.db.connect import Database

log = logging.getLogger(__name__)

# Below this much free space a rewrite is not worth its I/O; the pages are reused anyway.
MIN_FREE_BYTES = 16 * 1024 * 1024


async def compact_if_mostly_free(db: Database) -> tuple[int, int] | None:
    """VACUUM when free pages are over half of the file and over MIN_FREE_BYTES.

    Returns the file's size in bytes before and after when it did. Writers wait for it
    (seconds for a database of a hundred thousand accounts), so it is for an idle queue.
    """
    page_size, pages, free = await _pages(db)
    if free * page_size < MIN_FREE_BYTES or free * 2 < pages:
        return None
    try:
        await db.execute("VACUUM")
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file shrinks here, not at VACUUM
    except sqlite3.Error as error:  # the panel's long import holding the lock, a full disk
        log.warning("database compaction skipped, will try again when idle: %s", error)
        return None
    _, pages_after, _ = await _pages(db)
    before, after = pages * page_size, pages_after * page_size
    log.info("database compacted after a backlog: %.1f MiB -> %.1f MiB", before / 2**20, after / 2**20)
    return before, after


async def _pages(db: Database) -> tuple[int, int, int]:
    row = await db.fetchone(
        "SELECT (SELECT page_size FROM pragma_page_size()), (SELECT page_count FROM pragma_page_count()),"
        " (SELECT freelist_count FROM pragma_freelist_count())"
    )
    return row[0], row[1], row[2]

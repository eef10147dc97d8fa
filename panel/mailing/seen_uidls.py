"""Which messages of a mailbox were read already: their UIDLs, in the panel's store."""
import sqlite3
from collections.abc import Iterable

from daemon.db.connect import Database


async def seen_uidls(db: Database, mailbox: str) -> set[str]:
    rows = await db.fetchall("SELECT uidl FROM mailbox_seen WHERE mailbox = ?", (mailbox,))
    return {row["uidl"] for row in rows}


async def remember_seen(
    db: Database, mailbox: str, read: Iterable[str], on_server: set[str] | None, now: float
) -> int:
    """Remember the UIDLs just read; with the server's whole list, forget those no longer on it.
    One transaction. Returns how many were forgotten."""
    read = list(read)

    def work(connection: sqlite3.Connection) -> int:
        connection.executemany(
            "INSERT OR IGNORE INTO mailbox_seen (mailbox, uidl, seen_at) VALUES (?, ?, ?)",
            [(mailbox, uidl, now) for uidl in read],
        )
        if on_server is None:
            return 0
        known = [uidl for (uidl,) in connection.execute("SELECT uidl FROM mailbox_seen WHERE mailbox = ?", (mailbox,))]
        gone = [uidl for uidl in known if uidl not in on_server]
        connection.executemany("DELETE FROM mailbox_seen WHERE mailbox = ? AND uidl = ?", [(mailbox, u) for u in gone])
        return len(gone)

    return await db.write(work)

"""Message files from before contents moved into the database (migration 0004).

Such an installation kept each queued message as ``spool/messages/<queue id>``. At start,
a file whose message still waits is taken into the database, then the directory goes.
A file without a queue row never got its 250 (the client still has the message).
"""
import asyncio
import logging
import shutil
import sqlite3
from pathlib import Path

from daemon.db.connect import Database
from daemon.queue.messages import MessageState

log = logging.getLogger(__name__)

FINISHED = (MessageState.DELIVERED, MessageState.FAILED)


def _read_all(messages: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in messages.iterdir() if path.is_file()}


async def adopt(db: Database, spool: Path) -> None:
    messages = spool / "messages"
    if not messages.is_dir():
        return
    files = await asyncio.to_thread(_read_all, messages)
    rows = await db.fetchall(
        "SELECT id, state, id IN (SELECT message_id FROM message_contents) AS has_content FROM messages"
    )
    known = {row["id"]: row for row in rows if row["id"] in files}
    waiting = {
        queue_id: files[queue_id] for queue_id, row in known.items()
        if row["state"] not in FINISHED and not row["has_content"]
    }

    def insert(tx: sqlite3.Connection) -> None:
        tx.executemany("INSERT INTO message_contents (message_id, content) VALUES (?, ?)", waiting.items())

    await db.write(insert)
    for queue_id in files:
        if queue_id in waiting:
            log.info("%s: message file moved from %s into the database", queue_id, messages)
        elif queue_id not in known:
            log.warning("%s: removing a spool file that was never acknowledged", queue_id)
    await asyncio.to_thread(shutil.rmtree, spool)

"""Message files from before contents moved into the database (migration 0004).

Such an installation kept each queued message as ``spool/messages/<queue id>``. At start,
a file whose queue row still waits for its content is taken into the database; a file
without a row never got its 250 (the client still has the message) and is removed.
"""
import asyncio
import logging
import shutil
from pathlib import Path

from daemon.db.connect import Database

log = logging.getLogger(__name__)


def _read_all(messages: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in messages.iterdir() if path.is_file()}


async def adopt(db: Database, spool: Path) -> None:
    messages = spool / "messages"
    if not messages.is_dir():
        return
    files = await asyncio.to_thread(_read_all, messages)
    rows = await db.fetchall(
        "SELECT id FROM messages WHERE id NOT IN (SELECT message_id FROM message_contents)"
        " AND state NOT IN ('delivered', 'failed')"
    )
    waiting = {row["id"] for row in rows}
    async with db.transaction() as tx:
        for queue_id, content in files.items():
            if queue_id in waiting:
                await tx.execute(
                    "INSERT INTO message_contents (message_id, content) VALUES (?, ?)", (queue_id, content)
                )
    for queue_id in files:
        if queue_id in waiting:
            log.info("%s: message file moved from %s into the database", queue_id, messages)
        else:
            log.warning("%s: removing a spool file that was never acknowledged", queue_id)
    await asyncio.to_thread(shutil.rmtree, spool)

"""Upgrading a relay that kept message files in spool/: queued mail is still delivered."""
import sqlite3

from daemon import queue
from daemon.db.connect import opened
from tests.conftest import SENDER, message, store_password


async def test_queued_message_files_are_taken_into_the_database(upstream, make_config, start_relay):
    config = make_config(upstream)
    # What an older relay left: a queue row whose content is a file, and a file that never
    # got its 250 (no row).
    async with opened(config.storage.database) as db:
        await queue.insert_message(
            db, queue_id="OLD1", account=SENDER, sender=SENDER, recipients=["a@example.ru"],
            content=b"", now=100.0,
        )
        await db.execute("DELETE FROM message_contents")
    messages = config.storage.legacy_spool / "messages"
    messages.mkdir(parents=True)
    (messages / "OLD1").write_bytes(message())
    (messages / "UNACKNOWLEDGED2").write_bytes(b"Subject: half a message\r\n")

    relay = await start_relay(config, run_worker=False)
    assert not config.storage.legacy_spool.exists()
    await store_password(relay)
    assert await relay.worker.run_once(1e12) == 1

    assert [r.content for r in upstream.received] == [message()]
    with sqlite3.connect(config.storage.database) as db:
        assert db.execute("SELECT id, state FROM messages").fetchall() == [("OLD1", "delivered")]
        assert db.execute("SELECT COUNT(*) FROM message_contents").fetchone() == (0,)

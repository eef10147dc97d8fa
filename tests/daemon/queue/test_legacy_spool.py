"""Upgrading a relay that kept message files in spool/: queued mail is still delivered."""
import logging
import sqlite3

from daemon.db.stores import relay_store
from daemon.queue import messages
from tests.conftest import SENDER, message, store_password


async def test_queued_message_files_are_taken_into_the_database(upstream, make_config, start_relay, caplog):
    config = make_config(upstream)
    # What an older relay left: a queue row whose content is a file, the file of a message
    # delivered just before a crash, and a file that never got its 250 (no row).
    async with relay_store(config.storage) as db:
        for queue_id in ("OLD1", "SENT3"):
            await messages.insert_message(
                db, queue_id=queue_id, account=SENDER, sender=SENDER, recipients=["a@example.ru"],
                content=b"", now=100.0,
            )
        await db.execute("UPDATE messages SET state = 'delivered' WHERE id = 'SENT3'")
        await db.execute("DELETE FROM message_contents")
    spool_files = config.storage.legacy_spool / "messages"
    spool_files.mkdir(parents=True)
    (spool_files / "OLD1").write_bytes(message())
    (spool_files / "UNACKNOWLEDGED2").write_bytes(b"Subject: half a message\r\n")
    (spool_files / "SENT3").write_bytes(message(subject="sent already"))

    caplog.set_level(logging.INFO, logger="daemon.queue.legacy_spool")
    relay = await start_relay(config, run_worker=False)
    assert not config.storage.legacy_spool.exists()
    said = [r.getMessage() for r in caplog.records if r.name == "daemon.queue.legacy_spool"]
    assert said == [
        "OLD1: message file moved from " + str(spool_files) + " into the database",
        "UNACKNOWLEDGED2: removing a spool file that was never acknowledged",
    ]
    await store_password(relay)
    assert await relay.worker.run_once(1e12) == 1

    assert [r.content for r in upstream.received] == [message()]
    with sqlite3.connect(config.storage.relay_database) as db:
        assert db.execute("SELECT id, state FROM messages ORDER BY id").fetchall() == [
            ("OLD1", "delivered"), ("SENT3", "delivered"),
        ]
        assert db.execute("SELECT COUNT(*) FROM message_contents").fetchone() == (0,)

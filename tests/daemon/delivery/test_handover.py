"""The message taken while a delivery lane is free goes to that lane from memory, claimed in
the transaction that stores it; one that waits is read back from disk, after a restart
too. The provider gets the same bytes either way, and a stop sends what was handed over."""
import asyncio
import sqlite3
import time

import pytest

from daemon import app
from tests.conftest import SENDER, Clock, smtp_send, store_password

# What the listener must undo and delivery redo: dot-stuffed lines, 8-bit text, a line
# of 998 octets, and a message ending without a line end.
CONTENT = (
    f"From: {SENDER}\r\nTo: resident@example.ru\r\nSubject: handover\r\n"
    "Message-ID: <handover@example.test>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ".a line that starts with a dot\r\n..two dots\r\n.\r\nИтого к оплате: 2 447,90 руб.\r\n"
    + "x" * 998 + "\r\nthe end, no line end"
).encode()


@pytest.fixture
def relay_config(upstream, make_config):
    """The client sends without AUTH: nothing but DATA writes to the store."""
    return make_config(upstream, smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER})


async def traced_statements(relay: app.Relay) -> list[str]:
    """Every SQL statement the relay's store connection runs from now on (on its thread)."""
    statements: list[str] = []
    connection = relay.db.connection
    await connection._execute(connection._conn.set_trace_callback, statements.append)
    return statements


def rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.storage.relay_database) as db:
        return db.execute(sql).fetchall()


def send(port: int) -> bytes:
    code, reply = smtp_send(port, SENDER, ["resident@example.ru"], CONTENT)
    assert code == 250, reply
    return reply


async def test_content_handed_over_in_memory_and_read_from_disk_after_a_restart_send_the_same_bytes(
    upstream, relay_config
):
    relay = await app.start(relay_config)
    try:
        await store_password(relay)
        statements = await traced_statements(relay)
        await asyncio.to_thread(send, relay.smtp_port)
        [from_memory] = await upstream.wait_for(1)
        # Stored and claimed in one transaction; the content is never read back.
        insert = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO message_contents"))
        commit = statements.index("COMMIT", insert)
        assert any(s.startswith("UPDATE messages SET state") for s in statements[insert:commit])
        assert not any("FROM message_contents" in s for s in statements)

        # The provider says "later": the second copy waits on disk.
        upstream.behaviour.data_reply = "451 4.3.0 Try again later"
        await asyncio.to_thread(send, relay.smtp_port)
        async with asyncio.timeout(10):
            while rows(relay_config, "SELECT state FROM messages ORDER BY id")[-1] != ("deferred",):
                await asyncio.sleep(0.02)
    finally:
        await relay.stop()

    upstream.behaviour.data_reply = None
    clock = Clock(time.time() + 3600)  # past the retry
    restarted = await app.start(relay_config, clock=clock, run_worker=False)
    try:
        statements = await traced_statements(restarted)
        assert await restarted.worker.run_once(clock()) == 1
        [_, from_disk] = upstream.received
        assert any(s.startswith("SELECT content FROM message_contents") for s in statements)
    finally:
        await restarted.stop()
    assert from_disk.content == from_memory.content
    assert from_memory.content.endswith(b"\r\n" + b"x" * 998 + b"\r\nthe end, no line end\r\n")
    assert b"\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\n" in from_memory.content
    assert rows(relay_config, "SELECT state FROM messages") == [("delivered",), ("delivered",)]


async def test_a_stop_sends_the_message_whose_store_had_a_lane_promised(upstream, relay_config):
    """The store is slow (another writer holds its lock) when the stop comes: the message
    gets its 250, was claimed for a lane, and is delivered before the relay stops."""
    relay = await app.start(relay_config)
    stopping = None
    try:
        await store_password(relay)
        statements = await traced_statements(relay)
        other_writer = sqlite3.connect(relay_config.storage.relay_database, isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")
        began = len(statements)
        sending = asyncio.create_task(asyncio.to_thread(send, relay.smtp_port))
        async with asyncio.timeout(10):
            while "BEGIN IMMEDIATE" not in statements[began:]:  # the listener waits for the lock
                await asyncio.sleep(0.01)
        stopping = asyncio.create_task(relay.stop())
        await asyncio.sleep(0.3)
        assert not stopping.done()  # the stop waits for the message in flight
        other_writer.execute("COMMIT")
        other_writer.close()
        reply = await sending
        await stopping
    finally:
        if stopping is None:
            await relay.stop()
    assert reply.startswith(b"2.0.0 Ok: queued as ")
    assert len(upstream.received) == 1
    assert rows(relay_config, "SELECT state, sending FROM messages") == [("delivered", 0)]

"""Delivery when the store refuses writes: the outcome waits in memory, the listener
refuses mail, and the runner either resumes or ends loudly; driven in-process with the
store made read-only (PRAGMA query_only) on the relay's own connection."""
import asyncio
import logging
import re
import smtplib
import sqlite3

import pytest

from daemon import app
from daemon.delivery import outage, worker
from tests.conftest import SENDER, Clock, message, send, store_password


class LogWatch(logging.Handler):
    """Log records as they come, to wait for one without sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self._new = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self._new.set()

    async def wait_for(self, pattern: str, timeout: float = 10) -> logging.LogRecord:
        seen = 0
        async with asyncio.timeout(timeout):
            while True:
                for record in self.records[seen:]:
                    if re.search(pattern, record.getMessage()):
                        return record
                seen = len(self.records)
                self._new.clear()
                await self._new.wait()


@pytest.fixture
def log_watch():
    handler = LogWatch()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture
def relay_config(upstream, make_config):
    """The client sends without AUTH, so that nothing but DATA writes to the store."""
    return make_config(upstream, smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER})


def rows(config, sql: str) -> list[tuple]:
    with sqlite3.connect(config.storage.relay_database) as db:
        return db.execute(sql).fetchall()


async def queued(relay, subject: str = "Платежный документ") -> str:
    code, reply = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject=subject))
    assert code == 250
    return reply.decode().rsplit(" ", 1)[1]


async def store_refuses_writes(relay, refuses: bool) -> None:
    await relay.db.execute(f"PRAGMA query_only = {'ON' if refuses else 'OFF'}")


async def an_accepted_message_the_store_cannot_record(relay, upstream, clock, log_watch):
    """A message the provider is about to accept, with the store refusing writes; returns
    its queue id and the runner's round in progress, once the failure is logged."""
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    queue_id = await queued(relay)
    attempt = asyncio.create_task(relay.worker.run_once(clock()))
    await upstream.wait_until(lambda: upstream.data_held == 1)
    await store_refuses_writes(relay, True)
    gate.set()
    record = await log_watch.wait_for(f"{queue_id}: recording the attempt")
    assert record.levelno == logging.ERROR  # at once, with the queue id, the provider's reply and the reason
    assert "provider: 250 2.0.0 Ok: queued as UP1" in record.getMessage()
    assert "attempt to write a readonly database" in record.getMessage()
    return queue_id, attempt


async def test_an_outcome_the_store_refuses_is_recorded_once_it_works_and_sent_once(
    upstream, relay_config, start_relay, log_watch
):
    clock = Clock()
    relay = await start_relay(relay_config, clock=clock, run_worker=False)
    await store_password(relay)
    queue_id, attempt = await an_accepted_message_the_store_cannot_record(relay, upstream, clock, log_watch)
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await queued(relay, "while the store fails")
    assert refused.value.smtp_code == 451

    await store_refuses_writes(relay, False)
    relay.worker.wake()  # as a new message or a reload would; otherwise within a second
    assert await attempt == 1
    await log_watch.wait_for(f"{queue_id}: recording the attempt .*: done, the queue store works again")
    assert rows(relay_config, "SELECT state, recoveries FROM messages") == [("delivered", 0)]
    assert len(upstream.received) == 1
    assert await queued(relay, "after")  # the listener takes mail again


async def test_a_stop_while_the_store_fails_leaves_the_message_to_the_next_start(
    upstream, relay_config, start_relay, log_watch
):
    clock = Clock()
    relay = await start_relay(relay_config, clock=clock, run_worker=False)
    await store_password(relay)
    queue_id, attempt = await an_accepted_message_the_store_cannot_record(relay, upstream, clock, log_watch)
    relay.worker.stop()  # one last try, then the lane ends quietly
    assert await attempt == 1
    record = await log_watch.wait_for(f"{queue_id}: attempt not recorded")
    assert "sent again: the provider had accepted it" in record.getMessage()
    assert rows(relay_config, "SELECT state, sending FROM messages") == [("active", 1)]

    await start_relay(relay_config, clock=clock, run_worker=False)
    assert rows(relay_config, "SELECT state, recoveries FROM messages") == [("deferred", 1)]


async def test_a_runner_that_gives_up_on_the_store_is_logged_at_once_and_stop_still_closes_it(
    upstream, relay_config, monkeypatch, log_watch
):
    monkeypatch.setattr(outage, "GIVE_UP_AFTER", 0.0)
    relay = await app.start(relay_config)
    try:
        await store_password(relay)
        gate = asyncio.Event()
        upstream.behaviour.hold_data = [gate]
        queue_id = await queued(relay)
        await upstream.wait_until(lambda: upstream.data_held == 1)
        await store_refuses_writes(relay, True)
        gate.set()
        record = await log_watch.wait_for("delivery stopped")
        assert record.levelno == logging.CRITICAL and queue_id in record.getMessage()
        assert not relay.server.is_serving()  # no more mail taken
        assert relay.stalled() == "the SMTP listener is closed"
    finally:
        await relay.stop()
    # The reported hang: stop() used to re-raise the runner's error before closing the
    # store, and aiosqlite's thread kept the process alive after SIGTERM.
    relay.db.connection._thread.join(10)
    assert not relay.db.connection._thread.is_alive()


async def test_a_bug_in_the_runner_is_logged_at_once_and_the_listener_closes(
    upstream, relay_config, monkeypatch, log_watch
):
    async def broken(db, space):
        raise RuntimeError("a bug")

    monkeypatch.setattr(worker, "compact_if_mostly_free", broken)  # runs when the queue is empty
    relay = await app.start(relay_config)
    try:
        record = await log_watch.wait_for("delivery stopped")
        assert record.levelno == logging.CRITICAL and record.exc_info[0] is RuntimeError
        assert not relay.server.is_serving()
    finally:
        await relay.stop()
    relay.db.connection._thread.join(10)
    assert not relay.db.connection._thread.is_alive()

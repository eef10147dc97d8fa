"""The delivery runner in-process, when what is under it fails."""
import asyncio
import logging
import re

import pytest

from daemon import app
from daemon.delivery import worker
from tests.conftest import SENDER


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


async def test_a_bug_in_the_runner_is_logged_at_once_and_the_listener_closes(
    upstream, relay_config, monkeypatch, log_watch
):
    async def broken(db):
        raise RuntimeError("a bug")

    monkeypatch.setattr(worker, "compact_if_mostly_free", broken)  # runs when the queue is empty
    relay = await app.start(relay_config)
    try:
        record = await log_watch.wait_for("delivery stopped")
        assert record.levelno == logging.CRITICAL and record.exc_info[0] is RuntimeError
        assert not relay.server.is_serving()
    finally:
        await relay.stop()
    # The reported hang: stop() used to re-raise the runner's error before closing the
    # store, and aiosqlite's thread kept the process alive after SIGTERM.
    relay.db.connection._thread.join(10)
    assert not relay.db.connection._thread.is_alive()

"""POP3 relay failures that need a provider misbehaving on purpose."""
import asyncio
import poplib
import time

import pytest

from daemon.config import load
from tests.conftest import first_line, write_config
from tests.fake_pop3 import DyingPop3


@pytest.fixture
async def dying(tls_files):
    server = await DyingPop3(tls_files.good, sent_before_dying=2_000_000).start()
    yield server
    await server.stop()


async def test_provider_killed_mid_retr_closes_the_client_promptly(tmp_path, tls_files, dying, start_relay):
    config = load(write_config(tmp_path, {
        "storage": {"dir": "state"},
        "smtp": {"listen": "127.0.0.1:0"},
        "panel": {"listen": "127.0.0.1:0"},
        "pop3": {"listen": "127.0.0.1:0"},
        "upstream.pop3": {"host": "127.0.0.1", "port": dying.port, "ca_file": str(tls_files.ca_file),
                          "server_name": "localhost", "timeout": "60s"},
    }))
    relay = await start_relay(config, run_worker=False)

    def retrieve() -> float:
        client = poplib.POP3("127.0.0.1", relay.pop3_port, timeout=60)
        client.user("u")
        client.pass_("p")
        started = time.monotonic()
        try:
            with pytest.raises((poplib.error_proto, EOFError, ConnectionError)):
                client.retr(1)
        finally:
            client.close()
        return time.monotonic() - started

    elapsed = await asyncio.to_thread(retrieve)
    assert dying.died.is_set()
    # Not the 60 s timeout: the relay closed the client as soon as the provider vanished.
    assert elapsed < 10


async def test_unreachable_provider_gets_err_at_once(tmp_path, start_relay, unused_port):
    config = load(write_config(tmp_path, {
        "storage": {"dir": "state"},
        "smtp": {"listen": "127.0.0.1:0"},
        "panel": {"listen": "127.0.0.1:0"},
        "pop3": {"listen": "127.0.0.1:0"},
        "upstream.pop3": {"host": "127.0.0.1", "port": unused_port},
    }))
    relay = await start_relay(config, run_worker=False)
    greeting = await asyncio.to_thread(first_line, relay.pop3_port)
    assert greeting.startswith(b"-ERR [SYS/TEMP] cannot connect")

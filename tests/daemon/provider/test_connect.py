"""Opening a connection to a provider: nothing is left open when it is abandoned."""
import asyncio
import gc
import socket

import pytest

from daemon.provider.connect import ConnectFailed, open_socket


@pytest.fixture
def full_listener():
    """A listening socket whose queue is full: a further connect hangs unanswered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    waiting = []
    for _ in range(2):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(listener.getsockname())
        waiting.append(client)
    yield listener.getsockname()[1]
    for client in waiting:
        client.close()
    listener.close()


async def test_a_cancelled_connect_closes_its_socket(full_listener):
    attempt = asyncio.create_task(open_socket("127.0.0.1", full_listener, timeout=30))
    await asyncio.sleep(0.3)
    assert not attempt.done()
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    gc.collect()  # an unclosed socket would warn here, and warnings fail the test


async def test_a_connect_that_times_out_says_so(full_listener):
    with pytest.raises(ConnectFailed, match="timed out"):
        await open_socket("127.0.0.1", full_listener, timeout=0.3)

"""A provider that stalls or goes away in the middle of an answer: the relay closes the
client (and its side of the provider connection) instead of leaving it hanging."""
import asyncio
import threading
import time

import pytest

from tests.scripted_pop3 import (  # noqa: F401
    Wire, message_blocks, pop3_relay, provider_with, wait_for_eof,
)

RETR_STATUS = b"+OK 50000000 octets\r\n"


def body(size: int) -> bytes:
    """The start of a message body, without its end."""
    return b"".join(message_blocks(size))[:size]


def answer_then(sent: list[bytes], pieces: list[bytes], then):
    """A script: send `pieces` (recorded in `sent`), then do `then` to the connection."""
    async def script(reader, writer):
        for piece in pieces:
            sent.append(piece)
            writer.write(piece)
            await writer.drain()
        await then(reader, writer)

    return script


async def stall(reader, writer):
    await wait_for_eof(reader)


async def close_cleanly(reader, writer):
    writer.close()  # TLS close_notify, then FIN
    await writer.wait_closed()


async def abort(reader, writer):
    writer.transport.abort()  # no close_notify: a killed process or a reset


STALLS = {
    "RETR, after the status line": (b"RETR 1", [RETR_STATUS]),
    "RETR, after 100 KB": (b"RETR 1", [RETR_STATUS, body(100_000)]),
    "RETR, after 3 MB": (b"RETR 1", [RETR_STATUS, body(3_000_000)]),
    "TOP, mid-body": (b"TOP 1 10", [b"+OK\r\n", b"Subject: x\r\n\r\nline\r\n"]),
    "NOOP, no answer at all": (b"NOOP", []),
}


def retrieve_until_closed(port: int, command: bytes) -> tuple[bytes, float]:
    with Wire(port, timeout=8) as client:  # a hang fails on the socket timeout
        client.login()
        client.sock.sendall(command + b"\r\n")
        started = time.monotonic()
        received = client.until_closed()
        return received, time.monotonic() - started


@pytest.mark.parametrize("command, pieces", STALLS.values(), ids=STALLS.keys())
async def test_a_stalled_provider_closes_the_client_after_the_upstream_timeout(
    provider_with, pop3_relay, caplog, command, pieces
):
    sent: list[bytes] = []
    verb = command.split()[0]
    provider = await provider_with({verb: answer_then(sent, pieces, stall)})
    relay = await pop3_relay(provider, timeout="1s")

    received, elapsed = await asyncio.to_thread(retrieve_until_closed, relay.pop3_port, command)

    assert received == b"".join(sent)  # everything the provider did send, then the close
    assert 0.9 <= elapsed < 4, elapsed  # the 1 s upstream timeout, not the 5 s client idle one
    async with asyncio.timeout(2):
        await provider.relay_closed.wait()  # and the provider connection is not left open
    assert "client disconnected" in caplog.text


CLOSES = {
    "cleanly after the status line": ([RETR_STATUS], close_cleanly),
    "cleanly after 100 KB": ([RETR_STATUS, body(100_000)], close_cleanly),
    "cleanly after 3 MB": ([RETR_STATUS, body(3_000_000)], close_cleanly),
    "abruptly after 3 MB": ([RETR_STATUS, body(3_000_000)], abort),
    "abruptly before the status line": ([], abort),
}


@pytest.mark.parametrize("pieces, close", CLOSES.values(), ids=CLOSES.keys())
async def test_a_provider_closing_mid_message_closes_the_client_at_once(
    provider_with, pop3_relay, caplog, pieces, close
):
    sent: list[bytes] = []
    provider = await provider_with({b"RETR": answer_then(sent, pieces, close)})
    relay = await pop3_relay(provider, timeout="30s")

    received, elapsed = await asyncio.to_thread(retrieve_until_closed, relay.pop3_port, b"RETR 1")

    assert elapsed < 2, elapsed  # not the 30 s upstream timeout
    everything = b"".join(sent)
    if close is close_cleanly:
        assert received == everything
    else:  # after a reset, what was still in flight may be lost, but nothing else
        assert everything.startswith(received)
    assert "client disconnected" in caplog.text


async def test_a_client_that_stops_reading_mid_retr_does_not_hold_the_session(provider_with, pop3_relay, caplog):
    """The client takes a little of a large RETR, then neither reads nor closes: after the
    client idle timeout the relay drops both connections and frees the session."""
    sent: list[bytes] = []
    provider = await provider_with({b"RETR": answer_then(sent, [RETR_STATUS, *message_blocks(20_000_000)], stall)})
    relay = await pop3_relay(provider, timeout="1s", idle_timeout="1s")
    [connections] = relay.connection_groups
    stopped_reading = asyncio.Event()
    test_over = threading.Event()
    loop = asyncio.get_running_loop()

    def read_a_little_then_stop() -> None:
        with Wire(relay.pop3_port, receive_buffer=16 * 1024, timeout=8) as client:
            client.login()
            assert client.command(b"RETR 1\r\n") == RETR_STATUS
            client.exactly(100_000)
            loop.call_soon_threadsafe(stopped_reading.set)
            test_over.wait(8)  # not reading, not closing

    client = asyncio.ensure_future(asyncio.to_thread(read_a_little_then_stop))
    try:
        await stopped_reading.wait()
        async with asyncio.timeout(3):
            await provider.relay_closed.wait()
        assert len(connections) == 0
        assert "client took nothing for too long; client disconnected" in caplog.text
    finally:
        test_over.set()
        await client

"""Multi-line POP3 answers streamed through the relay: a large RETR to a slow client without
holding it, and the end marker CRLF.CRLF found when the provider splits it across pieces."""
import asyncio
import hashlib
import tracemalloc

import pytest

from tests.scripted_pop3 import TERMINATOR, Wire, message_blocks, pop3_relay, provider_with  # noqa: F401

BIG = 20 * 1024 * 1024


def big_retr_status(size: int) -> bytes:
    return b"+OK %d octets\r\n" % size


async def test_slow_client_gets_a_20_mb_retr_byte_identical_and_the_relay_never_holds_it(
    provider_with, pop3_relay
):
    sent = hashlib.sha256()

    async def retr(reader, writer):
        writer.write(big_retr_status(BIG))
        for block in message_blocks(BIG):  # made as it goes: the provider holds one block
            sent.update(block)
            writer.write(block)
            await writer.drain()

    provider = await provider_with({b"RETR": retr}, size=BIG)
    relay = await pop3_relay(provider)

    def session() -> tuple[int, str, list[bytes]]:
        # A small receive window and pauses: the client takes far longer than the provider.
        with Wire(relay.pop3_port, receive_buffer=16 * 1024, timeout=8) as client:
            client.login()
            assert client.command(b"RETR 1\r\n") == big_retr_status(BIG)
            received = hashlib.sha256()
            size = client.slow_body(received)
            after = [client.command(b"LIST\r\n") + client.body(), client.command(b"NOOP\r\n"),
                     client.command(b"UIDL\r\n") + client.body(), client.command(b"QUIT\r\n")]
            assert client.until_closed() == b""
            return size, received.hexdigest(), after

    tracemalloc.start()
    try:
        size, digest, after = await asyncio.to_thread(session)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert digest == sent.hexdigest()
    assert size > BIG
    # Relay, provider and client together in this process, with the relay pausing the
    # provider while the slow client catches up: a relay holding the message would peak
    # above its 20 MB.
    print(f"peak {peak} bytes traced while streaming")
    assert peak < BIG / 5, f"peak {peak} bytes traced while streaming"
    assert after == [
        b"+OK 1 messages\r\n1 %d\r\n.\r\n" % BIG,
        b"+OK\r\n",
        b"+OK\r\n1 uid-0001\r\n.\r\n",
        b"+OK bye\r\n",
    ]
    assert [c.split()[0] for c in provider.commands] == [b"USER", b"PASS", b"RETR", b"LIST", b"NOOP", b"UIDL", b"QUIT"]


BODIES = {
    "empty": b"",
    "one line": b"Subject: split\r\n\r\n.. dot-stuffed\r\n",
    "1 MiB": b"".join(message_blocks(1024 * 1024))[:-3],
}


# Where the last piece starts, counted from the end of the answer. With an empty body the
# terminator's CRLF is the status line's, which the relay reads whole: split after it only.
SPLITS = [
    pytest.param(body, last, id=f"{name}, last {last} bytes apart")
    for name, body in BODIES.items()
    for last in range(1, 6)
    if body or last <= 3
]


@pytest.mark.parametrize("body, second_piece", SPLITS)
async def test_end_marker_split_across_two_pieces_is_recognised(provider_with, pop3_relay, body, second_piece):
    """The provider sends "...\\r\\n." (say), waits until the client has it, then "\\r\\n"."""
    answer = b"+OK message follows\r\n" + body + b".\r\n"
    first, rest = answer[:-second_piece], answer[-second_piece:]
    assert (b"\r\n" + answer).endswith(TERMINATOR)
    client_has_first = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def retr(reader, writer):
        writer.write(first)
        await writer.drain()
        await client_has_first.wait()  # so the relay surely saw the first piece alone
        writer.write(rest)

    provider = await provider_with({b"RETR": retr})
    relay = await pop3_relay(provider)

    def session() -> tuple[bytes, bytes, bytes]:
        with Wire(relay.pop3_port, timeout=8) as client:
            client.login()
            client.sock.sendall(b"RETR 1\r\n")
            got_first = client.exactly(len(first))
            loop.call_soon_threadsafe(client_has_first.set)
            got_rest = client.body(before=got_first) if not got_first.endswith(TERMINATOR) else b""
            # Were the end missed, NOOP would be taken for more of the message.
            return got_first + got_rest, client.command(b"NOOP\r\n"), client.command(b"QUIT\r\n")

    received, noop, quit_ = await asyncio.to_thread(session)
    assert received == answer
    assert noop == b"+OK\r\n"
    assert quit_ == b"+OK bye\r\n"
    assert [c.split()[0] for c in provider.commands] == [b"USER", b"PASS", b"RETR", b"NOOP", b"QUIT"]

"""Bytes through a protocol = "none" [[tunnel]]: large transfers both ways to slow readers
without the relay holding them, a close on either side passed on, the idle timeout."""
import asyncio
import hashlib
import random
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator

import pytest

from daemon.config import load
from tests.conftest import write_config

BIG = 20 * 1024 * 1024
BLOCK = 64 * 1024

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def blocks(size: int, seed: str) -> Iterator[bytes]:
    """`size` bytes of deterministic noise, no two blocks alike, made as they are needed."""
    generator = random.Random(seed)
    for start in range(0, size, BLOCK):
        yield generator.randbytes(min(BLOCK, size - start))


def digest_of(size: int, seed: str) -> str:
    digest = hashlib.sha256()
    for block in blocks(size, seed):
        digest.update(block)
    return digest.hexdigest()


class Provider:
    """The TLS server behind the tunnel; `script` is what it does with each connection."""

    def __init__(self, server_context: ssl.SSLContext, script: Script) -> None:
        self.server_context = server_context
        self.script = script
        self.port = 0
        self.finished = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        try:
            await self.script(reader, writer)
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
            self.finished.set()
            self._tasks.discard(asyncio.current_task())

    async def start(self) -> "Provider":
        # A small reader limit: a slow provider does not soak up what the tunnel sends.
        self._server = await asyncio.start_server(
            self._connection, "127.0.0.1", 0, ssl=self.server_context, limit=16 * 1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()


@pytest.fixture
async def tunnel_to(tmp_path, tls_files, start_relay):
    providers: list[Provider] = []

    async def start(script: Script, idle_timeout: str = "5s"):
        provider = await Provider(tls_files.good, script).start()
        providers.append(provider)
        path = write_config(tmp_path, {
            "storage": {"dir": "state"},
            "smtp": {"listen": "127.0.0.1:0"},
            "panel": {"listen": "127.0.0.1:0"},
        })
        path.write_text(path.read_text() + (
            '\n[[tunnel]]\nname = "plain"\naccept = "127.0.0.1:0"\nprotocol = "none"\n'
            f'connect = "127.0.0.1:{provider.port}"\nca_file = "{tls_files.ca_file}"\n'
            f'server_name = "localhost"\nidle_timeout = "{idle_timeout}"\n'
        ))
        relay = await start_relay(load(path), run_worker=False)
        return relay.tunnel_port("plain"), provider

    yield start
    for provider in providers:
        await provider.stop()


def connect(port: int, *, receive_buffer: int | None = None, timeout: float = 8) -> socket.socket:
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


def read_slowly(sock: socket.socket, size: int) -> tuple[int, str]:
    """Read `size` bytes 16 KiB at a time, pausing after every 64 KiB."""
    digest = hashlib.sha256()
    count = paused_at = 0
    while count < size:
        data = sock.recv(16 * 1024)
        if not data:
            break
        digest.update(data)
        count += len(data)
        if count - paused_at >= BLOCK:
            paused_at = count
            time.sleep(0.002)
    return count, digest.hexdigest()


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


async def read_slowly_async(reader: asyncio.StreamReader, size: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = paused_at = 0
    while count < size:
        data = await reader.read(16 * 1024)
        if not data:
            break
        digest.update(data)
        count += len(data)
        if count - paused_at >= BLOCK:
            paused_at = count
            await asyncio.sleep(0.002)  # the provider's pace: the tunnel must wait for it
    return count, digest.hexdigest()


async def test_20_mb_each_way_to_slow_readers_is_byte_identical_and_not_held(tunnel_to):
    provider_got: dict[str, object] = {}

    async def exchange(reader, writer):
        async def send():
            for block in blocks(BIG, "down"):
                writer.write(block)
                await writer.drain()

        async def receive():
            provider_got["data"] = await read_slowly_async(reader, BIG)
            provider_got["then eof"] = await reader.read() == b""

        await asyncio.gather(send(), receive())

    port, provider = await tunnel_to(exchange)

    def client() -> tuple[int, str]:
        with connect(port, receive_buffer=16 * 1024) as sock:
            sender = threading.Thread(target=lambda: [sock.sendall(b) for b in blocks(BIG, "up")])
            sender.start()
            try:
                return read_slowly(sock, BIG)
            finally:
                sender.join()

    tracemalloc.start()
    try:
        client_got = await asyncio.to_thread(client)
        async with asyncio.timeout(5):
            await provider.finished.wait()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert client_got == (BIG, digest_of(BIG, "down"))
    assert provider_got == {"data": (BIG, digest_of(BIG, "up")), "then eof": True}
    # 40 MB crossed the tunnel, whose two readers were slower than their senders.
    print(f"peak {peak} bytes traced")
    assert peak < BIG / 5, f"peak {peak} bytes traced"


async def test_the_provider_closing_closes_the_client_after_all_it_sent(tunnel_to):
    async def send_then_close(reader, writer):
        for block in blocks(1024 * 1024, "last words"):
            writer.write(block)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    port, _ = await tunnel_to(send_then_close)

    def client() -> bytes:
        with connect(port) as sock:  # a close not passed on fails on the socket timeout
            return read_until_closed(sock)

    received = await asyncio.to_thread(client)
    assert received == b"".join(blocks(1024 * 1024, "last words"))


async def test_the_client_closing_closes_the_provider_after_all_it_sent(tunnel_to):
    got: dict[str, object] = {}

    async def read_until_eof(reader, writer):
        got["data"] = await read_slowly_async(reader, 2 * BIG)  # stops at the EOF
        got["eof"] = reader.at_eof()

    port, provider = await tunnel_to(read_until_eof)

    def client() -> None:
        with connect(port) as sock:
            for block in blocks(1024 * 1024, "goodbye"):
                sock.sendall(block)

    await asyncio.to_thread(client)
    async with asyncio.timeout(5):
        await provider.finished.wait()
    assert got == {"data": (1024 * 1024, digest_of(1024 * 1024, "goodbye")), "eof": True}


async def test_an_idle_connection_is_closed_after_idle_timeout_and_traffic_keeps_it_open(tunnel_to):
    async def echo(reader, writer):
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()

    port, provider = await tunnel_to(echo, idle_timeout="1s")

    def client() -> float:
        with connect(port) as sock:
            stream = sock.makefile("rb")
            for n in range(5):  # 2 s of traffic every 0.4 s: longer than the idle timeout
                sock.sendall(b"ping %d\n" % n)
                assert stream.readline() == b"ping %d\n" % n
                time.sleep(0.4)
            quiet_since = time.monotonic()
            assert stream.read() == b""  # the tunnel closes us
            return time.monotonic() - quiet_since

    idle = await asyncio.to_thread(client)
    assert 0.5 <= idle < 2.5, idle
    async with asyncio.timeout(2):
        await provider.finished.wait()  # and the provider side is closed too

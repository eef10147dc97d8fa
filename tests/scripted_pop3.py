"""A POP3S provider made in the test whose answers to chosen verbs are scripts (pieces sent
on cue, stalls, closes), and a blocking wire-level client that reads as slowly as told.
"""
import asyncio
import hashlib
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from daemon.config import load
from tests.conftest import write_config

TERMINATOR = b"\r\n.\r\n"
USER = b"sender@example.test"

# What a script does with one command: write its answer (or not) on the provider's side.
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def message_lines(size: int) -> Iterator[bytes]:
    """Body lines as they go on the wire: numbered (no two alike), every 7th dot-stuffed."""
    filler = b"-" * 60
    for n in range(size // 73 + 1):  # 73 bytes a line at least
        yield (b".." if n % 7 == 0 else b"") + b"%010d " % n + filler + b"\r\n"


def message_blocks(size: int, lines_per_block: int = 1000) -> Iterator[bytes]:
    """The dot-stuffed body in blocks of lines, then the final ".\\r\\n"."""
    block: list[bytes] = []
    for line in message_lines(size):
        block.append(line)
        if len(block) == lines_per_block:
            yield b"".join(block)
            block = []
    yield b"".join(block) + b".\r\n"


class ScriptedPop3:
    """Answers USER/PASS/NOOP/LIST/UIDL/STAT/QUIT plainly; `scripts` answer the rest."""

    def __init__(self, server_context: ssl.SSLContext, scripts: dict[bytes, Script], size: int = 1000) -> None:
        self.server_context = server_context
        self.scripts = scripts
        self.size = size
        self.port = 0
        self.commands: list[bytes] = []
        self.relay_closed = asyncio.Event()  # the relay closed its connection to us
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    def answer(self, verb: bytes) -> bytes:
        return {
            b"USER": b"+OK\r\n",
            b"PASS": b"+OK logged in\r\n",
            b"NOOP": b"+OK\r\n",
            b"STAT": b"+OK 1 %d\r\n" % self.size,
            b"LIST": b"+OK 1 messages\r\n1 %d\r\n.\r\n" % self.size,
            b"UIDL": b"+OK\r\n1 uid-0001\r\n.\r\n",
            b"QUIT": b"+OK bye\r\n",
        }.get(verb, b"-ERR not here\r\n")

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        try:
            writer.write(b"+OK scripted POP3 ready <1.2@provider.test>\r\n")
            while line := await reader.readline():
                self.commands.append(line)
                verb = (line.split() or [b""])[0].upper()
                if verb in self.scripts:
                    await self.scripts[verb](reader, writer)
                    if writer.is_closing():
                        return
                else:
                    writer.write(self.answer(verb))
                    if verb == b"QUIT":
                        await writer.drain()
                        return
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            self.relay_closed.set()
        finally:
            if reader.at_eof():
                self.relay_closed.set()
            writer.close()
            self._tasks.discard(asyncio.current_task())

    async def start(self) -> "ScriptedPop3":
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0, ssl=self.server_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server:
            await self._server.wait_closed()


async def wait_for_eof(reader: asyncio.StreamReader) -> None:
    """A stalled provider: says nothing more until the relay gives up on it."""
    try:
        while await reader.read(65536):
            pass
    except (ConnectionError, ssl.SSLError):
        pass


class Wire:
    """A plaintext POP3 client at the byte level, blocking (run it in a thread)."""

    def __init__(self, port: int, *, receive_buffer: int | None = None, timeout: float = 8) -> None:
        self.sock = socket.socket()
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.pending = b""

    def __enter__(self) -> "Wire":
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def _receive(self, size: int = 65536) -> bytes:
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        data = self.sock.recv(size)
        if not data:
            raise EOFError("relay closed the connection")
        return data

    def line(self) -> bytes:
        while b"\n" not in self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(f"relay closed the connection; had {self.pending!r}")
            self.pending += data
        line, _, self.pending = self.pending.partition(b"\n")
        return line + b"\n"

    def command(self, text: bytes) -> bytes:
        self.sock.sendall(text)
        return self.line()

    def login(self) -> None:
        assert self.line().startswith(b"+OK")
        assert self.command(b"USER " + USER + b"\r\n") == b"+OK\r\n"
        assert self.command(b"PASS secret\r\n") == b"+OK logged in\r\n"

    def exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            data += self._receive(count - len(data))
        return data

    def body(self, before: bytes = b"\r\n") -> bytes:
        """The rest of a small multi-line answer, terminator included; `before` is what
        the client already has of it (the status line's CRLF at least)."""
        data = b""
        while not (before + data).endswith(TERMINATOR):
            data += self._receive()
        return data

    def slow_body(self, digest: "hashlib._Hash", *, pause_every: int = 64 * 1024) -> int:
        """Read a large body a little at a time with pauses, into `digest`; returns its size."""
        count = 0
        tail = b"\r\n"
        paused_at = 0
        while not tail.endswith(TERMINATOR):
            data = self._receive(16 * 1024)
            digest.update(data)
            count += len(data)
            tail = (tail + data)[-len(TERMINATOR):]
            if count - paused_at >= pause_every:
                paused_at = count
                time.sleep(0.002)  # the slow client: the relay must wait for it, not buffer
        return count

    def until_closed(self) -> bytes:
        """Everything until the relay closes the connection."""
        data, self.pending = self.pending, b""
        while chunk := self.sock.recv(65536):
            data += chunk
        return data


@pytest.fixture
async def provider_with(tls_files):
    started: list[ScriptedPop3] = []

    async def start(scripts, size: int = 1000) -> ScriptedPop3:
        provider = await ScriptedPop3(tls_files.good, scripts, size).start()
        started.append(provider)
        return provider

    yield start
    for provider in started:
        await provider.stop()


@pytest.fixture
async def pop3_relay(tmp_path, tls_files, start_relay):
    async def start(provider: ScriptedPop3, timeout: str = "3s", idle_timeout: str = "5s"):
        config = load(write_config(tmp_path, {
            "storage": {"dir": "state"},
            "smtp": {"listen": "127.0.0.1:0"},
            "panel": {"listen": "127.0.0.1:0"},
            "pop3": {"listen": "127.0.0.1:0", "idle_timeout": idle_timeout},
            "upstream.pop3": {"host": "127.0.0.1", "port": provider.port, "ca_file": str(tls_files.ca_file),
                              "server_name": "localhost", "timeout": timeout},
        }))
        return await start_relay(config, run_worker=False)

    return start

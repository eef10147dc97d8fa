"""A logged-in provider connection taken over from aiosmtplib for pipelined transactions.

RFC 2920: where the provider offers PIPELINING, a message's RSET, MAIL, RCPTs and DATA
go out in one write and their replies come back together, one round trip instead of
four. aiosmtplib reads one reply per command it awaits and drops what arrives early, so
once its session is open (TLS verified, EHLO, AUTH) the transport gets this protocol.
"""
import asyncio
from collections import deque
from dataclasses import dataclass

import aiosmtplib

MAX_REPLY_LINE = 8192  # aiosmtplib's limit, and far above any real reply


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class PipelinedSession(asyncio.Protocol):
    """Writes commands back to back and hands out their replies in order."""

    def __init__(self, transport: asyncio.Transport, timeout: float) -> None:
        self._transport = transport
        self._timeout = timeout
        self._buffer = bytearray()
        self._lines: list[str] = []  # of a multi-line reply still arriving
        self._replies: deque[Reply] = deque()
        self._arrived: asyncio.Future[None] | None = None
        self._writable = asyncio.Event()
        self._writable.set()
        self._error: Exception | None = None

    @classmethod
    def take_over(cls, smtp: aiosmtplib.SMTP, timeout: float) -> "PipelinedSession":
        transport = smtp.transport
        assert transport is not None, "the session is open"
        session = cls(transport, timeout)
        transport.set_protocol(session)
        return session

    @property
    def is_connected(self) -> bool:
        return self._error is None and not self._transport.is_closing()

    async def exchange(self, commands: list[bytes]) -> list[Reply]:
        """Send ``commands`` (CRLF-terminated lines or a DATA body) and read one reply each."""
        await self.send(b"".join(commands))
        return await self.replies(len(commands))

    async def send(self, data: bytes) -> None:
        self._raise_if_broken()
        self._transport.write(data)
        if not self._writable.is_set():  # the provider reads slower than we write
            async with asyncio.timeout(self._timeout):
                await self._writable.wait()
        self._raise_if_broken()

    async def replies(self, count: int) -> list[Reply]:
        try:
            async with asyncio.timeout(self._timeout):
                while len(self._replies) < count:
                    self._raise_if_broken()
                    self._arrived = asyncio.get_running_loop().create_future()
                    await self._arrived
        except TimeoutError:
            self._fail(aiosmtplib.SMTPReadTimeoutError("timed out waiting for the provider's reply"))
            raise self._error from None
        return [self._replies.popleft() for _ in range(count)]

    async def quit(self) -> None:
        """QUIT politely; a dead connection is simply closed."""
        try:
            if self.is_connected:
                await self.exchange([b"QUIT\r\n"])
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass
        finally:
            self._transport.close()

    def close(self) -> None:
        self._transport.close()

    def _raise_if_broken(self) -> None:
        if self._error is not None:
            raise self._error

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._transport.close()
        self._wake()

    def _wake(self) -> None:
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)

    # asyncio.Protocol

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            if not line[:3].isdigit() or len(line) > MAX_REPLY_LINE:
                text = line[:80].decode("utf-8", "replace").strip()
                self._fail(aiosmtplib.SMTPResponseException(-1, f"malformed reply from the provider: {text!r}"))
                return
            self._lines.append(line[4:].decode("utf-8", "surrogateescape").strip())
            if line[3:4] != b"-":
                self._replies.append(Reply(int(line[:3]), "\n".join(self._lines)))
                self._lines = []
        if len(self._buffer) > MAX_REPLY_LINE:
            self._fail(aiosmtplib.SMTPResponseException(-1, "reply line from the provider too long"))
            return
        self._wake()

    def connection_lost(self, error: Exception | None) -> None:
        self._fail(aiosmtplib.SMTPServerDisconnected(f"connection lost: {error or 'closed by the provider'}"))
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

"""The plaintext part of SMTP, POP3 and IMAP up to the point where TLS starts.

Each prelude reads the server's greeting, asks for TLS and returns the greeting so a
tunnel can show it to its client once the upstream side is encrypted.
"""
import asyncio
import re
from collections.abc import Awaitable, Callable

from daemon.config import TunnelProtocol

MAX_LINE = 8192

Prelude = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bytes]]


class PreludeFailed(Exception):
    """The server would not start TLS; the message says what it answered."""


async def _line(reader: asyncio.StreamReader) -> bytes:
    line = await reader.readline()
    if not line:
        raise PreludeFailed("the server closed the connection")
    if len(line) > MAX_LINE:
        raise PreludeFailed("the server sent an overlong line")
    return line


async def _smtp_reply(reader: asyncio.StreamReader) -> list[bytes]:
    lines = [await _line(reader)]
    while lines[-1][3:4] == b"-":
        lines.append(await _line(reader))
    return lines


def _shown(line: bytes) -> str:
    return line.decode("utf-8", "replace").strip()


async def smtp_prelude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    greeting = await _smtp_reply(reader)
    if not greeting[0].startswith(b"220"):
        raise PreludeFailed(f"greeting: {_shown(greeting[-1])}")
    writer.write(b"EHLO localhost\r\n")
    extensions = await _smtp_reply(reader)
    if not any(line[4:].strip().upper() == b"STARTTLS" for line in extensions):
        raise PreludeFailed("the server does not offer STARTTLS")
    writer.write(b"STARTTLS\r\n")
    reply = await _smtp_reply(reader)
    if not reply[0].startswith(b"220"):
        raise PreludeFailed(f"STARTTLS refused: {_shown(reply[-1])}")
    return b"".join(greeting)


async def pop3_prelude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    greeting = await _line(reader)
    if not greeting.startswith(b"+OK"):
        raise PreludeFailed(f"greeting: {_shown(greeting)}")
    writer.write(b"STLS\r\n")
    reply = await _line(reader)
    if not reply.startswith(b"+OK"):
        raise PreludeFailed(f"STLS refused: {_shown(reply)}")
    return greeting


_CAPABILITY_CODE = re.compile(rb"\[CAPABILITY [^\]]*\]\s*", re.I)


async def imap_prelude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    greeting = await _line(reader)
    if not greeting.startswith(b"* OK"):
        raise PreludeFailed(f"greeting: {_shown(greeting)}")
    writer.write(b"epd1 STARTTLS\r\n")
    while True:
        reply = await _line(reader)
        if reply.startswith(b"epd1 "):
            break
    if not reply.startswith(b"epd1 OK"):
        raise PreludeFailed(f"STARTTLS refused: {_shown(reply)}")
    # Capabilities announced before TLS (STARTTLS, LOGINDISABLED) are no longer true:
    # the client asks again through the tunnel.
    return _CAPABILITY_CODE.sub(b"", greeting)


PRELUDES: dict[TunnelProtocol, Prelude | None] = {
    TunnelProtocol.NONE: None,
    TunnelProtocol.SMTP: smtp_prelude,
    TunnelProtocol.POP3: pop3_prelude,
    TunnelProtocol.IMAP: imap_prelude,
}

"""The plaintext part of SMTP, POP3 and IMAP up to the point where TLS starts.

Each prelude reads the server's greeting, asks for TLS and returns the greeting so a
tunnel can show it to its client once the upstream side is encrypted.
"""
import asyncio
import re
from collections.abc import Awaitable, Callable

from daemon.config import TunnelProtocol
from daemon.provider.failures import StepFailed
from daemon.provider.steps import Facts, Reason, Reply, Step, StepResult

MAX_LINE = 8192

Prelude = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bytes]]


class PreludeFailed(StepFailed):
    """The server would not start TLS; the result says at which step and what it answered."""


def _failed(step: Step, reason: Reason, **facts) -> PreludeFailed:
    return PreludeFailed(StepResult(step, False, reason, Facts(**facts)))


def _reply(line: bytes) -> Reply:
    return Reply(None, line.decode("utf-8", "replace").strip())


async def _line(reader: asyncio.StreamReader, step: Step) -> bytes:
    line = await reader.readline()
    if not line:
        raise _failed(step, Reason.CONNECTION_CLOSED)
    if len(line) > MAX_LINE:
        raise _failed(step, Reason.LINE_TOO_LONG)
    return line


async def _smtp_reply(reader: asyncio.StreamReader, step: Step) -> list[bytes]:
    lines = [await _line(reader, step)]
    while lines[-1][3:4] == b"-":
        lines.append(await _line(reader, step))
    return lines


async def smtp_prelude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    greeting = await _smtp_reply(reader, Step.GREETING)
    if not greeting[0].startswith(b"220"):
        raise _failed(Step.GREETING, Reason.REPLIED, reply=_reply(greeting[-1]))
    writer.write(b"EHLO localhost\r\n")
    extensions = await _smtp_reply(reader, Step.EHLO)
    if not any(line[4:].strip().upper() == b"STARTTLS" for line in extensions):
        raise _failed(Step.STARTTLS, Reason.NO_STARTTLS)
    writer.write(b"STARTTLS\r\n")
    reply = await _smtp_reply(reader, Step.STARTTLS)
    if not reply[0].startswith(b"220"):
        raise _failed(Step.STARTTLS, Reason.STARTTLS_REFUSED, command="STARTTLS", reply=_reply(reply[-1]))
    return b"".join(greeting)


async def pop3_prelude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    greeting = await _line(reader, Step.GREETING)
    if not greeting.startswith(b"+OK"):
        raise _failed(Step.GREETING, Reason.REPLIED, reply=_reply(greeting))
    writer.write(b"STLS\r\n")
    reply = await _line(reader, Step.STARTTLS)
    if not reply.startswith(b"+OK"):
        raise _failed(Step.STARTTLS, Reason.STARTTLS_REFUSED, command="STLS", reply=_reply(reply))
    return greeting


_CAPABILITY_CODE = re.compile(rb"\[CAPABILITY [^\]]*\]\s*", re.I)


async def imap_prelude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    greeting = await _line(reader, Step.GREETING)
    if not greeting.startswith(b"* OK"):
        raise _failed(Step.GREETING, Reason.REPLIED, reply=_reply(greeting))
    writer.write(b"epd1 STARTTLS\r\n")
    while True:
        reply = await _line(reader, Step.STARTTLS)
        if reply.startswith(b"epd1 "):
            break
    if not reply.startswith(b"epd1 OK"):
        raise _failed(Step.STARTTLS, Reason.STARTTLS_REFUSED, command="STARTTLS", reply=_reply(reply))
    # Capabilities announced before TLS (STARTTLS, LOGINDISABLED) are no longer true:
    # the client asks again through the tunnel.
    return _CAPABILITY_CODE.sub(b"", greeting)


PRELUDES: dict[TunnelProtocol, Prelude | None] = {
    TunnelProtocol.NONE: None,
    TunnelProtocol.SMTP: smtp_prelude,
    TunnelProtocol.POP3: pop3_prelude,
    TunnelProtocol.IMAP: imap_prelude,
}

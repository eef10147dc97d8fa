"""Reading a mailbox over POP3 (RFC 1939) on a stream already secured by verified TLS.

USER/PASS, UIDL, LIST, TOP and RETR, one command at a time; there is no DELE here, so the
mailbox is left exactly as it was. A multi-line answer is read piece by piece and kept only
up to a limit (the rest is read and dropped, so the session stays in step); every read
waits at most the configured timeout. A failure raises StepFailed with the step and reason
as data (daemon/provider/steps.py), as the provider check does.
"""
import asyncio
import re
from dataclasses import dataclass
from typing import NoReturn

from daemon.provider.failures import StepFailed
from daemon.provider.secure_stream import SecureStream
from daemon.provider.steps import Facts, Reason, Reply, Step, StepResult, pop3_login_refusal

CHUNK = 64 * 1024
TERMINATOR = b"\r\n.\r\n"
_STUFFED = re.compile(rb"^\.", re.M)


@dataclass(frozen=True)
class Answer:
    data: bytes     # dot-stuffing undone, lines ending in CRLF
    complete: bool  # False: it was longer than the limit, and only its beginning is here


class Pop3Reader:
    """One session. ``step`` is where it is: AUTH until logged in, then STAT (the mailbox)."""

    def __init__(self, stream: SecureStream, timeout: float) -> None:
        self._stream = stream
        self._timeout = timeout
        self.step = Step.GREETING

    async def log_in(self, username: str, password: str) -> None:
        greeting = self._stream.prelude_greeting  # after STLS the server does not greet again
        reply = _reply(greeting) if greeting else await self._status_line()
        if not reply.text.startswith("+OK"):
            self._fail(Reason.REPLIED, reply=reply)
        self.step = Step.AUTH
        if any(c in username + password for c in "\r\n"):
            self._fail(Reason.FAILED, login=username, error="the login or the password has a line break in it")
        await self._command(f"USER {username}", login=username)
        await self._command(f"PASS {password}", login=username, refused=Reason.LOGIN_REFUSED)
        self.step = Step.STAT

    async def unique_ids(self, limit: int) -> dict[int, str]:
        """UIDL: message number to unique id, for every message in the mailbox."""
        return {number: value for number, value in await self._listing("UIDL", limit)}

    async def sizes(self, limit: int) -> dict[int, int]:
        """LIST: message number to size in octets."""
        return {number: int(value) for number, value in await self._listing("LIST", limit) if value.isdigit()}

    async def top(self, number: int, lines: int, limit: int) -> Answer:
        """The header block and the first `lines` lines of the body."""
        await self._command(f"TOP {number} {lines}")
        return await self._body(limit)

    async def retr(self, number: int, limit: int) -> Answer:
        await self._command(f"RETR {number}")
        return await self._body(limit)

    async def quit(self) -> None:
        await self._command("QUIT")

    async def _listing(self, verb: str, limit: int) -> list[tuple[int, str]]:
        await self._command(verb)
        answer = await self._body(limit)
        if not answer.complete:
            self._fail(Reason.FAILED, error=f"the {verb} answer is longer than {limit} bytes")
        entries = []
        for line in answer.data.decode("ascii", "replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit():
                entries.append((int(parts[0]), parts[1]))
        return entries

    async def _command(self, line: str, *, login: str = "", refused: Reason = Reason.REPLIED) -> Reply:
        self._stream.writer.write(line.encode("utf-8") + b"\r\n")
        reply = await self._status_line()
        if not reply.text.startswith("+OK"):
            if refused is Reason.LOGIN_REFUSED:
                refused = pop3_login_refusal(reply)
            command = line.split()[0] if self.step is Step.STAT else ""
            self._fail(refused, reply=reply, login=login, command=command)
        return reply

    async def _status_line(self) -> Reply:
        try:
            async with asyncio.timeout(self._timeout):
                line = await self._stream.reader.readline()
        except ValueError:  # longer than the stream's limit
            self._fail(Reason.LINE_TOO_LONG)
        except (OSError, TimeoutError) as error:
            self._fail(Reason.CONNECTION_LOST, error=str(error))
        if not line.endswith(b"\n"):
            self._fail(Reason.CONNECTION_CLOSED)
        return _reply(line)

    async def _body(self, limit: int) -> Answer:
        """The rest of a multi-line answer, up to and including CRLF.CRLF."""
        kept = bytearray()
        complete = True
        pending = b"\r\n"  # the status line's end: an empty answer is just ".\r\n"

        def keep(data: bytes) -> None:
            nonlocal complete
            room = limit + 2 - len(kept)
            if len(data) > room:
                complete = False
                data = data[: max(room, 0)]
            kept.extend(data)

        while True:
            pending += await self._read()
            end = pending.find(TERMINATOR)
            if end >= 0:
                if end + len(TERMINATOR) != len(pending):
                    self._fail(Reason.FAILED, error="the server sent more than one answer")
                keep(pending[: end + 2])
                return Answer(_STUFFED.sub(b"", bytes(kept[2:])), complete)
            keep(pending[: -len(TERMINATOR) + 1])
            pending = pending[-len(TERMINATOR) + 1:]

    async def _read(self) -> bytes:
        try:
            async with asyncio.timeout(self._timeout):
                data = await self._stream.reader.read(CHUNK)
        except (OSError, TimeoutError) as error:
            self._fail(Reason.CONNECTION_LOST, error=str(error))
        if not data:
            self._fail(Reason.CONNECTION_CLOSED)
        return data

    def _fail(self, reason: Reason, **facts) -> NoReturn:
        raise StepFailed(StepResult(self.step, False, reason, Facts(**facts)))


def _reply(line: bytes) -> Reply:
    return Reply(None, line.decode("utf-8", "replace").strip())

"""Handing one message to its destination; the result is per recipient, never an exception."""
import asyncio
import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import aiosmtplib
from aiosmtplib.email import quote_address

from daemon.config import ConfigHolder, UpstreamSmtpConfig
from daemon.delivery.maildir import Maildir
from daemon.delivery.pipelining import PipelinedSession
from daemon.provider.smtp_session import UpstreamFailure, close_session, open_session
from daemon.queue.messages import QueuedMessage, Recipient
from daemon.smtp.protocol import PLAIN_MAILBOX
from daemon.smtp.transparency import send_data, stuffed

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class RecipientResult:
    recipient: Recipient
    outcome: Outcome
    reply_code: int | None
    reply_text: str


@dataclass(frozen=True)
class AttemptResult:
    results: list[RecipientResult]
    reason: str
    pause_account: bool = False  # the provider blocked the account (spam): stop sending for a while


def all_recipients(message: QueuedMessage, outcome: Outcome, code: int | None, text: str) -> list[RecipientResult]:
    return [RecipientResult(r, outcome, code, text) for r in message.open_recipients]


def _temporary(message: QueuedMessage, code: int | None, reason: str) -> AttemptResult:
    return AttemptResult(all_recipients(message, Outcome.TEMPORARY, code, reason), reason)


def outcome_of(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome.DELIVERED
    return Outcome.PERMANENT if code >= 500 else Outcome.TEMPORARY


def is_spam_block(code: int, text: str) -> bool:
    """Providers answer a blocked account with 554 (Yandex) or a 5xx naming spam (mail.ru)."""
    return code == 554 or (code >= 500 and "spam" in text.lower())


class Transport(Protocol):
    async def deliver(self, message: QueuedMessage, content: bytes) -> AttemptResult: ...

    async def close_idle(self, now: float) -> None: ...

    async def close(self) -> None: ...


class CaptureTransport:
    """No upstream configured: keep mail in a local Maildir and say plainly it was not sent."""

    TEXT = "captured locally, not sent (no upstream configured)"

    def __init__(self, maildir: Maildir) -> None:
        self._maildir = maildir

    async def deliver(self, message: QueuedMessage, content: bytes) -> AttemptResult:
        results = []
        for recipient in message.open_recipients:
            envelope = f"Return-Path: <{message.sender}>\r\nDelivered-To: {recipient.address}\r\n"
            path = await asyncio.to_thread(self._maildir.deliver, envelope.encode() + content)
            results.append(RecipientResult(recipient, Outcome.DELIVERED, 250, f"{self.TEXT}: {path.name}"))
        return AttemptResult(results, self.TEXT)

    async def close_idle(self, now: float) -> None:
        pass

    async def close(self) -> None:
        pass


@dataclass
class _Connection:
    smtp: aiosmtplib.SMTP  # after a take-over, only for the extensions EHLO named
    pipe: PipelinedSession | None  # the provider offers PIPELINING: the transport is ours
    password: str
    upstream: UpstreamSmtpConfig  # a reload that changes it means a new connection
    last_used: float
    used: bool = False

    @property
    def is_connected(self) -> bool:
        return self.pipe.is_connected if self.pipe else self.smtp.is_connected

    async def close(self) -> None:
        if self.pipe:
            await self.pipe.quit()
        else:
            await close_session(self.smtp)


class PasswordSource(Protocol):
    async def password(self, account: str) -> str | None: ...

    def refused(self, account: str) -> None: ...


class UpstreamTransport:
    """Sends over verified TLS connections kept open per account, reused with RSET.

    A connection is lent to one delivery at a time and comes back when the message is
    done, so there are as many per account as deliveries run at once ([delivery]
    connections), and no more.
    """

    def __init__(self, settings: ConfigHolder, passwords: PasswordSource, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._passwords = passwords
        self._clock = clock
        self._idle: dict[str, list[_Connection]] = {}

    async def deliver(self, message: QueuedMessage, content: bytes) -> AttemptResult:
        password = await self._passwords.password(message.account)
        if password is None:
            reason = (
                f"no password for account {message.account or '(none configured)'}: waiting for the"
                " client to log in again, or store one with `epd-relay account set`"
            )
            return _temporary(message, None, reason)
        result = await self._attempt(message, content, password, reuse=True)
        if result is None:  # the provider had closed our idle connection: one fresh try
            result = await self._attempt(message, content, password, reuse=False)
        return result or _temporary(message, None, "connection lost twice")

    async def _attempt(
        self, message: QueuedMessage, content: bytes, password: str, *, reuse: bool
    ) -> AttemptResult | None:
        try:
            connection = await self._borrow(message.account, password, reuse=reuse)
        except UpstreamFailure as failure:
            if failure.is_auth_refusal:
                self._passwords.refused(message.account)
            return _temporary(message, failure.reply_code, failure.detail)
        was_used = connection.used
        try:
            result = await self._send(connection, message, content)
        except aiosmtplib.SMTPServerDisconnected as error:
            await connection.close()
            return None if was_used else _temporary(message, None, f"connection lost: {error}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await connection.close()
            return _temporary(message, None, f"transaction failed: {str(error) or type(error).__name__}")
        except BaseException:
            await connection.close()
            raise
        connection.used, connection.last_used = True, self._clock()
        self._idle.setdefault(message.account, []).append(connection)
        return result

    async def _borrow(self, account: str, password: str, *, reuse: bool) -> _Connection:
        """The most recently used idle connection that still fits, or a new one."""
        upstream = self._settings.current.upstream_smtp
        idle = self._idle.get(account, [])
        while idle:
            connection = idle.pop()
            if (
                reuse and connection.is_connected
                and connection.password == password and connection.upstream == upstream
            ):
                return connection
            await connection.close()
        smtp = await open_session(upstream, account, password)
        pipe = PipelinedSession.take_over(smtp, upstream.timeout) if smtp.supports_extension("pipelining") else None
        return _Connection(smtp, pipe, password, upstream, self._clock())

    async def _send(self, connection: _Connection, message: QueuedMessage, content: bytes) -> AttemptResult:
        if connection.pipe:
            return await _send_pipelined(connection, message, content)
        smtp = connection.smtp
        if connection.used:
            await smtp.rset()
        options = _mail_options(smtp, content)
        try:
            await smtp.mail(message.sender, options=options)
        except aiosmtplib.SMTPResponseException as error:
            return _refused(message, error.code, error.message, "MAIL FROM")
        results: list[RecipientResult] = []
        accepted: list[Recipient] = []
        for recipient in message.open_recipients:
            try:
                await smtp.rcpt(recipient.address)
                accepted.append(recipient)
            except aiosmtplib.SMTPResponseException as error:
                text = f"{error.code} {error.message}"
                results.append(RecipientResult(recipient, outcome_of(error.code), error.code, text))
        if not accepted:
            return AttemptResult(results, "; ".join(r.reply_text for r in results))
        try:
            reply = await send_data(smtp, content)
        except aiosmtplib.SMTPResponseException as error:
            return _result(message, results, accepted, error.code, error.message)
        return _result(message, results, accepted, reply.code, reply.message)

    async def close_idle(self, now: float) -> None:
        idle_limit = self._settings.current.delivery.connection_idle
        for account, connections in list(self._idle.items()):
            for connection in [c for c in connections if now - c.last_used >= idle_limit]:
                log.debug("closing idle upstream connection for %s", account)
                connections.remove(connection)
                await connection.close()

    async def close(self) -> None:
        for connections in list(self._idle.values()):
            while connections:
                await connections.pop().close()


def _mail_options(smtp: aiosmtplib.SMTP, content: bytes) -> list[str]:
    options = []
    if smtp.supports_extension("size"):
        options.append(f"SIZE={len(content)}")
    if smtp.supports_extension("8bitmime") and not content.isascii():
        options.append("BODY=8BITMIME")
    return options


_PLAIN_MAILBOX = re.compile(PLAIN_MAILBOX)


def _path(address: str) -> str:
    """``<address>`` for MAIL FROM and RCPT TO. aiosmtplib's quote_address parses every
    address with the email package (12 µs each); it still takes anything out of the
    ordinary, and refuses what could not go on a command line."""
    if _PLAIN_MAILBOX.fullmatch(address):
        return f"<{address}>"
    return quote_address(address)


async def _send_pipelined(connection: _Connection, message: QueuedMessage, content: bytes) -> AttemptResult:
    """RSET, MAIL, every RCPT and DATA in one write, then the body if DATA got 354."""
    pipe = connection.pipe
    recipients = message.open_recipients
    options = "".join(f" {option}" for option in _mail_options(connection.smtp, content))
    commands = [b"RSET\r\n"] if connection.used else []
    commands.append(f"MAIL FROM:{_path(message.sender)}{options}\r\n".encode())
    commands += [f"RCPT TO:{_path(r.address)}\r\n".encode() for r in recipients]
    commands.append(b"DATA\r\n")
    replies = await pipe.exchange(commands)
    if connection.used:
        rset = replies.pop(0)
        if rset.code != 250:
            raise aiosmtplib.SMTPResponseException(rset.code, f"RSET refused: {rset.text}")
    mail, *rcpt_replies, data = replies
    if data.code == 354:  # a provider that opens DATA nonetheless gets an empty message ended
        if not 200 <= mail.code < 300 or not any(200 <= r.code < 300 for r in rcpt_replies):
            await pipe.exchange([b".\r\n"])
    if not 200 <= mail.code < 300:
        return _refused(message, mail.code, mail.text, "MAIL FROM")
    results: list[RecipientResult] = []
    accepted: list[Recipient] = []
    for recipient, reply in zip(recipients, rcpt_replies):
        if 200 <= reply.code < 300:
            accepted.append(recipient)
        else:
            results.append(RecipientResult(recipient, outcome_of(reply.code), reply.code, str(reply)))
    if not accepted:
        return AttemptResult(results, "; ".join(r.reply_text for r in results))
    if data.code == 354:
        [data] = await pipe.exchange([stuffed(content)])
    return _result(message, results, accepted, data.code, data.text)


def _result(
    message: QueuedMessage, results: list[RecipientResult], accepted: list[Recipient], code: int, text: str
) -> AttemptResult:
    """The attempt's outcome once the provider answered the end of the message (or DATA)."""
    if code != 250:
        refused = _refused(message, code, text, "DATA")
        accepted_ids = {r.id for r in accepted}
        results += [r for r in refused.results if r.recipient.id in accepted_ids]
        return AttemptResult(results, refused.reason, refused.pause_account)
    reply = f"{code} {text}"
    results += [RecipientResult(r, Outcome.DELIVERED, code, reply) for r in accepted]
    reason = "; ".join(r.reply_text for r in results if r.outcome is not Outcome.DELIVERED)
    return AttemptResult(results, reason or reply)


def _refused(message: QueuedMessage, code: int, text: str, stage: str) -> AttemptResult:
    reply = f"{code} {text}"
    if is_spam_block(code, text):
        reason = f"provider blocked the account at {stage}: {reply}"
        return AttemptResult(all_recipients(message, Outcome.TEMPORARY, code, reply), reason, pause_account=True)
    return AttemptResult(all_recipients(message, outcome_of(code), code, reply), f"{stage}: {reply}")

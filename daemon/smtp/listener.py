"""The plaintext SMTP listener for legacy clients: truthful AUTH, no open relay, durable 250."""
import asyncio
import base64
import binascii
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from daemon.config import ConfigHolder
from daemon.db.connect import Database
from daemon.provider import logins
from daemon.queue import messages
from daemon.smtp.auth import Authenticator, AuthVerdict
from daemon.smtp.protocol import RelaySMTP, reflected_names

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

AUTH_REQUIRED = "530 5.7.0 Authentication required: log in with the mail account's user and password"
STORAGE_FAILED = "451 4.3.0 Message not accepted: local storage failed, try again later"
# Delivery cannot write to the queue (a full disk, a locked or read-only store): mail taken
# now would only wait behind it, so the client keeps it and tries again.
DELIVERY_PAUSED = "451 4.3.0 Not accepting mail now: local storage is failing, try again later"

# A client sending a batch logs in and says MAIL FROM once per message: the account's
# address is looked up once in this long. A changed address applies within it.
SENDER_CACHE_SECONDS = 10.0


class RelayHandler:
    """aiosmtpd handler: per-connection state lives on aiosmtpd's Session, never here."""

    def __init__(
        self,
        settings: ConfigHolder,
        db: Database,
        authenticator: Authenticator,
        queued: Callable[[Callable[[set[str] | None], Awaitable[object]]], Awaitable[None]],
        clock: Callable[[], float] = time.time,
        store_failing: Callable[[], bool] = lambda: False,
    ) -> None:
        self._settings = settings
        self._db = db
        self._authenticator = authenticator
        self._queued = queued  # DeliveryWorker.queued: stores the message and sees it delivered
        self._clock = clock
        self._store_failing = store_failing
        self._senders: dict[str, tuple[str, float]] = {}

    def __dir__(self) -> list[str]:
        return _HANDLER_NAMES  # see daemon.smtp.protocol: aiosmtpd reflects per connection

    @staticmethod  # see the signature below
    async def handle_EHLO(
        server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]

    # AUTH PLAIN and LOGIN as handler hooks, because the check is asynchronous.
    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) == 1:
            raw = await server.challenge_auth("")
            if raw is None or raw is False or not isinstance(raw, bytes):
                return AuthResult(success=False, handled=True)
        else:
            raw = _b64(args[1])
            if raw is None:
                await server.push("501 5.5.2 Cannot decode base64")
                return AuthResult(success=False, handled=True)
        parts = raw.split(b"\x00")
        if len(parts) != 3:
            await server.push("501 5.5.2 Cannot split the PLAIN credentials")
            return AuthResult(success=False, handled=True)
        return await self._check(server, parts[1], parts[2])

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) == 1:
            login = await server.challenge_auth(server.AuthLoginUsernameChallenge)
        else:
            login = _b64(args[1])
            if login is None:
                await server.push("501 5.5.2 Cannot decode base64")
                return AuthResult(success=False, handled=True)
        if not isinstance(login, bytes):
            return AuthResult(success=False, handled=True)
        password = await server.challenge_auth(server.AuthLoginPasswordChallenge)
        if not isinstance(password, bytes):
            return AuthResult(success=False, handled=True)
        return await self._check(server, login, password)

    async def _check(self, server: SMTP, login: bytes, password: bytes) -> AuthResult:
        try:
            username, secret = login.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            await server.push("501 5.5.2 Credentials must be UTF-8")
            return AuthResult(success=False, handled=True)
        decision = await self._authenticator.authenticate(username, secret, self._clock())
        if decision.verdict is AuthVerdict.ACCEPTED:
            return AuthResult(
                success=True, message=decision.reply, auth_data=LoginPassword(login, b"")
            )
        await server.push(decision.reply)
        return AuthResult(success=False, handled=True)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._store_failing():
            return DELIVERY_PAUSED
        sender = address.lower()
        if session.authenticated:
            username = session.auth_data.login.decode("utf-8")
            expected = await self._sender_address(username)
            if expected and sender != expected:
                return (
                    f"553 5.7.1 Sender <{address}> is not the address of account {username}:"
                    f" use <{expected}> (the provider would refuse the message)"
                )
            session.account = username
        elif sender in self._settings.current.smtp.allowed_senders:
            session.account = self._settings.current.upstream_smtp.username
        else:
            return AUTH_REQUIRED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"

    async def _sender_address(self, username: str) -> str:
        now = time.monotonic()
        cached = self._senders.get(username)
        if cached and now - cached[1] < SENDER_CACHE_SECONDS:
            return cached[0]
        address = await logins.sender_address_for(self._db, username)
        self._senders[username] = (address, now)
        return address

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not _ADDRESS.match(address):
            return f"553 5.1.3 Recipient <{address}> is not a valid address"
        limit = self._settings.current.smtp.max_recipients
        if len(envelope.rcpt_tos) >= limit:
            return f"452 4.5.3 Too many recipients (at most {limit} per message)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._store_failing():
            return DELIVERY_PAUSED
        content = envelope.original_content or b""
        queue_id = messages.new_queue_id()
        account, sender, recipients = getattr(session, "account", ""), envelope.mail_from, list(envelope.rcpt_tos)

        async def store(paused: set[str] | None) -> messages.Claim | messages.NothingDue | None:
            now = self._clock()
            return await messages.insert_message(
                self._db, queue_id=queue_id, account=account, sender=sender, recipients=recipients,
                content=content, now=now, claim_due_by=None if paused is None else now, paused=paused or (),
            )

        try:
            await self._queued(store)
        except Exception:
            log.exception("could not store a message from %s", envelope.mail_from)
            return STORAGE_FAILED
        log.debug(
            "%s: queued from=<%s> to=%d size=%d",
            queue_id, envelope.mail_from, len(envelope.rcpt_tos), len(content),
        )
        return f"250 2.0.0 Ok: queued as {queue_id}"


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


_HANDLER_NAMES = reflected_names(RelayHandler, ("handle_", "auth_"))
# aiosmtpd also reads handle_EHLO's signature on every connection, to tell its two forms
# apart: a plain function hands over the signature kept here, where a bound method's would be
# made again without its first parameter each time (10 µs).
RelayHandler.handle_EHLO.__signature__ = inspect.signature(RelayHandler.handle_EHLO)


def make_server_factory(handler: RelayHandler, settings: ConfigHolder) -> Callable[[], SMTP]:
    def factory() -> SMTP:
        return RelaySMTP(
            handler,
            loop=asyncio.get_running_loop(),  # aiosmtpd otherwise looks it up through a warning filter
            data_size_limit=settings.current.smtp.max_message_size,
            hostname="localhost",
            ident="epd-relay",
            auth_require_tls=False,  # legacy clients AUTH in plaintext, on loopback only
            timeout=300,
        )

    return factory

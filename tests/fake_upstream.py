"""A provider made in the test: aiosmtpd over implicit TLS or STARTTLS, with AUTH, that
records what it receives and can be told to answer 4xx/5xx or to go away."""
import asyncio
import ssl
from dataclasses import dataclass, field

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    sender: str
    recipients: list[str]
    content: bytes
    login: str
    mail_options: list[str] = field(default_factory=list)


@dataclass
class Behaviour:
    """What the fake provider answers; change it between attempts."""

    mail_reply: str | None = None                       # e.g. "554 5.7.1 blocked as spam"
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> reply
    data_reply: str | None = None                       # e.g. "451 4.3.0 try later"
    hang_greeting: asyncio.Event | None = None          # hold the banner until set
    hold_data: list[asyncio.Event] = field(default_factory=list)  # each DATA waits for the next one


class _Handler:
    def __init__(self, upstream: "FakeUpstream") -> None:
        self.upstream = upstream

    async def handle_EHLO(self, server, session, envelope, hostname, responses: list[str]) -> list[str]:
        session.host_name = hostname
        if self.upstream.pipelining:  # aiosmtpd reads pipelined commands either way
            return [responses[0], "250-PIPELINING", *responses[1:]]
        return responses

    async def handle_MAIL(self, server, session, envelope: Envelope, address, options) -> str:
        self.upstream.mail_commands += 1
        if self.upstream.behaviour.mail_reply:
            return self.upstream.behaviour.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope: Envelope, address, options) -> str:
        reply = self.upstream.behaviour.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        if self.upstream.behaviour.hold_data:
            gate = self.upstream.behaviour.hold_data.pop(0)
            self.upstream.data_held += 1
            self.upstream.arrived.set()
            await gate.wait()
        if self.upstream.behaviour.data_reply:
            return self.upstream.behaviour.data_reply
        login = session.auth_data.login.decode() if session.auth_data else ""
        self.upstream.received.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, login,
                list(envelope.mail_options),
            )
        )
        self.upstream.arrived.set()
        return f"250 2.0.0 Ok: queued as UP{len(self.upstream.received)}"


class _ProviderSMTP(SMTP):
    def __init__(self, upstream: "FakeUpstream", **kwargs) -> None:
        super().__init__(_Handler(upstream), **kwargs)
        self.upstream = upstream

    def connection_made(self, transport) -> None:
        if self.transport is None:  # not the STARTTLS re-entry
            self.upstream.connections += 1
            self.upstream.arrived.set()
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        self.upstream.disconnections += 1
        self.upstream.arrived.set()
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        gate = self.upstream.behaviour.hang_greeting
        if gate is not None:
            await gate.wait()
        await super()._handle_client()


class FakeUpstream:
    def __init__(
        self,
        *,
        server_context: ssl.SSLContext,
        users: dict[str, str],
        implicit_tls: bool = True,
        offer_starttls: bool = True,
        pipelining: bool = True,
    ) -> None:
        self.server_context = server_context
        self.users = users
        self.implicit_tls = implicit_tls
        self.offer_starttls = offer_starttls
        self.pipelining = pipelining
        self.behaviour = Behaviour()
        self.received: list[Received] = []
        self.auth_attempts: list[str] = []
        self.connections = 0
        self.disconnections = 0
        self.mail_commands = 0
        self.data_held = 0
        self.arrived = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = auth_data.login.decode()
        self.auth_attempts.append(login)
        ok = self.users.get(login) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def _factory(self) -> SMTP:
        starttls = None if self.implicit_tls or not self.offer_starttls else self.server_context
        return _ProviderSMTP(
            self,
            hostname="provider.test",
            tls_context=starttls,
            require_starttls=starttls is not None,
            authenticator=self._authenticate,
            # aiosmtpd only knows TLS it negotiated itself (STARTTLS).
            auth_require_tls=starttls is not None,
            data_size_limit=64 * 1024 * 1024,
        )

    async def start(self) -> "FakeUpstream":
        """Listen (again) on 127.0.0.1; the first start picks an ephemeral port."""
        self._server = await asyncio.get_running_loop().create_server(
            self._factory,
            "127.0.0.1",
            self.port,
            ssl=self.server_context if self.implicit_tls else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            if hasattr(self._server, "close_clients"):
                self._server.close_clients()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        await self.wait_until(lambda: len(self.received) >= count, timeout)
        return self.received

    async def wait_until(self, predicate, timeout: float = 10) -> None:
        """Wait for a condition on what this provider saw; re-checked at every event."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self.arrived.clear()
                await self.arrived.wait()

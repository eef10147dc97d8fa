"""The plaintext POP3 listener: each client session relayed to the provider over verified TLS.

Commands pass through one at a time and the provider's answers come back byte for byte;
multi-line answers are streamed, never held whole. STLS, APOP, AUTH and unknown commands
are answered here with -ERR and never reach the provider.
"""
import asyncio
import logging
import re
import time

from daemon.client_connections import ClientConnections
from daemon.config import (
    Address,
    Config,
    ConfigHolder,
    Pop3Security,
    UpstreamPop3Config,
)
from daemon.provider.secure_stream import (
    SecureStream,
    SecureStreamFailed,
    open_verified,
)
from daemon.provider.starttls import pop3_prelude
from daemon.provider.steps import Reporter, ignore

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
MAX_COMMAND = 512  # RFC 2449: 255 octets; generous for long passwords
TERMINATOR = b"\r\n.\r\n"

PASSED_THROUGH = {"USER", "PASS", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT", "CAPA", "LAST"}
REFUSED = {
    "STLS": b"-ERR STLS is not offered here: the connection to the provider is already encrypted\r\n",
    "APOP": b"-ERR APOP is not supported; use USER and PASS\r\n",
    "AUTH": b"-ERR AUTH is not supported; use USER and PASS\r\n",
}
# Capabilities the client must not be offered: we answer those commands ourselves.
HIDDEN_CAPABILITIES = re.compile(rb"^(STLS|SASL\b.*|APOP)\r\n$", re.I)
APOP_TIMESTAMP = re.compile(rb"\s*<[^>]*>")


class UpstreamLost(Exception):
    """The provider closed, timed out or spoke out of turn: the client is disconnected."""


class ClientStalled(Exception):
    """The client took none of an answer for [pop3] idle_timeout: it is disconnected."""


def is_multiline(verb: str, arguments: list[bytes]) -> bool:
    return verb in ("RETR", "TOP", "CAPA") or (verb in ("LIST", "UIDL") and not arguments)


def ends_body(tail: bytes, data: bytes) -> bool:
    """Whether `data` ends a multi-line answer; `tail` is what came just before it.

    The provider sends nothing after the terminator until it gets our next command, so
    the terminator ends a piece: only the end of each piece (and `tail`) is looked at.
    Searching every byte took about a tenth of the relay's CPU on a large RETR. The piece
    that ends the body is searched whole: an earlier terminator in it means the provider
    sent more than it was asked for (UpstreamLost).
    """
    if not (tail + data[-len(TERMINATOR):]).endswith(TERMINATOR):
        return False
    if (tail + data).find(TERMINATOR) != len(tail) + len(data) - len(TERMINATOR):
        raise UpstreamLost("provider sent data after the end of a message")
    return True


def next_tail(tail: bytes, data: bytes) -> bytes:
    """The last bytes seen, enough to find a terminator split across pieces."""
    return (tail + data[-len(TERMINATOR):])[-(len(TERMINATOR) - 1):]


class _Body(asyncio.Protocol):
    """The provider connection's protocol while the rest of a multi-line answer streams.

    Each piece TLS decrypts is written to the client from this callback: no copy into a
    StreamReader and no task switch per piece. The session waits for the end, a problem,
    or a client that has more than CHUNK still to take (upstream reading pauses until it
    has taken it).
    """

    def __init__(self, upstream: asyncio.Transport, client: asyncio.Transport, tail: bytes) -> None:
        self._upstream = upstream
        self._client = client
        self._tail = tail
        self.ended = False
        self.paused = False
        self.problem = ""
        self.moved = time.monotonic()  # for the stall timeout
        self.changed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        if self.problem:
            return  # the session is ending; nothing more reaches the client
        self.moved = time.monotonic()
        try:
            if self.ended:
                raise UpstreamLost("provider sent data after the end of a message")
            self.ended = ends_body(self._tail, data)
        except UpstreamLost as lost:
            self._stop(str(lost))
            return
        self._client.write(data)
        self._tail = next_tail(self._tail, data)
        if self.ended or self._client.get_write_buffer_size() > CHUNK:
            self._upstream.pause_reading()
            self.paused = not self.ended
            self.changed.set()

    def eof_received(self) -> bool:
        if not self.ended:  # after the end, the next command finds the connection closed
            self._stop("provider closed the connection in the middle of a message")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ended:
            self._stop(f"provider connection failed mid-message: {exc}" if exc else
                       "provider closed the connection in the middle of a message")

    def _stop(self, problem: str) -> None:
        self.problem = self.problem or problem
        self.changed.set()


class Pop3Relay:
    """Accepts client connections; one Pop3Session each, up to [pop3] max_sessions."""

    def __init__(self, settings: ConfigHolder) -> None:
        self._settings = settings
        self.connections = ClientConnections()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        limit = self._settings.current.pop3.max_sessions
        if len(self.connections) >= limit:
            log.warning("POP3 client %s refused: %d sessions already", peer, limit)
            writer.write(b"-ERR [SYS/TEMP] too many sessions, try again later\r\n")
            await _close(writer)
            return
        self.connections.enter()
        try:
            await Pop3Session(self._settings.current, reader, writer).run()
        except Exception:  # the edge of one session
            log.exception("POP3 session with %s failed", peer)
        finally:
            self.connections.leave()
            writer.close()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except (OSError, ConnectionError):
        pass


async def connect_upstream(config: UpstreamPop3Config, report: Reporter = ignore) -> SecureStream:
    return await open_verified(
        (Address(config.host, config.port),),
        server_name=config.verify_name,
        ca_file=config.ca_file,
        prelude=pop3_prelude if config.security is Pop3Security.STLS else None,
        timeout=config.timeout,
        report=report,
    )


class Pop3Session:
    def __init__(self, config: Config, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._config = config
        self._client_reader = reader
        self._client = writer
        self._peer = writer.get_extra_info("peername")

    async def run(self) -> None:
        upstream_config: UpstreamPop3Config = self._config.upstream_pop3
        try:
            upstream = await connect_upstream(upstream_config)
        except SecureStreamFailed as failure:
            log.warning("POP3 client %s: provider %s unavailable: %s", self._peer, upstream_config.host, failure.detail)
            self._client.write(f"-ERR [SYS/TEMP] {failure.short}\r\n".encode("utf-8", "replace"))
            return
        try:
            await self._serve(upstream)
        except (UpstreamLost, ClientStalled) as lost:
            log.warning("POP3 client %s: %s; client disconnected", self._peer, lost)
        finally:
            upstream.close()

    async def _upstream_line(self, upstream: SecureStream) -> bytes:
        try:
            async with asyncio.timeout(self._config.upstream_pop3.timeout):
                line = await upstream.reader.readline()
        except TimeoutError:
            raise UpstreamLost("provider did not answer in time") from None
        except (OSError, ValueError) as error:
            raise UpstreamLost(f"provider connection failed: {error}") from None
        if not line.endswith(b"\n"):
            raise UpstreamLost("provider closed the connection")
        return line

    async def _serve(self, upstream: SecureStream) -> None:
        if upstream.prelude_greeting:
            greeting = upstream.prelude_greeting
        else:
            greeting = await self._upstream_line(upstream)
        if not greeting.startswith(b"+OK"):
            self._client.write(greeting)
            return
        # We refuse APOP, so its timestamp must not invite a client to try it.
        self._client.write(APOP_TIMESTAMP.sub(b"", greeting.rstrip(b"\r\n")) + b"\r\n")
        while True:
            line = await self._client_command()
            if line is None:
                return
            verb, *arguments = line.split() or [b""]
            name = verb.decode("ascii", "replace").upper()
            if name in REFUSED:
                self._client.write(REFUSED[name])
                continue
            if name not in PASSED_THROUGH:
                self._client.write(b"-ERR unknown command\r\n")
                continue
            upstream.writer.write(line)
            status = await self._upstream_line(upstream)
            self._client.write(status)
            if status.startswith(b"+OK") and is_multiline(name, arguments):
                if name == "CAPA":
                    await self._relay_capabilities(upstream)
                else:
                    await self._stream_body(upstream)
            await self._client_drain()
            if name == "QUIT":
                return

    async def _client_drain(self) -> None:
        """Wait for the client to take what it was sent, but not for longer than it may idle."""
        try:
            async with asyncio.timeout(self._config.pop3.idle_timeout):
                await self._client.drain()
        except TimeoutError:
            self._client.transport.abort()  # closing would wait for it to read the rest
            raise ClientStalled("client took nothing for too long") from None

    async def _client_command(self) -> bytes | None:
        try:
            async with asyncio.timeout(self._config.pop3.idle_timeout):
                line = await self._client_reader.readline()
        except TimeoutError:
            self._client.write(b"-ERR idle for too long, closing\r\n")
            return None
        except ValueError:
            self._client.write(b"-ERR command line too long\r\n")
            return None
        if not line.endswith(b"\n"):
            return None
        if len(line) > MAX_COMMAND:
            self._client.write(b"-ERR command line too long\r\n")
            return None
        return line.rstrip(b"\r\n") + b"\r\n"

    async def _relay_capabilities(self, upstream: SecureStream) -> None:
        while True:
            line = await self._upstream_line(upstream)
            if not HIDDEN_CAPABILITIES.match(line):
                self._client.write(line)
            if line == b".\r\n":
                return

    async def _stream_body(self, upstream: SecureStream) -> None:
        """Copy up to and including CRLF.CRLF, piece by piece, never the whole body.

        What the upstream StreamReader holds goes first; once a read returns less than
        asked, the reader holds nothing more and the rest bypasses it (see _Body).
        """
        tail = b"\r\n"  # the status line's CRLF may start the terminator
        while True:
            chunk = await self._upstream_read(upstream)
            ended = ends_body(tail, chunk)
            self._client.write(chunk)
            if ended:
                return
            tail = next_tail(tail, chunk)
            if len(chunk) < CHUNK:
                break
            await self._client_drain()
        await self._pipe_body(upstream.writer.transport, tail)

    async def _upstream_read(self, upstream: SecureStream) -> bytes:
        try:
            async with asyncio.timeout(self._config.upstream_pop3.timeout):
                chunk = await upstream.reader.read(CHUNK)
        except TimeoutError:
            raise UpstreamLost("provider stalled in the middle of a message") from None
        except OSError as error:
            raise UpstreamLost(f"provider connection failed mid-message: {error}") from None
        if not chunk:
            raise UpstreamLost("provider closed the connection in the middle of a message")
        return chunk

    async def _pipe_body(self, transport: asyncio.Transport, tail: bytes) -> None:
        timeout = self._config.upstream_pop3.timeout
        reader_protocol = transport.get_protocol()
        body = _Body(transport, self._client.transport, tail)
        transport.set_protocol(body)
        try:
            while True:
                if body.problem:
                    raise UpstreamLost(body.problem)
                if body.ended:
                    return
                if body.paused:
                    await self._client_drain()
                    body.paused = False
                    body.moved = time.monotonic()
                    transport.resume_reading()
                    continue
                remaining = body.moved + timeout - time.monotonic()
                if remaining <= 0:
                    raise UpstreamLost("provider stalled in the middle of a message")
                body.changed.clear()
                try:
                    async with asyncio.timeout(remaining):
                        await body.changed.wait()
                except TimeoutError:
                    pass
        finally:
            transport.set_protocol(reader_protocol)
            if not transport.is_closing():
                transport.resume_reading()

"""stunnel's client mode, done with verification on: plaintext in on loopback, TLS out.

After the (optional) STARTTLS prelude and a verified handshake, bytes are copied both
ways unchanged until either side closes or the connection has been idle too long.
"""
import asyncio
import logging
import time

from daemon.client_connections import ClientConnections
from daemon.config import TunnelConfig, TunnelProtocol
from daemon.provider.secure_stream import (
    SecureStream,
    SecureStreamFailed,
    open_verified,
)
from daemon.provider.starttls import PRELUDES

log = logging.getLogger(__name__)

# What a client of each protocol understands as "the server is unavailable".
UNAVAILABLE = {
    TunnelProtocol.NONE: None,
    TunnelProtocol.SMTP: "421 4.7.0 {}\r\n",
    TunnelProtocol.POP3: "-ERR [SYS/TEMP] {}\r\n",
    TunnelProtocol.IMAP: "* BYE {}\r\n",
}


class Tunnel:
    def __init__(self, config: TunnelConfig) -> None:
        self.config = config
        self.connections = ClientConnections()
        if not config.verify:
            log.warning(
                'tunnel "%s": verify = false: certificates of %s are NOT checked',
                config.name, ", ".join(map(str, config.connect)),
            )

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        config = self.config
        peer = writer.get_extra_info("peername")
        if len(self.connections) >= config.max_connections:
            log.warning('tunnel "%s": refused %s, %d connections already', config.name, peer, len(self.connections))
            await self._refuse(writer, "too many connections, try again later")
            writer.close()
            return
        self.connections.enter()
        try:
            await self._serve(reader, writer, peer)
        except Exception:  # the edge of one connection
            log.exception('tunnel "%s": connection from %s failed', config.name, peer)
        finally:
            self.connections.leave()
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer) -> None:
        config = self.config
        try:
            upstream = await open_verified(
                config.connect,
                server_name=config.server_name,
                ca_file=config.ca_file,
                prelude=PRELUDES[config.protocol],
                timeout=config.timeout,
                verify=config.verify,
            )
        except SecureStreamFailed as failure:
            log.warning('tunnel "%s": client %s not connected: %s', config.name, peer, failure.detail)
            await self._refuse(writer, failure.short)
            return
        log.info('tunnel "%s": %s connected to %s', config.name, peer, upstream.target)
        writer.write(upstream.prelude_greeting)
        try:
            await relay_both_ways(reader, writer, upstream, config.idle_timeout)
        finally:
            upstream.close()
        log.info('tunnel "%s": %s closed', config.name, peer)

    async def _refuse(self, writer: asyncio.StreamWriter, reason: str) -> None:
        template = UNAVAILABLE[self.config.protocol]
        if template:
            writer.write(template.format(f"epd-relay: {reason}").encode("utf-8", "replace"))
            try:
                await writer.drain()
            except ConnectionError:
                pass


class _Pipe(asyncio.Protocol):
    """One direction of a tunnel: what arrives on the transport it serves goes to `target`.

    A full write buffer on the other side pauses reading here (pause_writing reaches the
    protocol of the transport written to, that is the other pipe, which pauses its own
    target: this pipe's source). Data is handed over in the event loop's callbacks, with
    no copy into a StreamReader and no task switch per chunk.
    """

    def __init__(self, target: asyncio.Transport, closed: asyncio.Future) -> None:
        self.target = target
        self.closed = closed
        self.last_activity = time.monotonic()

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
        self.target.write(data)

    def eof_received(self) -> bool:
        self._finish(None)
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(exc)

    def pause_writing(self) -> None:
        self.target.pause_reading()

    def resume_writing(self) -> None:
        self.target.resume_reading()

    def _finish(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(exc)


async def _take_over(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pipe: _Pipe) -> None:
    """Make `pipe` the protocol of `writer`'s transport; pass on what `reader` holds.

    From set_protocol on, new data goes to the pipe, so the reader gets no more: after
    feed_eof, read() returns what it had buffered at once, with nothing in between.
    """
    writer.transport.set_protocol(pipe)
    reader.feed_eof()
    buffered = await reader.read()
    if buffered:
        pipe.data_received(buffered)


async def relay_both_ways(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream: SecureStream,
    idle: float,
) -> None:
    """Copy until one side closes or nothing moved for ``idle`` seconds; the caller closes both."""
    closed = asyncio.get_running_loop().create_future()
    to_upstream = _Pipe(upstream.writer.transport, closed)
    to_client = _Pipe(client_writer.transport, closed)
    await _take_over(client_reader, client_writer, to_upstream)
    await _take_over(upstream.reader, upstream.writer, to_client)
    while not closed.done():
        last = max(to_upstream.last_activity, to_client.last_activity)
        remaining = last + idle - time.monotonic()
        if remaining <= 0:
            return
        await asyncio.wait([closed], timeout=remaining)

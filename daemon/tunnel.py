"""stunnel's client mode, done with verification on: plaintext in on loopback, TLS out.

After the (optional) STARTTLS prelude and a verified handshake, bytes are copied both
ways unchanged until either side closes or the connection has been idle too long.
"""
import asyncio
import logging
import time

from daemon.config import TunnelConfig, TunnelProtocol
from daemon.sessions import Sessions
from daemon.secure_stream import SecureStream, SecureStreamFailed, open_verified
from daemon.starttls import PRELUDES

log = logging.getLogger(__name__)

CHUNK = 256 * 1024

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
        self.sessions = Sessions()
        if not config.verify:
            log.warning(
                'tunnel "%s": verify = false: certificates of %s are NOT checked',
                config.name, ", ".join(map(str, config.connect)),
            )

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        config = self.config
        peer = writer.get_extra_info("peername")
        if len(self.sessions) >= config.max_connections:
            log.warning('tunnel "%s": refused %s, %d connections already', config.name, peer, len(self.sessions))
            await self._refuse(writer, "too many connections, try again later")
            writer.close()
            return
        self.sessions.enter()
        try:
            await self._serve(reader, writer, peer)
        except Exception:  # the edge of one connection
            log.exception('tunnel "%s": connection from %s failed', config.name, peer)
        finally:
            self.sessions.leave()
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


class _Activity:
    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()


async def _copy(source: asyncio.StreamReader, target: asyncio.StreamWriter, activity: _Activity) -> None:
    while True:
        chunk = await source.read(CHUNK)
        if not chunk:
            return
        activity.touch()
        target.write(chunk)
        await target.drain()


async def _watch(activity: _Activity, idle: float) -> None:
    while True:
        remaining = activity.last + idle - time.monotonic()
        if remaining <= 0:
            return
        await asyncio.sleep(remaining)


async def relay_both_ways(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream: SecureStream,
    idle: float,
) -> None:
    """Copy until one side closes or nothing moved for ``idle`` seconds; then close both."""
    activity = _Activity()
    tasks = [
        asyncio.create_task(_copy(client_reader, upstream.writer, activity)),
        asyncio.create_task(_copy(upstream.reader, client_writer, activity)),
        asyncio.create_task(_watch(activity, idle)),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if error is not None and not isinstance(error, OSError):
                raise error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

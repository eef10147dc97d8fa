"""A POP3S server made in the test that dies in the middle of a RETR."""
import asyncio
import ssl


class DyingPop3:
    def __init__(self, server_context: ssl.SSLContext, sent_before_dying: int) -> None:
        self.server_context = server_context
        self.sent_before_dying = sent_before_dying
        self.port = 0
        self._server: asyncio.Server | None = None
        self.died = asyncio.Event()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"+OK fake POP3 ready\r\n")
        while line := await reader.readline():
            verb = line.split()[0].upper()
            if verb == b"RETR":
                writer.write(b"+OK 50000000 octets\r\n" + b"x" * 70 + b"\r\n")
                writer.write((b"y" * 998 + b"\r\n") * (self.sent_before_dying // 1000))
                await writer.drain()
                writer.transport.abort()
                self.died.set()
                return
            writer.write(b"+OK\r\n")
        writer.close()

    async def start(self) -> "DyingPop3":
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0, ssl=self.server_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()

"""The protocol's shortcuts answer exactly what aiosmtpd's own code answers."""
import asyncio

import pytest
from aiosmtpd.smtp import SMTP

from daemon.smtp.listener import RelayHandler
from daemon.smtp.protocol import RelaySMTP


class Handler:
    pass


@pytest.mark.parametrize("argument", [
    "<a@b.c>", "<a@b.c> SIZE=123 BODY=8BITMIME", " <a.b+c@d-e.f>", "<A@B.C>", "<a@b.c> ",
    "<>", "a@b.c", '<"q x"@b.c>', "<@route:a@b.c>", "<a..b@c.d>", "<.a@b.c>", "<a@b>",
    "<a@[192.0.2.1]>", "<a@b.c", "<a@b.c>x", "<a@-b.c>", "<" + "x" * 70 + "@b.c>", "", "<a b@c.d>",
])
async def test_addresses_parse_as_aiosmtpd_parses_them(argument):
    ours = RelaySMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    theirs = SMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    assert ours._getaddr(argument) == theirs._getaddr(argument)


async def test_the_local_part_limit_still_applies():
    ours = RelaySMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    ours.local_part_limit = 64
    assert ours._getaddr("<" + "x" * 65 + "@b.c>") == (None, None)
    assert ours._getaddr("<" + "x" * 64 + "@b.c>")[0] == "x" * 64 + "@b.c"


async def test_a_narrow_dir_still_gives_aiosmtpd_every_command_and_hook():
    handler = RelayHandler.__new__(RelayHandler)
    ours = RelaySMTP(handler, hostname="relay.test", auth_require_tls=False)
    theirs = SMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    assert ours._smtp_methods.keys() == theirs._smtp_methods.keys()
    assert set(ours._auth_methods) == {"PLAIN", "LOGIN"}
    assert not any(method.is_builtin for method in ours._auth_methods.values())
    assert set(ours._handle_hooks) == {"EHLO", "MAIL", "RCPT", "DATA"}
    assert ours._ehlo_hook_ver == "new"


class WriteRecordingSMTP(RelaySMTP):
    """Notes every write the protocol makes to its (real) socket transport, through its
    stream writer (uvloop's transports do not let a test replace their methods)."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.writes = writes = []
        send = self._writer.write
        self._writer.write = lambda data: (writes.append(bytes(data)), send(data))[1]


async def test_a_multi_line_reply_goes_out_in_one_write():
    protocols = []

    def factory():
        protocols.append(WriteRecordingSMTP(Handler(), hostname="relay.test", auth_require_tls=False))
        return protocols[-1]

    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    async with server:
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        banner = await reader.readline()
        writer.write(b"EHLO client.test\r\n")
        reply = b""
        while not reply.endswith(b"250 HELP\r\n"):
            reply += await reader.readline()
        writer.write(b"QUIT\r\n")
        assert await reader.readline() == b"221 Bye\r\n"
        writer.close()
        await writer.wait_closed()
    assert reply.startswith(b"250-relay.test\r\n") and reply.count(b"\r\n") > 3
    assert protocols[0].writes == [banner, reply, b"221 Bye\r\n"]


async def test_the_idle_timeout_counts_from_the_last_command():
    """One timer per connection, moved on when it fires early: commands within the
    timeout keep the connection, silence for the whole of it ends it."""
    server = await asyncio.get_running_loop().create_server(
        lambda: RelaySMTP(Handler(), hostname="relay.test", auth_require_tls=False, timeout=0.4), "127.0.0.1", 0
    )
    try:
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        assert (await reader.readline()).startswith(b"220 ")
        for _ in range(4):  # 1.2 s of NOOPs, each well within the timeout
            await asyncio.sleep(0.3)
            writer.write(b"NOOP\r\n")
            assert await reader.readline() == b"250 OK\r\n"
        started = asyncio.get_running_loop().time()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the relay
        assert 0.3 < asyncio.get_running_loop().time() - started < 1.5
        writer.close()
    finally:
        server.close()
        await server.wait_closed()

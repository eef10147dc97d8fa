"""PipelinedSession against a server scripted byte by byte on 127.0.0.1."""
import asyncio

import aiosmtplib
import pytest

from daemon.delivery.pipelining import PipelinedSession, Reply


async def scripted(answer):
    """A server that reads what the client wrote and runs ``answer(reader, writer)``."""
    async def answer_then_hang_up(reader, writer):
        try:
            await answer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(answer_then_hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port)
    session = PipelinedSession(transport, timeout=2)
    transport.set_protocol(session)
    return server, session


async def test_replies_come_back_in_order_however_they_are_cut():
    async def answer(reader, writer):
        await reader.readuntil(b"DATA\r\n")
        for piece in [b"250 2.1.0 Ok\r\n250-first line\r", b"\n250 2.1.5 last line\r\n", b"5", b"54 5.7.1 no\r\n"]:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.01)
        await reader.read()

    server, session = await scripted(answer)
    async with server:
        replies = await session.exchange([b"MAIL FROM:<a@b.c>\r\n", b"RCPT TO:<d@e.f>\r\n", b"DATA\r\n"])
        assert replies == [Reply(250, "2.1.0 Ok"), Reply(250, "first line\n2.1.5 last line"), Reply(554, "5.7.1 no")]
        session.close()


async def test_a_provider_that_hangs_up_is_reported_as_disconnected():
    async def answer(reader, writer):
        await reader.readline()
        writer.write(b"250 Ok\r\n")
        writer.close()

    server, session = await scripted(answer)
    async with server:
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await session.exchange([b"RSET\r\n", b"MAIL FROM:<a@b.c>\r\n"])
        assert not session.is_connected


async def test_a_malformed_reply_ends_the_session():
    async def answer(reader, writer):
        await reader.readline()
        writer.write(b"hello there\r\n")
        await reader.read()

    server, session = await scripted(answer)
    async with server:
        with pytest.raises(aiosmtplib.SMTPResponseException, match="malformed reply"):
            await session.exchange([b"RSET\r\n"])
        assert not session.is_connected


async def test_a_silent_provider_times_out():
    async def answer(reader, writer):
        await reader.read()

    server, session = await scripted(answer)
    async with server:
        with pytest.raises(aiosmtplib.SMTPReadTimeoutError):
            await session.exchange([b"NOOP\r\n"])
        assert not session.is_connected

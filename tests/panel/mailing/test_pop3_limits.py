"""collect_bounces against POP3 servers made in the test: what it sends, and how much it reads."""
import asyncio
from pathlib import Path

import pytest

from daemon.config import load
from daemon.db.connect import opened
from daemon.db.migrate import Schema
from daemon.provider.steps import Reason, Step
from panel.mailing import mailbox
from panel.mailing.mailbox import collect_bounces
from tests.conftest import write_config
from tests.scripted_pop3 import ScriptedPop3, provider_with  # noqa: F401

BOUNCE = (Path(__file__).parents[2] / "fixtures" / "bounces" / "yandex-user-unknown.eml").read_bytes()
BOUNCE = BOUNCE.replace(b"\n", b"\r\n")
HEADERS = BOUNCE.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
ORIGINAL_ID = "<20240702071405.1001.0000000001001@epd-relay.example.ru>"


@pytest.fixture
async def panel_db(tmp_path):
    async with opened(tmp_path / "panel.db", Schema.PANEL) as db:
        yield db


def config_for(tmp_path, tls_files, port: int, security: str = "tls"):
    return load(write_config(tmp_path, {
        "storage": {"dir": "state"},
        "upstream.pop3": {"host": "127.0.0.1", "port": port, "security": security,
                          "ca_file": str(tls_files.ca_file), "server_name": "localhost", "timeout": "5s"},
    })).upstream_pop3


def answer(data: bytes):
    """A script that sends +OK and `data` as a multi-line answer, dot-stuffed."""
    async def script(reader, writer):
        lines = data.split(b"\r\n")
        writer.write(b"+OK\r\n" + b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
                     + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    return script


async def test_a_certificate_for_another_name_is_refused_before_anything_is_sent(tmp_path, tls_files, panel_db):
    server = await ScriptedPop3(tls_files.wrong, {}).start()
    try:
        read = await collect_bounces(config_for(tmp_path, tls_files, server.port), "uk@example.ru", "secret",
                                     panel_db, 0.0)
    finally:
        await server.stop()
    assert (read.failure.step, read.failure.reason) == (Step.TLS, Reason.CERTIFICATE_UNTRUSTED)
    assert server.commands == []  # no USER, no PASS


async def test_a_server_that_will_not_start_tls_gets_no_login(tmp_path, tls_files, panel_db):
    heard: list[bytes] = []

    async def plaintext_only(reader, writer):
        writer.write(b"+OK POP3 ready\r\n")
        while line := await reader.readline():
            heard.append(line)
            writer.write(b"-ERR not supported\r\n")
        writer.close()

    server = await asyncio.start_server(plaintext_only, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        read = await collect_bounces(config_for(tmp_path, tls_files, port, "stls"), "uk@example.ru", "secret",
                                     panel_db, 0.0)
    finally:
        server.close()
        await server.wait_closed()
    assert (read.failure.step, read.failure.reason) == (Step.STARTTLS, Reason.STARTTLS_REFUSED)
    assert heard == [b"STLS\r\n"]


async def test_a_large_message_is_read_with_top_and_nothing_is_deleted(tmp_path, tls_files, panel_db, provider_with):  # noqa: F811
    async def top(reader, writer):
        await answer(HEADERS if server.commands[-1] == b"TOP 1 0\r\n" else BOUNCE)(reader, writer)

    async def retr(reader, writer):
        writer.write(b"-ERR not expected\r\n")

    server = await provider_with({b"TOP": top, b"RETR": retr}, size=50 * 1024 * 1024)
    read = await collect_bounces(config_for(tmp_path, tls_files, server.port), "uk@example.ru", "secret", panel_db, 0.0)

    assert read.ok and [bounce.message_id for _, bounce in read.bounces] == [ORIGINAL_ID]
    assert [line.split()[0] for line in server.commands] == [b"USER", b"PASS", b"UIDL", b"LIST", b"TOP", b"TOP", b"QUIT"]
    assert server.commands[5] == b"TOP 1 %d\r\n" % mailbox.TOP_LINES


async def test_an_answer_longer_than_the_limit_is_cut_and_the_session_stays_in_step(
    tmp_path, tls_files, panel_db, provider_with, monkeypatch  # noqa: F811
):
    monkeypatch.setattr(mailbox, "ANSWER_LIMIT", 64 * 1024)
    huge = BOUNCE + b"\r\n".join(b"%07d " % n + b"x" * 70 for n in range(30_000)) + b"\r\n"  # ~2.3 MB
    server = await provider_with({b"TOP": answer(HEADERS), b"RETR": answer(huge)})
    read = await collect_bounces(config_for(tmp_path, tls_files, server.port), "uk@example.ru", "secret", panel_db, 0.0)
    assert read.ok and [bounce.message_id for _, bounce in read.bounces] == [ORIGINAL_ID]
    assert server.commands[-1] == b"QUIT\r\n"


async def test_an_ordinary_message_is_not_read_whole(tmp_path, tls_files, panel_db, provider_with):  # noqa: F811
    server = await provider_with({b"TOP": answer(b"From: resident@example.ru\r\nSubject: Re: doc\r\n\r\n")})
    read = await collect_bounces(config_for(tmp_path, tls_files, server.port), "uk@example.ru", "secret", panel_db, 0.0)
    assert read.ok and read.looked_at == 1 and read.found == ()
    assert b"RETR 1\r\n" not in server.commands


async def test_a_mailbox_in_use_is_a_temporary_refusal(tmp_path, tls_files, panel_db, provider_with):  # noqa: F811
    async def in_use(reader, writer):
        writer.write(b"-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n")

    server = await provider_with({b"PASS": in_use})
    read = await collect_bounces(config_for(tmp_path, tls_files, server.port), "uk@example.ru", "secret", panel_db, 0.0)
    assert (read.failure.step, read.failure.reason) == (Step.AUTH, Reason.LOGIN_TEMPORARILY_REFUSED)


async def test_a_connection_lost_mid_message_keeps_it_for_the_next_run(tmp_path, tls_files, panel_db, provider_with):  # noqa: F811
    async def dies(reader, writer):
        writer.write(b"+OK\r\n" + HEADERS[:100])
        await writer.drain()
        writer.transport.abort()

    server = await provider_with({b"TOP": dies})
    read = await collect_bounces(config_for(tmp_path, tls_files, server.port), "uk@example.ru", "secret", panel_db, 0.0)
    assert (read.failure.step, read.failure.reason) in {(Step.STAT, Reason.CONNECTION_CLOSED),
                                                         (Step.STAT, Reason.CONNECTION_LOST)}
    assert read.looked_at == 0 and await panel_db.fetchall("SELECT * FROM mailbox_seen") == []

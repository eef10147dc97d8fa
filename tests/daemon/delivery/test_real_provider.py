"""The relay against a real Postfix (SASL via Dovecot) on loopback: what providers really do."""
import asyncio
import smtplib
import sqlite3
import uuid

import pytest

from daemon.config import load
from tests.conftest import Clock, send, store_password, write_config
from tests.mailservers.fixtures import PROVIDER_USERS, real_provider  # noqa: F401

pytestmark = pytest.mark.postfix

USER = "sender@example.test"
PASSWORD = PROVIDER_USERS[USER]


def unique_message() -> tuple[str, bytes]:
    message_id = f"<{uuid.uuid4().hex}@example.test>"
    content = (
        f"From: {USER}\r\nTo: resident@example.ru\r\nSubject: Платежный документ\r\n"
        f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Лицевой счет 000000001001, Июль 2013\r\n"
    ).encode()
    return message_id, content


def config_for(tmp_path, provider, port: int, security: str, **smtp):
    return load(write_config(tmp_path, {
        "storage": {"dir": "state"},
        "smtp": {"listen": "127.0.0.1:0", **smtp},
        "panel": {"listen": "127.0.0.1:0"},
        "upstream.smtp": {
            "host": "127.0.0.1", "port": port, "security": security,
            "ca_file": str(provider.ca_file), "server_name": "localhost", "username": USER,
        },
    }))


async def delivered_with(provider, message_id: str, timeout: float = 30) -> bytes:
    """Poll Postfix's Maildir (delivery there is asynchronous) for our message."""
    async with asyncio.timeout(timeout):
        while True:
            for raw in await asyncio.to_thread(provider.delivered):
                if message_id.encode() in raw:
                    return raw
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_delivers_through_postfix(tmp_path, real_provider, start_relay, security):  # noqa: F811
    port = real_provider.smtps_port if security == "tls" else real_provider.submission_port
    relay = await start_relay(config_for(tmp_path, real_provider, port, security))
    message_id, content = unique_message()
    code, _ = await send(relay.smtp_port, USER, ["resident@example.ru"], content, (USER, PASSWORD))
    assert code == 250
    raw = await delivered_with(real_provider, message_id)
    assert b"Delivered-To: resident@example.ru" in raw
    assert "Лицевой счет 000000001001".encode() in raw


async def test_wrong_password_is_refused_by_dovecot_through_us(tmp_path, real_provider, start_relay):  # noqa: F811
    config = config_for(tmp_path, real_provider, real_provider.smtps_port, "tls")
    relay = await start_relay(config, run_worker=False)
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        await send(relay.smtp_port, USER, ["resident@example.ru"], b"Subject: x\r\n\r\nx\r\n", (USER, "wrong"))
    assert refused.value.smtp_code == 535
    assert b"535" in refused.value.smtp_error  # Postfix's own reply, passed on
    with sqlite3.connect(config.storage.relay_database) as db:
        assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


async def test_server_without_starttls_gets_neither_password_nor_mail(tmp_path, real_provider, start_relay):  # noqa: F811
    clock = Clock()
    config = config_for(tmp_path, real_provider, real_provider.plain_smtp_port, "starttls", allowed_senders=[USER])
    relay = await start_relay(config, clock=clock, run_worker=False)
    await store_password(relay, USER, PASSWORD)
    message_id, content = unique_message()
    code, _ = await send(relay.smtp_port, USER, ["resident@example.ru"], content)
    assert code == 250
    await relay.worker.run_once(clock())
    with sqlite3.connect(config.storage.relay_database) as db:
        [(state, reason)] = db.execute("SELECT state, reason FROM messages").fetchall()
    assert state == "deferred" and "does not offer STARTTLS" in reason
    assert not any(message_id.encode() in raw for raw in real_provider.delivered())

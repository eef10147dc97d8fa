"""The listener as a legacy client meets it: EHLO, SIZE, AUTH, no open relay, smuggling, 451."""
import asyncio
import logging
import smtplib
import socket
import sqlite3

import pytest

from tests.conftest import PASSWORD, SENDER, message, send


def queued_count(config) -> int:
    with sqlite3.connect(config.storage.relay_database) as db:
        return db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]


@pytest.fixture
async def relay_and_config(upstream, make_config, start_relay):
    config = make_config(upstream, smtp={"max_message_size": 100_000})
    relay = await start_relay(config, run_worker=False)
    return relay, config


def ehlo(port: int) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port) as client:
        return client.ehlo("client.test")


async def test_ehlo_offers_size_8bitmime_pipelining_and_auth(relay_and_config):
    relay, _ = relay_and_config
    code, text = await asyncio.to_thread(ehlo, relay.smtp_port)
    lines = text.decode().splitlines()
    assert code == 250
    assert "SIZE 100000" in lines and "8BITMIME" in lines and "PIPELINING" in lines
    assert "AUTH LOGIN PLAIN" in lines
    assert not any(line.startswith("STARTTLS") for line in lines)


def raw_session(port: int, lines: list[bytes], replies_expected: int) -> list[str]:
    """Speak SMTP by hand, pipelined, and collect the reply lines."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        replies = [reader.readline().decode()]
        sock.sendall(b"".join(lines))
        while len(replies) < replies_expected + 1:
            line = reader.readline().decode()
            if not line:
                break
            if line[3:4] != "-":
                replies.append(line)
        return replies


async def test_declared_size_over_limit_gets_552_before_data(relay_and_config):
    relay, config = relay_and_config
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(body="x" * 200_000), (SENDER, PASSWORD))
    assert refused.value.smtp_code == 552
    assert queued_count(config) == 0


async def test_undeclared_oversized_data_gets_552_and_nothing_is_stored(relay_and_config):
    relay, config = relay_and_config
    auth = __import__("base64").b64encode(f"\0{SENDER}\0{PASSWORD}".encode())
    body = b"x" * 900 + b"\r\n"
    replies = await asyncio.to_thread(
        raw_session,
        relay.smtp_port,
        [b"EHLO c\r\n", b"AUTH PLAIN " + auth + b"\r\n", f"MAIL FROM:<{SENDER}>\r\n".encode(),
         b"RCPT TO:<a@example.ru>\r\n", b"DATA\r\n"] + [body] * 200 + [b".\r\n", b"QUIT\r\n"],
        7,
    )
    assert replies[6].startswith("552"), replies
    assert queued_count(config) == 0
    assert stored_contents(config) == []


async def test_unauthenticated_mail_from_is_refused(relay_and_config):
    relay, config = relay_and_config
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message())
    assert refused.value.smtp_code == 530
    assert queued_count(config) == 0


async def test_sender_must_be_the_accounts_address(relay_and_config):
    relay, config = relay_and_config
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await send(relay.smtp_port, "boss@example.test", ["a@example.ru"], message(), (SENDER, PASSWORD))
    assert refused.value.smtp_code == 553
    assert SENDER.encode() in refused.value.smtp_error
    assert queued_count(config) == 0


async def test_allowed_local_sender_needs_no_auth(upstream, make_config, start_relay):
    config = make_config(upstream, smtp={"allowed_senders": ["billing@example.test"]},
                         upstream__smtp={"username": SENDER})
    relay = await start_relay(config, run_worker=False)
    code, _ = await send(relay.smtp_port, "Billing@Example.test", ["a@example.ru"], message())
    assert code == 250
    with pytest.raises(smtplib.SMTPSenderRefused):
        await send(relay.smtp_port, "stranger@example.test", ["a@example.ru"], message())
    assert queued_count(config) == 1


@pytest.mark.parametrize("smuggled", [
    b"Subject: a\r\n\r\nbody\n.\nMAIL FROM:<x@evil.test>\r\n",
    b"Subject: a\r\n\r\nbody\r\n.\nRCPT TO:<x@evil.test>\r\n",
    b"Subject: a\r\n\r\nbody\n.\r\nDATA\r\n",
    b"Subject: a\r\n\r\nbody\r\rstray CR\r\n",
])
async def test_bare_line_ends_are_refused(relay_and_config, smuggled):
    relay, config = relay_and_config
    auth = __import__("base64").b64encode(f"\0{SENDER}\0{PASSWORD}".encode())
    replies = await asyncio.to_thread(
        raw_session,
        relay.smtp_port,
        [b"EHLO c\r\n", b"AUTH PLAIN " + auth + b"\r\n", f"MAIL FROM:<{SENDER}>\r\n".encode(),
         b"RCPT TO:<a@example.ru>\r\n", b"DATA\r\n", smuggled, b".\r\n", b"QUIT\r\n"],
        7,
    )
    assert replies[6].startswith("550 5.6.11"), replies
    assert queued_count(config) == 0


async def test_storage_failure_answers_451_and_keeps_nothing(relay_and_config):
    relay, config = relay_and_config
    # A full disk, as far as SQLite can tell: the database may not grow by a single page.
    [(pages,)] = await relay.db.fetchall("PRAGMA page_count")
    await relay.db.fetchall(f"PRAGMA max_page_count = {pages}")
    big = message(body="\r\n".join(["x" * 70] * 300))
    code, reply = await send(relay.smtp_port, SENDER, ["a@example.ru"], big, (SENDER, PASSWORD))
    assert code == 451 and reply.startswith(b"4.3.0")
    assert queued_count(config) == 0


async def test_250_carries_the_queue_id_of_a_durable_row(relay_and_config):
    relay, config = relay_and_config
    code, reply = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    queue_id = reply.decode().rsplit(" ", 1)[1]
    with sqlite3.connect(config.storage.relay_database) as db:
        state, = db.execute("SELECT state FROM messages WHERE id = ?", (queue_id,)).fetchone()
    assert state == "queued"
    assert stored_contents(config) == [message()]


async def test_a_login_logs_no_warning(upstream, relay_and_config, caplog):
    relay, config = relay_and_config
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    assert queued_count(config) == 3
    # The fake provider is aiosmtpd too: it warns once for the relay's one check there.
    assert len(upstream.auth_attempts) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "Session.login_data is deprecated and will be removed in version 2.0"
    ]


async def test_too_many_recipients_get_452(upstream, make_config, start_relay):
    relay = await start_relay(make_config(upstream, smtp={"max_recipients": 2}), run_worker=False)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await send(relay.smtp_port, SENDER, ["a@example.ru", "b@example.ru", "c@example.ru"],
                   message(), (SENDER, PASSWORD))
    assert list(refused.value.recipients.values())[0][0] == 452


def plain_auth() -> bytes:
    return b"AUTH PLAIN " + __import__("base64").b64encode(f"\0{SENDER}\0{PASSWORD}".encode()) + b"\r\n"


def stored_contents(config) -> list[bytes]:
    with sqlite3.connect(config.storage.relay_database) as db:
        return [row[0] for row in db.execute("SELECT content FROM message_contents ORDER BY message_id")]


async def test_dots_are_unstuffed_and_pipelined_commands_survive_data(relay_and_config):
    relay, config = relay_and_config
    envelope = [b"EHLO c\r\n", plain_auth(), f"MAIL FROM:<{SENDER}>\r\n".encode(), b"RCPT TO:<a@example.ru>\r\n", b"DATA\r\n"]
    replies = await asyncio.to_thread(
        raw_session, relay.smtp_port,
        envelope + [b"..first\r\nmiddle.\r\n...\r\n.\r\n"]
        + envelope[2:] + [b".\r\n", b"QUIT\r\n"],  # the second message is empty
        11,
    )
    assert [r[:3] for r in replies[1:]] == ["250", "235", "250", "250", "354", "250", "250", "250", "354", "250", "221"]
    assert sorted(stored_contents(config)) == sorted([b".first\r\nmiddle.\r\n..\r\n", b""])


async def test_a_line_over_998_octets_gets_500(relay_and_config):
    relay, config = relay_and_config
    replies = await asyncio.to_thread(
        raw_session, relay.smtp_port,
        [b"EHLO c\r\n", plain_auth(), f"MAIL FROM:<{SENDER}>\r\n".encode(), b"RCPT TO:<a@example.ru>\r\n",
         b"DATA\r\n", b"Subject: x\r\n\r\n" + b"y" * 999 + b"\r\n.\r\n", b"QUIT\r\n"],
        7,
    )
    assert replies[6].startswith("500"), replies
    assert queued_count(config) == 0


async def test_a_998_octet_line_that_starts_with_a_dot_is_accepted(relay_and_config):
    """Sent dot-stuffed it is 999 octets on the wire; the added dot does not count (RFC 5321 4.5.3.1.6)."""
    relay, config = relay_and_config
    line = b"." + b"y" * 997
    replies = await asyncio.to_thread(
        raw_session, relay.smtp_port,
        [b"EHLO c\r\n", plain_auth(), f"MAIL FROM:<{SENDER}>\r\n".encode(), b"RCPT TO:<a@example.ru>\r\n",
         b"DATA\r\n", b"Subject: x\r\n\r\n." + line + b"\r\n.\r\n", b"QUIT\r\n"],
        7,
    )
    assert replies[6].startswith("250"), replies
    assert stored_contents(config) == [b"Subject: x\r\n\r\n" + line + b"\r\n"]


async def test_a_message_of_exactly_the_limit_is_accepted(upstream, make_config, start_relay):
    config = make_config(upstream, smtp={"max_message_size": 10_000})
    relay = await start_relay(config, run_worker=False)
    body = (b"z" * 98 + b"\r\n") * 100  # 10,000 octets
    replies = await asyncio.to_thread(
        raw_session, relay.smtp_port,
        [b"EHLO c\r\n", plain_auth(), f"MAIL FROM:<{SENDER}>\r\n".encode(), b"RCPT TO:<a@example.ru>\r\n",
         b"DATA\r\n", body + b".\r\n", b"QUIT\r\n"],
        7,
    )
    assert replies[6].startswith("250"), replies
    assert stored_contents(config) == [body]

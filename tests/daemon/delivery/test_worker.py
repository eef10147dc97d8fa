"""The delivery runner driven one pass at a time with a clock the test holds."""
import asyncio
import email
import logging
import sqlite3
from pathlib import Path

import pytest

from daemon.delivery.maildir import Maildir
from tests.conftest import PASSWORD, SENDER, USERS, Clock, message, send, store_password
from tests.fake_upstream import FakeUpstream


def rows(config, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(config.storage.relay_database) as db:
        return db.execute(sql, params).fetchall()


def config_of(relay):
    return relay.settings.current


def message_state(config) -> tuple[str, str]:
    [(state, reason)] = rows(config, "SELECT state, reason FROM messages")
    return state, reason


@pytest.fixture(params=["pipelined", "lock-step"])
async def upstream(request, tls_files):
    """Every case twice: the provider offers PIPELINING (like Postfix), or it does not."""
    provider = FakeUpstream(server_context=tls_files.good, users=dict(USERS), pipelining=request.param == "pipelined")
    await provider.start()
    yield provider
    await provider.stop()


@pytest.fixture
async def relay_with_clock(upstream, make_config, start_relay):
    clock = Clock()
    config = make_config(upstream, delivery={"min_backoff": "5m", "max_backoff": "1h", "max_queue_lifetime": "5d"})
    relay = await start_relay(config, clock=clock, run_worker=False)
    await store_password(relay)
    return relay, config, clock


async def test_upstream_down_then_up_is_delivered_after_retry(upstream, relay_with_clock):
    relay, config, clock = relay_with_clock
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    await upstream.stop()
    assert await relay.worker.run_once(clock()) == 1
    state, reason = message_state(config)
    assert state == "deferred" and "cannot connect" in reason
    # Not due yet: nothing is tried before min_backoff.
    clock.advance(200)
    assert await relay.worker.run_once(clock()) == 0
    await upstream.start()
    clock.advance(101)
    assert await relay.worker.run_once(clock()) == 1
    assert message_state(config)[0] == "delivered"
    assert len(upstream.received) == 1
    [(code, text)] = rows(config, "SELECT reply_code, reply_text FROM recipients")
    assert code == 250 and "queued as UP1" in text


async def test_backoff_doubles_up_to_the_maximum(upstream, relay_with_clock):
    relay, config, clock = relay_with_clock
    upstream.behaviour.data_reply = "451 4.3.0 Try again later"
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    waits = []
    for _ in range(6):
        await relay.worker.run_once(clock())
        [(next_at,)] = rows(config, "SELECT next_attempt_at FROM messages")
        waits.append(round(next_at - clock()))
        clock.now = next_at
    assert waits == [300, 600, 1200, 2400, 3600, 3600]
    [(code, text)] = rows(config, "SELECT reply_code, reply_text FROM recipients")
    assert code == 451 and "Try again later" in text


async def test_permanent_failure_fails_with_reason_and_bounces(upstream, relay_with_clock, caplog):
    relay, config, clock = relay_with_clock
    upstream.behaviour.rcpt_replies["nobody@example.ru"] = "550 5.1.1 No such user here"
    code, reply = await send(relay.smtp_port, SENDER, ["nobody@example.ru", "a@example.ru"], message(), (SENDER, PASSWORD))
    caplog.set_level(logging.INFO, logger="daemon.delivery.worker")
    await relay.worker.run_once(clock())
    assert message_state(config)[0] == "failed"
    queue_id = reply.decode().rsplit(" ", 1)[1]
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"{queue_id}: failed")]
    assert line.startswith(f"{queue_id}: failed: to=<nobody@example.ru> (550 5.1.1 No such user here);"
                           " to=<a@example.ru> delivered (250 ")
    recipients = dict(rows(config, "SELECT address, state FROM recipients"))
    assert recipients == {"nobody@example.ru": "failed", "a@example.ru": "delivered"}
    [bounce_path] = Maildir(config.storage.bounce_maildir).messages()
    bounce = email.message_from_bytes(bounce_path.read_bytes())
    assert bounce["To"] == SENDER and bounce.get_content_type() == "multipart/report"
    text = bounce_path.read_bytes().decode("utf-8", "replace")
    assert "nobody@example.ru" in text and "550 5.1.1 No such user here" in text
    assert "a@example.ru" not in text.split("message/delivery-status")[1].split("rfc822-headers")[0]
    assert [r.recipients for r in upstream.received] == [["a@example.ru"]]
    # The content goes once the message is final.
    assert rows(config, "SELECT COUNT(*) FROM message_contents") == [(0,)]
    events = [state for (state,) in rows(config, "SELECT state FROM message_events ORDER BY id")]
    assert events == ["queued", "failed", "bounced"]


async def test_expiry_fails_and_bounces(upstream, relay_with_clock):
    relay, config, clock = relay_with_clock
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    await upstream.stop()
    await relay.worker.run_once(clock())
    clock.advance(5 * 86400)
    await relay.worker.run_once(clock())
    state, _ = message_state(config)
    assert state == "failed"
    [(text,)] = rows(config, "SELECT reply_text FROM recipients")
    assert text.startswith("expired in the queue") and "cannot connect" in text
    assert len(Maildir(config.storage.bounce_maildir).messages()) == 1


async def test_spam_block_pauses_the_account(upstream, relay_with_clock):
    relay, config, clock = relay_with_clock
    upstream.behaviour.data_reply = "554 5.7.1 Message rejected under suspicion of SPAM"
    for n in range(3):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject=f"n{n}"), (SENDER, PASSWORD))
    await relay.worker.run_once(clock())
    # One try on each of the two connections, then the account is paused: the third
    # message was not sent at all.
    assert upstream.mail_commands == 2
    states = sorted(state for (state,) in rows(config, "SELECT state FROM messages"))
    assert states == ["deferred", "deferred", "queued"]
    [(until, reason)] = rows(config, "SELECT until, reason FROM account_pauses")
    assert until == clock() + 3600 and "SPAM" in reason
    clock.advance(1800)
    assert await relay.worker.run_once(clock()) == 0
    upstream.behaviour.data_reply = None
    clock.advance(1801)
    assert await relay.worker.run_once(clock()) == 3
    assert len(upstream.received) == 3


@pytest.mark.parametrize("connections", [1, 2, 3])
async def test_each_connection_serves_message_after_message(upstream, make_config, start_relay, connections):
    clock = Clock()
    relay = await start_relay(make_config(upstream, delivery={"connections": connections}), clock=clock, run_worker=False)
    await store_password(relay)
    for n in range(9):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject=f"n{n}"), (SENDER, PASSWORD))
    connections_for_auth = upstream.connections
    # Each lane's first message is held until every lane has one, so no lane can find
    # another's connection idle: on loopback a handshake is quicker than a lane's start.
    first_messages = [asyncio.Event() for _ in range(connections)]
    upstream.behaviour.hold_data = list(first_messages)
    attempts = asyncio.create_task(relay.worker.run_once(clock()))
    await upstream.wait_until(lambda: upstream.data_held == connections)
    for held in first_messages:
        held.set()
    assert await attempts == 9
    assert sorted(r.content for r in upstream.received) == sorted(message(subject=f"n{n}") for n in range(9))
    assert upstream.connections - connections_for_auth == connections
    assert [state for (state,) in rows(config_of(relay), "SELECT DISTINCT state FROM messages")] == ["delivered"]
    # Kept open for the next batch, every one of them.
    assert await relay.worker.run_once(clock()) == 0
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="later"), (SENDER, PASSWORD))
    assert await relay.worker.run_once(clock()) == 1
    assert upstream.connections - connections_for_auth == connections


@pytest.mark.parametrize("connections", [1, 2])
async def test_a_message_queued_behind_a_busy_lane_takes_another_connection(
    upstream, make_config, start_relay, connections
):
    """The legacy client sends one message at a time, so a round starts with one message
    and one busy lane; the next message must not wait behind it while a connection is free."""
    first_answered = asyncio.Event()
    upstream.behaviour.hold_data = [first_answered]
    relay = await start_relay(make_config(upstream, delivery={"connections": connections}))
    await store_password(relay)
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="first"), (SENDER, PASSWORD))
    await upstream.wait_until(lambda: upstream.data_held == 1)
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="second"), (SENDER, PASSWORD))
    if connections == 1:
        with pytest.raises(TimeoutError):
            await upstream.wait_for(1, timeout=0.5)
    else:
        [second] = await upstream.wait_for(1)
        assert second.content == message(subject="second")
    first_answered.set()
    await upstream.wait_for(2)
    async with asyncio.timeout(10):  # the relay records each provider's 250 a moment later
        while rows(config_of(relay), "SELECT state FROM messages") != [("delivered",)] * 2:
            await asyncio.sleep(0.02)


async def test_mail_from_declares_size_and_8bit_content(upstream, relay_with_clock):
    relay, config, clock = relay_with_clock
    ascii_only = b"Subject: =?utf-8?b?0KHRh9C10YI=?=\r\n\r\n" + b"QUJD\r\n" * 20_000
    eight_bit = "Subject: Счет\r\n\r\nСчет за июль\r\n".encode()
    for content in (ascii_only, eight_bit):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], content, (SENDER, PASSWORD))
    assert await relay.worker.run_once(clock()) == 2
    options = {r.content: r.mail_options for r in upstream.received}
    assert options[ascii_only] == [f"SIZE={len(ascii_only)}"]
    assert options[eight_bit] == [f"SIZE={len(eight_bit)}", "BODY=8BITMIME"]


async def test_once_a_backlog_is_delivered_the_database_file_shrinks(upstream, make_config, start_relay):
    held = [asyncio.Event(), asyncio.Event()]
    upstream.behaviour.hold_data = list(held)  # both lanes stuck: the queue grows behind them
    relay = await start_relay(make_config(upstream, delivery={"connections": 2}))
    await store_password(relay)
    big = message(body=("QUJD" * 19 + "\r\n") * 2_600)  # 200 KB, base64-like lines
    for n in range(100):  # 20 MB of mail waiting
        code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], big, (SENDER, PASSWORD))
        assert code == 250
    database = config_of(relay).storage.relay_database
    assert database.stat().st_size + Path(f"{database}-wal").stat().st_size > 20_000_000
    for gate in held:
        gate.set()
    await upstream.wait_for(100, timeout=60)
    async with asyncio.timeout(30):
        while database.stat().st_size > 2_000_000:
            await asyncio.sleep(0.1)


async def test_idle_connection_is_closed(upstream, make_config, start_relay):
    relay = await start_relay(make_config(upstream, delivery={"connection_idle": "200ms"}))
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    await upstream.wait_for(1)
    assert upstream.connections == 2  # the AUTH check, then delivery
    await upstream.wait_until(lambda: upstream.disconnections == 2, timeout=5)


async def test_dropped_connection_is_replaced(upstream, relay_with_clock):
    relay, config, clock = relay_with_clock
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="one"), (SENDER, PASSWORD))
    await relay.worker.run_once(clock())
    # The provider restarts and drops our reused connection: the next message still goes.
    await upstream.stop()
    await upstream.start()
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="two"), (SENDER, PASSWORD))
    await relay.worker.run_once(clock())
    assert len(upstream.received) == 2
    assert [state for (state,) in rows(config, "SELECT state FROM messages")] == ["delivered"] * 2


async def test_wrong_stored_password_defers_with_the_providers_reply(upstream, make_config, start_relay):
    clock = Clock()
    config = make_config(upstream, smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER})
    relay = await start_relay(config, clock=clock, run_worker=False)
    await store_password(relay, password="stale-password")
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message())
    await relay.worker.run_once(clock())
    state, reason = message_state(config)
    assert state == "deferred" and "535" in reason
    assert upstream.received == []

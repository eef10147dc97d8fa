"""Delivery upstream over implicit TLS and STARTTLS, and what happens when TLS cannot be trusted."""
import sqlite3

import pytest

from tests.conftest import PASSWORD, SENDER, Clock, message, send, store_password
from tests.fake_upstream import FakeUpstream


def states(config) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(config.storage.relay_database) as db:
        return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, state, reason FROM messages")}


async def test_delivers_over_implicit_tls(upstream, make_config, start_relay):
    relay = await start_relay(make_config(upstream))
    code, reply = await send(relay.smtp_port, SENDER, ["a@example.ru", "b@example.ru"], message(), (SENDER, PASSWORD))
    assert code == 250 and b"queued as" in reply
    [received] = await upstream.wait_for(1)
    assert received.recipients == ["a@example.ru", "b@example.ru"]
    assert received.login == SENDER
    assert "Счет за июль 2013".encode() in received.content


@pytest.fixture
async def starttls_upstream(tls_files):
    provider = await FakeUpstream(
        server_context=tls_files.good, users={SENDER: PASSWORD}, implicit_tls=False
    ).start()
    yield provider
    await provider.stop()


async def test_delivers_over_starttls(starttls_upstream, make_config, start_relay):
    relay = await start_relay(make_config(starttls_upstream))
    code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    assert code == 250
    [received] = await starttls_upstream.wait_for(1)
    assert received.recipients == ["a@example.ru"]


async def test_upstream_without_starttls_gets_nothing(tls_files, make_config, start_relay):
    provider = await FakeUpstream(
        server_context=tls_files.good, users={SENDER: PASSWORD}, implicit_tls=False, offer_starttls=False
    ).start()
    try:
        clock = Clock()
        config = make_config(provider, smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER})
        relay = await start_relay(config, clock=clock, run_worker=False)
        await store_password(relay)
        # A legacy client's AUTH cannot be verified: 454, and the password never left.
        with pytest.raises(Exception) as refused:
            await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
        assert getattr(refused.value, "smtp_code", None) == 454
        # A message from an allowed local sender is queued but never sent in plaintext.
        code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], message())
        assert code == 250
        assert await relay.worker.run_once(clock()) == 1
        assert provider.auth_attempts == [] and provider.mail_commands == 0
        [(state, reason)] = states(config).values()
        assert state == "deferred" and "does not offer STARTTLS" in reason
    finally:
        await provider.stop()


@pytest.mark.parametrize("implicit_tls", [True, False], ids=["tls", "starttls"])
async def test_certificate_for_another_host_is_refused(tls_files, make_config, start_relay, implicit_tls):
    provider = await FakeUpstream(
        server_context=tls_files.wrong, users={SENDER: PASSWORD}, implicit_tls=implicit_tls
    ).start()
    try:
        clock = Clock()
        config = make_config(provider, smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER})
        relay = await start_relay(config, clock=clock, run_worker=False)
        await store_password(relay)
        code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], message())
        assert code == 250
        await relay.worker.run_once(clock())
        [(state, reason)] = states(config).values()
        assert state == "deferred"
        assert "Hostname mismatch" in reason and "localhost" in reason
        assert "certificate for mail.other-provider.test issued by epd-relay test CA" in reason
        assert provider.auth_attempts == [] and provider.received == []
    finally:
        await provider.stop()

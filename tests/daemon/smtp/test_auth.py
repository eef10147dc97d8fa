"""AUTH is truthful: the provider decides, and an outage does not lock out a known login."""
import asyncio
import smtplib
import sqlite3
from dataclasses import replace

import pytest

from tests.conftest import PASSWORD, SENDER, message, send
from tests.fake_upstream import FakeUpstream


def count(config, table: str) -> int:
    with sqlite3.connect(config.storage.relay_database) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


async def test_wrong_password_gets_535_from_the_provider_and_nothing_is_queued(upstream, make_config, start_relay):
    config = make_config(upstream)
    relay = await start_relay(config, run_worker=False)
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, "wrong-password"))
    assert refused.value.smtp_code == 535
    assert b"127.0.0.1 says" in refused.value.smtp_error
    assert SENDER in upstream.auth_attempts
    assert count(config, "messages") == 0


async def test_a_good_login_is_checked_once_for_a_batch(upstream, make_config, start_relay):
    relay = await start_relay(make_config(upstream), run_worker=False)
    for n in range(5):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject=f"n{n}"), (SENDER, PASSWORD))
    assert upstream.auth_attempts == [SENDER]


async def test_outage_accepts_a_login_verified_before_and_refuses_an_unknown_one(upstream, make_config, start_relay):
    config = make_config(upstream, delivery={"auth_cache": "1ms"})
    relay = await start_relay(config, run_worker=False)
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    await upstream.stop()
    # The provider is down: the password it accepted before still queues mail ...
    code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="two"), (SENDER, PASSWORD))
    assert code == 250
    # ... a different password is not known to be right: temporary, not "wrong password".
    with pytest.raises(smtplib.SMTPAuthenticationError) as unavailable:
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, "other-password"))
    assert unavailable.value.smtp_code == 454
    assert count(config, "messages") == 2


async def test_only_a_salted_hash_of_the_password_is_kept(upstream, make_config, start_relay):
    config = make_config(upstream)
    relay = await start_relay(config, run_worker=False)
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    with sqlite3.connect(config.storage.relay_database) as db:
        [(stored,)] = db.execute("SELECT password_hash FROM verified_credentials").fetchall()
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert PASSWORD.encode() not in config.storage.relay_database.read_bytes()


async def test_a_password_the_provider_now_refuses_is_forgotten(upstream, make_config, start_relay):
    config = make_config(upstream, delivery={"auth_cache": "1ms"})
    relay = await start_relay(config, run_worker=False)
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    upstream.users[SENDER] = "changed-at-the-provider"
    with pytest.raises(smtplib.SMTPAuthenticationError):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    await upstream.stop()
    with pytest.raises(smtplib.SMTPAuthenticationError) as unavailable:
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    assert unavailable.value.smtp_code == 454


async def test_local_capture_checks_the_local_account(make_config, start_relay):
    config = make_config(None)
    relay = await start_relay(config)
    login = (config.storage.dir / "capture-account.txt").read_text().split()
    user, password = login[1], login[3]
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        await send(relay.smtp_port, user, ["a@example.ru"], message(), (user, "wrong"))
    assert refused.value.smtp_code == 535
    code, _ = await send(relay.smtp_port, user, ["a@example.ru"], message(), (user, password))
    assert code == 250


def login_with_challenges(port: int, mechanism: str) -> int:
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        client.user, client.password = SENDER, PASSWORD
        code, _ = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"), initial_response_ok=False)
        return code


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_plain_and_login_with_challenges(upstream, make_config, start_relay, mechanism):
    relay = await start_relay(make_config(upstream), run_worker=False)
    assert await asyncio.to_thread(login_with_challenges, relay.smtp_port, mechanism) == 235


async def test_a_login_checked_with_the_old_provider_is_checked_again_with_the_new(
    upstream, tls_files, make_config, start_relay
):
    relay = await start_relay(make_config(upstream), run_worker=False)
    await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    # The mail account is changed (as a save in the panel does) to a provider where this
    # password is wrong: the cached check must not let it through.
    other = await FakeUpstream(server_context=tls_files.good, users={SENDER: "another-password"}).start()
    try:
        current = relay.settings.current
        relay.settings.current = replace(current, upstream_smtp=replace(current.upstream_smtp, port=other.port))
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="two"), (SENDER, PASSWORD))
        assert refused.value.smtp_code == 535
        assert SENDER in other.auth_attempts  # asked the new provider, not the cache
    finally:
        await other.stop()

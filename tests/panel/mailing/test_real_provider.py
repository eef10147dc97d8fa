"""The monthly mailing through the relay to a real Postfix, and a bounce in the real Dovecot."""
import asyncio
import email
import email.policy
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from daemon.provider import logins, mail_account
from daemon.provider.mail_account import MailAccount
from daemon.secretbox import SecretBox
from panel import keys
from panel.imports import import_file
from panel.mailing import journal
from panel.mailing.journal import EntryStatus
from panel.users import Role, add_user
from tests.mailservers.fixtures import PROVIDER_USERS, real_provider  # noqa: F401
from tests.panel.client import PanelClient
from tests.panel.conftest import OPERATOR
from tests.panel.documents.sample import import_sample
from tests.panel.seed_tables import EXAMPLES

pytestmark = pytest.mark.postfix

SENDER = "sender@example.test"
PASSWORD = PROVIDER_USERS[SENDER]
BOUNCE = Path(__file__).parents[2] / "fixtures" / "bounces" / "yandex-user-unknown.eml"


@pytest.fixture
async def relay(real_provider, make_config, start_relay):  # noqa: F811
    real_provider.clear_mailbox()
    config = make_config(None, upstream__smtp={
        "host": "127.0.0.1", "port": real_provider.smtps_port, "security": "tls",
        "ca_file": str(real_provider.ca_file), "server_name": "localhost", "username": SENDER,
    }, upstream__pop3={
        "host": "127.0.0.1", "port": real_provider.pop3s_port, "security": "tls",
        "ca_file": str(real_provider.ca_file), "server_name": "localhost",
    }, delivery={"connections": 2})
    relay = await start_relay(config)
    # The seed's account and July, 500 generated ones, and two the import would refuse today
    # (an older version's data): «По электронной почте» without an address and with a bad one.
    for name in ("accounts.csv", "charges-2013-07.csv"):
        assert (await import_file(relay.panel.db, (EXAMPLES / name).read_bytes(), name, 0)).applied
    await import_sample(relay.panel.db, 500)
    await relay.panel.db.execute("UPDATE personal_accounts SET email = '' WHERE number = '700000000003'")
    await relay.panel.db.execute("UPDATE personal_accounts SET email = 'bad@@example' WHERE number = '700000000006'")
    await add_user(relay.panel.db, *OPERATOR, Role.OPERATOR, 0)
    # Saved in the panel, as staff do: the provider's limits off, so the test does not wait minutes.
    await mail_account.save(relay.db, system_account(real_provider), time.time())
    mail_account.install_saved(relay.settings, system_account(real_provider))
    return relay


def system_account(provider) -> MailAccount:
    return MailAccount(
        title="Системная учетная запись", sender_name="", address=SENDER, username=SENDER, remember_password=True,
        pop3_host="127.0.0.1", pop3_port=provider.pop3s_port, pop3_secure=True,
        smtp_host="127.0.0.1", smtp_port=provider.smtps_port, smtp_secure=True, smtp_auth_as_pop3=True,
        smtp_username="", use_for_sending=True, use_for_receiving=False, per_minute=0, per_day=0,
    )


async def test_everyone_by_email_gets_exactly_one_letter_and_a_bounce_comes_back(relay, real_provider):  # noqa: F811
    client = PanelClient(relay.panel_url)
    try:
        await client.login(*OPERATOR)
        page = await client.get("/documents/send?period=2013-07")
        started = await client.post("/documents/send", {"period": "2013-07", "password": PASSWORD,
                                                        "password_again": PASSWORD}, page.csrf_token)
        assert started.status == 200, started.text
    finally:
        await client.close()
    mailing = relay.panel.web.runner.app[keys.MAILING]
    await mailing.wait_idle()
    run = (await journal.recent_runs(relay.panel.db))[0]
    counts = await journal.counts(relay.panel.db, run.id)
    letters = 1 + 167 - 2  # the seed's, every third of 500 (minus the two with no or a bad address)
    assert counts[EntryStatus.SKIPPED] == 501 - letters

    delivered = await asyncio.to_thread(real_provider.wait_for_delivered, letters, 120)
    recipients = Counter(email.message_from_bytes(raw)["Delivered-To"] for raw in delivered)
    assert len(recipients) == letters and set(recipients.values()) == {1}
    assert recipients["lemontov_mn@mail.ru"] == 1
    seed_letter = next(email.message_from_bytes(raw, policy=email.policy.default) for raw in delivered
                       if b"Delivered-To: lemontov_mn@mail.ru" in raw)
    body = seed_letter.get_body(("plain",)).get_content()
    assert "000000001001" in body and "Июль 2013" in body and 'УК "Тихий океан"' in body

    async with asyncio.timeout(60):
        while (await journal.counts(relay.panel.db, run.id))[EntryStatus.DELIVERED] < letters:
            await mailing.turn()
    skipped = await journal.entries_in(relay.panel.db, (EntryStatus.SKIPPED,), run.id)
    reasons = Counter(entry.reason for entry in skipped)
    assert reasons["Не указан адрес электронной почты"] == 1
    assert reasons["Неверный адрес электронной почты: bad@@example"] == 1
    assert reasons["Способ доставки: почтой"] == 167 and reasons["Способ доставки: лично"] == 166

    # A delivery status notification for the seed's letter, placed in the system mailbox.
    [seed_entry] = [e for e in await journal.entries_in(relay.panel.db, (EntryStatus.DELIVERED,), run.id)
                    if e.account_number == "000000001001"]
    real_provider.clear_mailbox()
    dsn = BOUNCE.read_bytes().replace(b"<20240702071405.1001.0000000001001@epd-relay.example.ru>",
                                      seed_entry.message_id.encode())
    await asyncio.to_thread(real_provider.put_message, dsn.replace(b"\n", b"\r\n"))
    await mail_account.save(relay.db, replace(system_account(real_provider), use_for_receiving=True), time.time())
    box = SecretBox.open_or_create(relay.settings.current.storage.key_file)
    await logins.save_login(relay.db, SENDER, address=SENDER, now=0, box=box, stored_password=PASSWORD)
    assert await mailing.read_bounces() == 1
    [bounced] = await journal.entries_in(relay.panel.db, (EntryStatus.BOUNCED,), run.id)
    assert bounced.account_number == "000000001001" and "5.1.1" in bounced.reason

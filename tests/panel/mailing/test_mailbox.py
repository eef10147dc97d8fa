"""collect_bounces against the real Dovecot of tests/mailservers (POP3S and STLS)."""
import asyncio
import poplib
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from daemon.config import load
from daemon.db.connect import opened
from daemon.db.migrate import Schema
from daemon.provider.steps import Reason, Step
from panel.check_report import explain
from panel.mailing.dsn import Action
from panel.mailing.mailbox import collect_bounces
from tests.conftest import write_config
from tests.mailservers.fixtures import PROVIDER_USERS, running_provider
from tls.inspect import CertificateProblem

pytestmark = pytest.mark.postfix

USER = "sender@example.test"
PASSWORD = PROVIDER_USERS[USER]
BOUNCES = Path(__file__).parents[2] / "fixtures" / "bounces"
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def provider(tls_files):
    with running_provider(tls_files.ca, tls_files.ca_file) as running:
        yield running


@pytest.fixture
def mailbox(provider):
    provider.clear_mailbox()
    yield provider
    provider.clear_mailbox()


@pytest.fixture
async def panel_db(tmp_path):
    async with opened(tmp_path / "panel.db", Schema.PANEL) as db:
        yield db


def pop3_config(tmp_path, provider, security="tls", server_name="localhost"):
    port = provider.pop3s_port if security == "tls" else provider.pop3_port
    return load(write_config(tmp_path, {
        "storage": {"dir": "state"},
        "upstream.pop3": {"host": "127.0.0.1", "port": port, "security": security,
                          "ca_file": str(provider.ca_file), "server_name": server_name, "timeout": "10s"},
    })).upstream_pop3


def bounce_fixture(name: str) -> bytes:
    return (BOUNCES / name).read_bytes().replace(b"\n", b"\r\n")


def deliver_through_postfix(provider, subject: str) -> None:
    """An ordinary message, as a resident's reply would arrive: through the real Postfix."""
    before = len(provider.delivered())
    message = EmailMessage()
    message["From"] = "resident@example.test"
    message["To"] = USER
    message["Subject"] = subject
    message.set_content("Спасибо, документ получил.\n")
    with smtplib.SMTP_SSL(provider.host, provider.smtps_port, context=provider.client_ssl_context()) as smtp:
        smtp.login(USER, PASSWORD)
        smtp.send_message(message)
    provider.wait_for_delivered(before + 1)


def mailbox_contents(provider) -> tuple[int, list[bytes]]:
    """STAT and every message, straight from Dovecot."""
    client = poplib.POP3_SSL(provider.host, provider.pop3s_port, context=provider.client_ssl_context())
    try:
        client.user(USER)
        client.pass_(PASSWORD)
        count, _ = client.stat()
        return count, [b"\r\n".join(client.retr(n)[1]) for n in range(1, count + 1)]
    finally:
        client.quit()


@pytest.mark.parametrize("security", ["tls", "stls"])
async def test_finds_the_bounce_leaves_everything_and_reads_nothing_twice(
    tmp_path, mailbox, panel_db, security
):
    mailbox.put_message(bounce_fixture("yandex-user-unknown.eml"))
    await asyncio.to_thread(deliver_through_postfix, mailbox, "Re: Платежный документ")
    before = await asyncio.to_thread(mailbox_contents, mailbox)
    assert before[0] == 2
    config = pop3_config(tmp_path, mailbox, security)

    first = await collect_bounces(config, USER, PASSWORD, panel_db, NOW)

    assert first.ok and first.looked_at == 2 and first.left == 0
    [(uidl, bounce)] = first.bounces
    assert bounce.message_id == "<20240702071405.1001.0000000001001@epd-relay.example.ru>"
    assert (bounce.recipient, bounce.action, bounce.status) == ("petrova.an@example.ru", Action.FAILED, "5.1.1")
    assert await asyncio.to_thread(mailbox_contents, mailbox) == before  # nothing deleted, nothing changed

    second = await collect_bounces(config, USER, PASSWORD, panel_db, NOW + 60)
    assert second.ok and second.looked_at == 0 and second.found == ()
    rows = await panel_db.fetchall("SELECT uidl, seen_at FROM mailbox_seen")
    assert len(rows) == 2 and uidl in {row["uidl"] for row in rows} and {row["seen_at"] for row in rows} == {NOW}


async def test_a_restart_reads_only_what_is_new_and_forgets_what_left_the_server(tmp_path, mailbox):
    config = pop3_config(tmp_path, mailbox)
    mailbox.put_message(bounce_fixture("mailru-user-unknown.eml"))
    async with opened(tmp_path / "panel.db", Schema.PANEL) as db:
        assert len((await collect_bounces(config, USER, PASSWORD, db, NOW)).bounces) == 1

    mailbox.clear_mailbox()  # the accounting program took it (its own DELE, through the relay)
    mailbox.put_message(bounce_fixture("qmail-two-recipients.eml"))
    async with opened(tmp_path / "panel.db", Schema.PANEL) as db:  # a new process
        read = await collect_bounces(config, USER, PASSWORD, db, NOW + 3600)
        rows = await db.fetchall("SELECT uidl FROM mailbox_seen")
    assert read.ok and read.looked_at == 1
    assert [bounce.recipient for _, bounce in read.bounces] == ["kv21@zhk-yug.example.ru", "kv22@zhk-yug.example.ru"]
    assert [row["uidl"] for row in rows] == [read.found[0].uidl]  # the first message's UIDL pruned


async def test_a_wrong_password_is_a_result_not_an_exception(tmp_path, mailbox, panel_db):
    mailbox.put_message(bounce_fixture("yandex-user-unknown.eml"))
    read = await collect_bounces(pop3_config(tmp_path, mailbox), USER, "wrong-password", panel_db, NOW)
    assert not read.ok and read.found == () and read.looked_at == 0
    assert (read.failure.step, read.failure.reason) == (Step.AUTH, Reason.LOGIN_REFUSED)
    assert read.failure.facts.login == USER and "-ERR" in read.failure.facts.reply.text
    assert "wrong-password" not in repr(read)
    assert explain(read.failure).text.startswith("Неверный пароль")
    assert await panel_db.fetchall("SELECT * FROM mailbox_seen") == []


@pytest.mark.parametrize("security", ["tls", "stls"])
async def test_a_certificate_for_another_name_is_refused(tmp_path, mailbox, panel_db, security):
    config = pop3_config(tmp_path, mailbox, security, server_name="pop.other-provider.test")
    read = await collect_bounces(config, USER, PASSWORD, panel_db, NOW)
    assert (read.failure.step, read.failure.reason) == (Step.TLS, Reason.CERTIFICATE_UNTRUSTED)
    assert read.failure.facts.certificate_problem is CertificateProblem.HOSTNAME_MISMATCH


async def test_only_new_messages_up_to_the_limit_newest_first(tmp_path, mailbox, panel_db, monkeypatch):
    from panel.mailing import mailbox as module

    monkeypatch.setattr(module, "MAX_NEW_PER_RUN", 2)
    for name in ("exim-two-recipients.eml", "postfix-user-unknown.eml", "gmail-address-not-found.eml"):
        mailbox.put_message(bounce_fixture(name))
    config = pop3_config(tmp_path, mailbox)

    first = await collect_bounces(config, USER, PASSWORD, panel_db, NOW)
    second = await collect_bounces(config, USER, PASSWORD, panel_db, NOW)
    third = await collect_bounces(config, USER, PASSWORD, panel_db, NOW)

    assert (first.looked_at, first.left, second.looked_at, second.left, third.looked_at) == (2, 1, 1, 0, 0)
    recipients = [[bounce.recipient for _, bounce in read.bounces] for read in (first, second)]
    assert recipients == [["orlova.ta@dom.example.ru", "kv12@tszh-rassvet.example.ru"],
                          ["kv3@tsn-lesnoe.example.ru", "kv4@tsn-lesnoe.example.ru"]]

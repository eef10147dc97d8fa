"""The mail account saved in the panel laid over config.toml's [upstream.*], and `check` using it."""
from dataclasses import replace

from daemon.config import ConfigHolder, Pop3Security, Security, load
from daemon.db.connect import opened
from daemon.db.migrate import Schema
from daemon.db.stores import relay_store
from daemon.provider import mail_account
from daemon.provider.mail_account import MailAccount
from tests.conftest import PASSWORD, SENDER, relay_sections, write_config
from tests.relay_process import run_cli

ACCOUNT = MailAccount(
    title="Системная учетная запись", sender_name="", address="uk-okean@yandex.ru",
    username="uk-okean@yandex.ru", remember_password=False,
    pop3_host="pop.yandex.ru", pop3_port=995, pop3_secure=True,
    smtp_host="smtp.yandex.ru", smtp_port=587, smtp_secure=False,
    smtp_auth_as_pop3=True, smtp_username="", use_for_sending=True, use_for_receiving=True,
)


def test_without_a_saved_account_the_file_is_in_force(make_config, upstream):
    config = make_config(upstream)
    assert mail_account.apply(config, None) is config


def test_saved_account_replaces_hosts_ports_modes_and_logins(make_config, upstream):
    config = make_config(upstream, upstream__smtp={"timeout": "7s"})
    applied = mail_account.apply(config, ACCOUNT)
    smtp, pop3 = applied.upstream_smtp, applied.upstream_pop3
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.yandex.ru", 587, Security.STARTTLS)
    assert smtp.username == smtp.address == "uk-okean@yandex.ru"
    assert smtp.timeout == 7 and smtp.ca_file == config.upstream_smtp.ca_file
    # The file's server_name is for the file's host (127.0.0.1 -> localhost), not for Yandex.
    assert smtp.server_name == "" and smtp.verify_name == "smtp.yandex.ru"
    assert (pop3.host, pop3.port, pop3.security, pop3.enabled) == ("pop.yandex.ru", 995, Pop3Security.TLS, True)
    same_host = mail_account.apply(config, replace(ACCOUNT, smtp_host="127.0.0.1"))
    assert same_host.upstream_smtp.verify_name == "localhost"


def test_separate_smtp_login_and_switches(make_config):
    config = make_config(None)
    account = replace(ACCOUNT, smtp_auth_as_pop3=False, smtp_username="sender-smtp")
    assert mail_account.apply(config, account).upstream_smtp.username == "sender-smtp"
    off = mail_account.apply(config, replace(ACCOUNT, use_for_sending=False, use_for_receiving=False))
    assert off.upstream_smtp.captures_locally and not off.upstream_pop3.enabled


def test_a_save_keeps_the_modes_chosen_at_start(make_config, upstream):
    capturing = ConfigHolder(make_config(None))
    pending = mail_account.install_saved(capturing, ACCOUNT)
    assert pending.smtp_mode and pending.pop3_listener
    assert capturing.current.upstream_smtp.captures_locally and not capturing.current.upstream_pop3.enabled
    assert mail_account.pending(capturing)

    sending = ConfigHolder(make_config(upstream))
    assert not mail_account.install_saved(sending, replace(ACCOUNT, use_for_receiving=False))
    assert sending.current.upstream_smtp.host == "smtp.yandex.ru"
    # A reload of config.toml keeps the saved account on top.
    assert not mail_account.install_reloaded(sending, make_config(upstream, upstream__smtp={"port": 2465}))
    assert sending.current.upstream_smtp.port == 587 and sending.file.upstream_smtp.port == 2465


async def test_row_round_trip(tmp_path):
    async with opened(tmp_path / "relay.db", Schema.RELAY) as db:
        assert await mail_account.load(db) is None
        await mail_account.save(db, ACCOUNT, 1.0)
        await mail_account.save(db, replace(ACCOUNT, smtp_port=465, smtp_secure=True), 2.0)
        assert await mail_account.load(db) == replace(ACCOUNT, smtp_port=465, smtp_secure=True)


async def test_cli_check_uses_the_saved_account(tmp_path, tls_files, upstream):
    """config.toml has no upstream at all; the account saved in the panel is what `check` checks."""
    sections = relay_sections(None, None)
    sections["upstream.smtp"] = {"ca_file": str(tls_files.ca_file)}
    config_path = write_config(tmp_path, sections)
    account = replace(
        ACCOUNT, address=SENDER, username=SENDER, smtp_host="127.0.0.1", smtp_port=upstream.port,
        smtp_secure=True, use_for_receiving=False,
    )
    async with relay_store(load(config_path).storage) as db:
        await mail_account.save(db, account, 1.0)
    code, output = await run_cli("check", "--config", str(config_path), stdin=PASSWORD + "\n")
    assert code == 0, output
    assert f"SMTP: 127.0.0.1 port {upstream.port} (tls)" in output and "ok   auth" in output
    assert upstream.auth_attempts == [SENDER]

"""`epd-relay serve` as sysadmins run it: signals, a crash after 250, readiness, bad config."""
import asyncio
import signal
import smtplib
import socket
import sqlite3

import pytest

from tests.conftest import PASSWORD, SENDER, message, relay_sections, send, write_config
from tests.relay_process import RelayProcess, run_cli


def db_rows(config_path, sql: str) -> list[tuple]:
    with sqlite3.connect(config_path.parent / "state" / "relay.db") as db:
        return db.execute(sql).fetchall()


@pytest.fixture
async def relay_process():
    started: list[RelayProcess] = []

    def make(config_path, env=None) -> RelayProcess:
        process = RelayProcess(config_path, env)
        started.append(process)
        return process

    yield make
    for process in started:
        await process.kill()


async def wait_until(predicate, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_sigkill_after_250_then_restart_delivers_exactly_once(tmp_path, tls_files, upstream, relay_process):
    config_path = write_config(tmp_path, relay_sections(
        upstream, tls_files.ca_file,
        smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER},
    ))
    code, output = await run_cli("account", "set", SENDER, "--store-password", "--config", str(config_path), stdin=PASSWORD + "\n")
    assert code == 0, output
    # The provider accepts the connection but holds its greeting: the message is in delivery.
    upstream.behaviour.hang_greeting = asyncio.Event()
    relay = await relay_process(config_path).start()
    code, reply = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="once"))
    assert code == 250
    queue_id = reply.decode().rsplit(" ", 1)[1]
    await wait_until(lambda: db_rows(config_path, "SELECT state FROM messages") == [("active",)])
    await relay.signal(signal.SIGKILL)
    await relay.wait()
    upstream.behaviour.hang_greeting.set()
    upstream.behaviour.hang_greeting = None

    relay = await relay_process(config_path).start()
    await relay.wait_for_line(f"{queue_id}: requeued after an unclean shutdown")
    await relay.wait_for_line(f"{queue_id}: delivered")
    await relay.signal(signal.SIGTERM)
    assert await relay.wait() == 0
    assert [r.content for r in upstream.received] == [message(subject="once")]
    assert PASSWORD not in relay.output
    assert db_rows(config_path, "SELECT state, recoveries FROM messages") == [("delivered", 1)]


async def test_sigterm_stops_cleanly_and_readiness_is_signalled(tmp_path, tls_files, upstream, relay_process):
    config_path = write_config(tmp_path, relay_sections(upstream, tls_files.ca_file))
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.setblocking(False)
        relay = await relay_process(config_path, env={"NOTIFY_SOCKET": str(notify_path)}).start()
        ready = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(notify, 100), 10)
        assert ready == b"READY=1"
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
        await upstream.wait_for(1)
        await relay.signal(signal.SIGTERM)
        assert await relay.wait() == 0
        assert await asyncio.wait_for(asyncio.get_running_loop().sock_recv(notify, 100), 10) == b"STOPPING=1"
    assert "stopped" in relay.output


async def test_sighup_reloads_and_a_bad_edit_keeps_the_running_config(tmp_path, tls_files, upstream, relay_process):
    sections = relay_sections(upstream, tls_files.ca_file, upstream__smtp={"username": SENDER})
    config_path = write_config(tmp_path, sections)
    relay = await relay_process(config_path).start()
    with pytest.raises(smtplib.SMTPSenderRefused):
        await send(relay.smtp_port, SENDER, ["a@example.ru"], message())
    sections["smtp"]["allowed_senders"] = [SENDER]
    write_config(tmp_path, sections)
    await relay.signal(signal.SIGHUP)
    await relay.wait_for_line("configuration reloaded")
    code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], message())
    assert code == 250
    config_path.write_text(config_path.read_text() + "\n[delivery]\nmin_backof = 1\n")
    await relay.signal(signal.SIGHUP)
    line = await relay.wait_for_line("reload refused")
    assert "min_backof" in line or "delivery" in line
    code, _ = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(subject="still"))
    assert code == 250


async def test_bad_config_stops_the_start_naming_the_key(tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text('[smtp]\nmax_message_size = "25 MB"\n')
    code, output = await run_cli("serve", "--config", str(config_path))
    assert code == 2
    assert str(config_path) in output and "[smtp] max_message_size" in output


async def test_local_capture_says_plainly_it_did_not_send(tmp_path, relay_process):
    config_path = write_config(tmp_path, relay_sections(None, None))
    relay = await relay_process(config_path).start()
    credentials = (tmp_path / "state" / "capture-account.txt").read_text().split()
    user, password = credentials[1], credentials[3]
    code, reply = await send(relay.smtp_port, user, ["resident@example.ru"], message(), (user, password))
    queue_id = reply.decode().rsplit(" ", 1)[1]
    line = await relay.wait_for_line(f"{queue_id}: delivered: to=<resident@example.ru>")
    assert "captured locally, not sent" in line
    captured = list((tmp_path / "state" / "mail" / "captured" / "new").iterdir())
    assert len(captured) == 1 and b"Delivered-To: resident@example.ru" in captured[0].read_bytes()


async def test_account_set_refuses_an_address_letters_cannot_go_from(tmp_path):
    config_path = write_config(tmp_path, relay_sections(None, None))
    code, output = await run_cli("account", "set", "buh", "--address", "бухгалтерия@example.ru",
                                 "--config", str(config_path))
    assert code == 2 and "--address: 'бухгалтерия@example.ru' is not an address letters can go from" in output
    code, output = await run_cli("account", "set", "buh", "--address", "buh@example.ru", "--config", str(config_path),
                                 stdin="local-s3cret\n")
    assert code == 0 and "account buh saved" in output, output

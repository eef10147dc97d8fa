"""`epd-relay send` from cron: the run belongs to the running service, which survives a SIGKILL."""
import asyncio
import signal
import sqlite3
from collections import Counter
from contextlib import closing

import pytest

from daemon.config import load
from daemon.db.stores import panel_store
from tests.conftest import PASSWORD, SENDER, relay_sections, write_config
from tests.panel.documents.sample import import_sample
from tests.relay_process import RelayProcess, run_cli

NORTH = "УК «Север»"


def rows(config_path, sql: str, store: str = "panel_database") -> list[tuple]:
    with closing(sqlite3.connect(getattr(load(config_path).storage, store))) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
async def config_path(tmp_path, tls_files, upstream, unused_port):
    # A port of its own: the command finds the service where config.toml says it listens.
    path = write_config(tmp_path, relay_sections(upstream, tls_files.ca_file, upstream__smtp={"username": SENDER},
                                                 smtp={"listen": f"127.0.0.1:{unused_port}"},
                                                 delivery={"min_backoff": "1s", "max_backoff": "2s"}))
    async with panel_store(load(path).storage) as db:
        await import_sample(db, 120)  # NORTH: the even ones; every third by e-mail
    return path


@pytest.fixture
async def service():
    started: list[RelayProcess] = []

    async def start(config_path) -> RelayProcess:
        process = await RelayProcess(config_path).start()
        started.append(process)
        return process

    yield start
    for process in started:
        await process.kill()


async def store_password(config_path) -> None:
    code, output = await run_cli("account", "set", SENDER, "--store-password", "--config", str(config_path),
                                 stdin=PASSWORD + "\n")
    assert code == 0, output


def north_email_recipients() -> list[str]:
    return sorted(f"resident{index}@example.ru" for index in range(0, 120, 2) if index % 3 == 0)


async def test_a_run_from_the_command_line_is_sent_by_the_service(config_path, service, upstream):
    await store_password(config_path)
    relay = await service(config_path)
    code, output = await run_cli("send", "--config", str(config_path), "--period", "2013-07", "--org", NORTH)
    assert code == 0, output
    assert "20 letters, 40 accounts skipped" in output and "every letter handed to the relay" in output
    await upstream.wait_for(20, timeout=60)
    assert sorted(r.recipients[0] for r in upstream.received) == north_email_recipients()
    assert rows(config_path, "SELECT started_by, state FROM send_runs") == [("командная строка", "finished")]
    await relay.signal(signal.SIGTERM)
    assert await relay.wait() == 0


async def test_the_service_killed_mid_run_goes_on_after_a_restart_and_sends_nobody_twice(config_path, service, upstream):
    await store_password(config_path)
    # The provider refuses for now: what the relay took stays in its queue across the kill,
    # so only the mailing itself could send a letter twice.
    upstream.behaviour.mail_reply = "451 4.7.1 try again later"
    relay = await service(config_path)
    command = asyncio.create_task(run_cli("send", "--config", str(config_path), "--period", "2013-07", "--org", NORTH))
    for _ in range(5):
        await relay.wait_for_line(r": deferred for \d+ s: to=<", timeout=60)
        relay.lines.clear()
    await relay.signal(signal.SIGKILL)
    await relay.wait()
    code, output = await command  # it followed the run until its service went away
    [(accepted_before,)] = rows(config_path, "SELECT COUNT(*) FROM messages", store="relay_database")
    assert 5 <= accepted_before < 20, output

    upstream.behaviour.mail_reply = None
    relay = await service(config_path)
    async with asyncio.timeout(90):
        while rows(config_path, "SELECT state FROM send_runs") != [("finished",)]:
            await asyncio.sleep(0.2)
    await relay.wait_for_line(r"delivered", timeout=60)
    await upstream.wait_for(20, timeout=120)
    received = Counter(r.recipients[0] for r in upstream.received)
    assert sorted(received) == north_email_recipients() and set(received.values()) == {1}


async def test_unattended_without_a_remembered_password_it_says_so(config_path, service, upstream):
    await service(config_path)
    code, output = await run_cli("send", "--config", str(config_path), "--period", "2013-07", "--org", NORTH)
    assert code == 1 and f"no remembered password for the mail account {SENDER}" in output
    assert rows(config_path, "SELECT COUNT(*) FROM send_runs") == [(0,)]


async def test_a_login_with_no_address_to_send_from_is_refused_before_the_run(tmp_path, upstream, tls_files,
                                                                           unused_port, service):
    path = write_config(tmp_path, relay_sections(upstream, tls_files.ca_file, upstream__smtp={"username": "buh"},
                                                 smtp={"listen": f"127.0.0.1:{unused_port}"}))
    async with panel_store(load(path).storage) as db:
        await import_sample(db, 12)
    await service(path)
    code, output = await run_cli("send", "--config", str(path), "--period", "2013-07", "--org", NORTH)
    assert code == 1 and "the sender address '' of the mail account buh is not one letters can go from" in output
    assert "address in [upstream.smtp]" in output
    assert rows(path, "SELECT COUNT(*) FROM send_runs") == [(0,)]


async def test_without_the_service_it_says_so(config_path):
    await store_password(config_path)
    code, output = await run_cli("send", "--config", str(config_path), "--period", "2013-07", "--org", NORTH)
    assert code == 1 and "the service is not running" in output


async def test_with_mail_captured_locally_a_stored_password_sends_into_the_capture_maildir(
    tmp_path, unused_port, service
):
    """The README's embedded default: no upstream, the capture login made at the first start."""
    path = write_config(tmp_path, relay_sections(None, None, smtp={"listen": f"127.0.0.1:{unused_port}"}))
    storage = load(path).storage
    async with panel_store(storage) as db:
        await import_sample(db, 120)
    relay = await service(path)
    login, password = (line.split(": ", 1)[1] for line in
                       (storage.dir / "capture-account.txt").read_text().splitlines())
    code, output = await run_cli("account", "set", login, "--store-password", "--config", str(path),
                                 stdin=password + "\n")
    assert code == 0 and "(local login, stored encrypted)" in output, output
    code, output = await run_cli("send", "--config", str(path), "--period", "2013-07", "--org", NORTH)
    assert code == 0, output
    async with asyncio.timeout(60):
        while len(list((storage.capture_maildir / "new").glob("*"))) < 20:
            await asyncio.sleep(0.2)
    await relay.signal(signal.SIGTERM)
    assert await relay.wait() == 0

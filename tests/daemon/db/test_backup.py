"""`epd-relay backup DIR` while the relay runs: a copy that starts as a relay of its own."""
import os
import time

from daemon.config import load
from panel.users import Role, add_user, authenticate
from tests.conftest import (
    PASSWORD,
    SENDER,
    message,
    relay_sections,
    send,
    store_password,
    write_config,
)
from tests.relay_process import run_cli


async def test_a_backup_taken_while_running_restores_queue_passwords_and_panel(
    tmp_path, upstream, tls_files, start_relay
):
    live = tmp_path / "live"
    live.mkdir()
    config = load(write_config(live, relay_sections(upstream, tls_files.ca_file)))
    relay = await start_relay(config, run_worker=False)
    await store_password(relay)
    await add_user(relay.panel.db, "ivanova", "ivanova-password", Role.OPERATOR, 0)
    code, _ = await send(relay.smtp_port, SENDER, ["resident@example.ru"], message(), (SENDER, PASSWORD))
    assert code == 250

    target = tmp_path / "backups" / "today"
    code, output = await run_cli("backup", str(target), "--config", str(config.path))
    assert code == 0, output
    assert sorted(path.name for path in target.iterdir()) == ["panel.db", "relay.db", "secret.key"]
    assert {oct(path.stat().st_mode & 0o777) for path in target.iterdir()} == {"0o600"}

    # The copy is a state directory: a relay started on it has the queue, the password, the staff.
    restored = tmp_path / "restored"
    restored.mkdir()
    copy = load(write_config(restored, relay_sections(upstream, tls_files.ca_file, storage={"dir": str(target)})))
    again = await start_relay(copy, run_worker=False)
    assert await again.worker.run_once(time.time()) == 1
    assert [received.content for received in upstream.received] == [message()]
    assert await authenticate(again.panel.db, "ivanova", "ivanova-password") is not None


async def test_a_backup_never_overwrites(tmp_path, make_config, start_relay):
    config = make_config(None)
    await start_relay(config, run_worker=False)
    target = tmp_path / "backup"
    target.mkdir()
    (target / "relay.db").write_bytes(b"yesterday")
    code, output = await run_cli("backup", str(target), "--config", str(config.path))
    assert code == 2 and "already exist: choose an empty directory" in output, output
    assert (target / "relay.db").read_bytes() == b"yesterday"


async def test_a_backup_of_a_stopped_service_leaves_its_files_to_the_service_user(tmp_path, make_config, start_relay):
    """Under systemd the store belongs to the service's dynamic user; root runs the backup."""
    config = make_config(None)
    relay = await start_relay(config, run_worker=False)
    await relay.stop()
    service_user = (54321, 54321)
    for path in config.storage.dir.iterdir():
        os.chown(path, *service_user)
    code, output = await run_cli("backup", str(tmp_path / "backup"), "--config", str(config.path))
    assert code == 0, output
    owners = {path.name: (path.stat().st_uid, path.stat().st_gid) for path in config.storage.dir.iterdir()}
    assert set(owners.values()) == {service_user}, owners

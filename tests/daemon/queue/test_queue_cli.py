"""`epd-relay queue list` and `queue release ID`: the person a held message waits for."""
from daemon.config import load
from daemon.db.stores import relay_store
from daemon.queue import messages
from tests.conftest import relay_sections, write_config
from tests.relay_process import run_cli


async def test_a_held_message_is_listed_and_released(tmp_path):
    config_path = write_config(tmp_path, relay_sections(None, None))
    storage = load(config_path).storage
    async with relay_store(storage) as db:
        for queue_id in ("HELD1", "WAITING2"):
            await messages.insert_message(
                db, queue_id=queue_id, account="a@example.test", sender="a@example.test",
                recipients=["r@example.ru"], content=b"Subject: a\r\n\r\nb\r\n", now=100.0,
            )
        await db.execute("UPDATE messages SET next_attempt_at = 1e12 WHERE id = 'WAITING2'")
        for crash in range(3):
            claim = await messages.claim_next(db, now=200.0 + crash, paused=set())
            assert claim.message.id == "HELD1"
            await messages.recover_active(db, now=200.0 + crash, max_recoveries=3)

    code, output = await run_cli("queue", "list", "--config", str(config_path))
    assert code == 0, output
    held = next(line for line in output.splitlines() if line.startswith("HELD1"))
    assert "hold" in held and "from <a@example.test>" in held
    assert any(line.startswith("WAITING2") and "queued" in line for line in output.splitlines())

    code, output = await run_cli("queue", "release", "HELD1", "--config", str(config_path))
    assert code == 0 and "HELD1 released" in output
    async with relay_store(storage) as db:
        row = await db.fetchone("SELECT state FROM messages WHERE id = 'HELD1'")
    assert row[0] == "deferred"

    code, output = await run_cli("queue", "release", "HELD1", "--config", str(config_path))
    assert code == 1 and "no held message HELD1" in output

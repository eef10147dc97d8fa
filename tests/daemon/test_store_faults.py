"""`epd-relay serve` when its store fails: a full disk, a capped file size, a file system
gone read-only, a database locked by another process. Nothing that got 250 is lost,
delivery resumes by itself or the relay exits for systemd to restart it, and SIGTERM
always ends the process."""
import asyncio
import os
import signal

from tests.faulty_store import cap_file_size, locked, queue_database, queue_rows
from tests.relay_process import SHORT_WAITS, accepted, offer, relay_config, stop


def subjects(upstream) -> list[str]:
    return sorted(r.content.split(b"Subject: ")[1].split(b"\r\n")[0].decode() for r in upstream.received)


async def test_a_full_disk_at_acceptance_answers_451_and_mail_is_taken_again_once_freed(
    tmp_path, tls_files, upstream, relay_process, tmpfs_state
):
    config_path = await relay_config(tmp_path, tls_files, upstream)
    relay = await relay_process(config_path).start()
    before = await accepted(relay, "before")
    await relay.wait_for_line(f"{before}: delivered")

    tmpfs_state.fill()
    code, reply = await offer(relay, "while full")
    assert code == 451 and "4.3.0" in reply
    await relay.wait_for_line("could not store a message")
    assert "database or disk is full" in relay.output

    tmpfs_state.free()
    after = await accepted(relay, "after")
    await relay.wait_for_line(f"{after}: delivered")
    assert await stop(relay) == 0
    assert subjects(upstream) == ["after", "before"]
    assert queue_rows(config_path, "SELECT state, COUNT(*) FROM messages GROUP BY state") == [("delivered", 2)]


async def test_a_full_disk_in_delivery_is_logged_at_once_and_delivery_resumes_by_itself(
    tmp_path, tls_files, upstream, relay_process
):
    """The reported failure: the store's file size capped while a backlog waited."""
    config_path = await relay_config(tmp_path, tls_files, upstream)
    upstream.behaviour.hang_greeting = asyncio.Event()  # the backlog waits in delivery
    relay = await relay_process(config_path).start()
    backlog = [await accepted(relay, f"backlog {n}") for n in range(5)]

    # Every write from now on would grow the WAL past its size: it fails with EFBIG.
    wal = queue_database(config_path).with_name(queue_database(config_path).name + "-wal")
    cap_file_size(relay.process.pid, wal.stat().st_size)
    upstream.behaviour.hang_greeting.set()
    line = await relay.wait_for_line(r"ERROR .*: recording the attempt \(provider: 250 .*\) failed", timeout=10)
    queue_id = line.split()[2].rstrip(":")
    assert queue_id in backlog and "disk I/O error" in line
    # Mail taken now would only wait behind it: the client keeps it.
    code, reply = await offer(relay, "refused")
    assert code == 451 and "local storage is failing" in reply

    cap_file_size(relay.process.pid, None)
    await relay.wait_for_line(f"{queue_id}: recording the attempt .*: done, the queue store works again")
    for queue_id in backlog:
        await relay.wait_for_line(f"{queue_id}: delivered", timeout=60)
    after = await accepted(relay, "after")
    await relay.wait_for_line(f"{after}: delivered")
    assert await stop(relay) == 0
    # Each once: the provider's 250 was kept in memory until it could be recorded.
    assert subjects(upstream) == ["after"] + [f"backlog {n}" for n in range(5)]
    assert queue_rows(config_path, "SELECT state, COUNT(*), MAX(recoveries) FROM messages GROUP BY state") == [
        ("delivered", 6, 0)
    ]


async def test_a_store_gone_read_only_makes_the_relay_exit_non_zero_and_a_restart_delivers(
    tmp_path, tls_files, upstream, relay_process, ext4_state
):
    config_path = await relay_config(tmp_path, tls_files, upstream)
    upstream.behaviour.hang_greeting = asyncio.Event()
    upstream.behaviour.data_reply = "451 4.7.0 Try again later"  # nothing is accepted upstream
    relay = await relay_process(config_path, {"TEST_GIVE_UP_AFTER": "5"}, SHORT_WAITS).start()
    queued = [await accepted(relay, f"queued {n}") for n in range(3)]
    await upstream.wait_until(lambda: upstream.connections == 2)  # two lanes, two claimed
    await asyncio.to_thread(os.sync)  # the claims are on the disk before it fails

    ext4_state.fail()
    upstream.behaviour.hang_greeting.set()
    line = await relay.wait_for_line(r"ERROR .*: recording the attempt \(provider: DATA: 451 .*\) failed")
    assert line.split()[2].rstrip(":") in queued
    code, _ = await offer(relay, "refused")
    assert code == 451
    # The store stays read-only: delivery gives up, and the relay exits for systemd.
    assert await relay.wait(timeout=30) == 1
    assert "CRITICAL daemon.app: delivery stopped" in relay.output
    assert "goes back to the queue at the next start" in relay.output

    ext4_state.repair()
    upstream.behaviour.data_reply = None
    relay = await relay_process(config_path).start()
    for queue_id in queued:
        await relay.wait_for_line(f"{queue_id}: delivered")
    assert await stop(relay) == 0
    assert subjects(upstream) == [f"queued {n}" for n in range(3)]
    assert sorted(queue_rows(config_path, "SELECT state, recoveries FROM messages")) == [
        ("delivered", 0), ("delivered", 1), ("delivered", 1)  # the two claimed count a recovery
    ]


async def test_a_database_locked_past_the_busy_timeout_is_waited_for_and_sigterm_still_stops(
    tmp_path, tls_files, upstream, relay_process
):
    config_path = await relay_config(tmp_path, tls_files, upstream)
    database = queue_database(config_path)
    relay = await relay_process(config_path, {"TEST_BUSY_TIMEOUT_MS": "500"}, SHORT_WAITS).start()

    # Another process holds the lock while a message is with the provider.
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    first = await accepted(relay, "first")
    await upstream.wait_until(lambda: upstream.data_held == 1)
    with locked(database):
        gate.set()
        line = await relay.wait_for_line(f"ERROR .*{first}: recording the attempt .* failed")
        assert "database is locked" in line
        code, _ = await offer(relay, "refused")
        assert code == 451
    await relay.wait_for_line(f"{first}: delivered")
    second = await accepted(relay, "second")
    await relay.wait_for_line(f"{second}: delivered")

    # Locked again with an outcome to record, and SIGTERM: the process still ends, and
    # the message is counted as an unclean shutdown's.
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    third = await accepted(relay, "third")
    await upstream.wait_until(lambda: upstream.data_held == 2)
    with locked(database):
        gate.set()
        await relay.wait_for_line(f"ERROR .*{third}: recording the attempt .* failed")
        assert await stop(relay) == 0
    assert f"{third}: attempt not recorded" in relay.output and "the provider had accepted it" in relay.output

    relay = await relay_process(config_path).start()
    await relay.wait_for_line(f"{third}: requeued after an unclean shutdown")
    await relay.wait_for_line(f"{third}: delivered")
    assert await stop(relay) == 0
    # The provider's 250 for the third never reached the store: sent again, as after a crash.
    assert subjects(upstream) == ["first", "second", "third", "third"]
    assert queue_rows(config_path, "SELECT state, recoveries FROM messages ORDER BY received_at") == [
        ("delivered", 0), ("delivered", 0), ("delivered", 1)
    ]


async def test_a_stop_that_hangs_on_the_store_still_ends_the_process(
    tmp_path, tls_files, upstream, relay_process, ext4_state
):
    config_path = await relay_config(tmp_path, tls_files, upstream)
    relay = await relay_process(config_path, {"TEST_STOP_TIMEOUT": "2"}, SHORT_WAITS).start()
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    await accepted(relay, "in flight")
    await upstream.wait_until(lambda: upstream.data_held == 1)
    ext4_state.freeze()
    try:
        gate.set()  # the provider accepts; recording it waits for the disk
        await upstream.wait_for(1)
        await relay.signal(signal.SIGTERM)
        await relay.wait_for_line("stop did not finish within 2 s: exiting anyway")
    finally:
        ext4_state.thaw()  # a thread in the kernel's wait holds the exit until then
    assert await relay.wait() == 1
    assert "(most recent call first)" in relay.output  # every thread's stack: where it hung

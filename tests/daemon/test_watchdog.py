"""systemd's watchdog: WATCHDOG=1 while the relay turns, none once it has stalled."""
import asyncio
import os
import socket
from pathlib import Path

import pytest

from daemon import watchdog
from daemon.sdnotify import watchdog_interval
from daemon.watchdog import Deadlines
from tests.conftest import PASSWORD, SENDER, Clock, message, send, store_password
from tests.relay_process import SHORT_WAITS, accepted, relay_config, stop


def test_the_interval_is_systemds_only_for_the_process_it_names():
    assert watchdog_interval({"WATCHDOG_USEC": "60000000"}) == 60.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None  # a parent's
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "soon"}) is None


def test_a_step_is_overdue_only_past_its_bound_and_the_grace():
    clock = Clock(100.0)
    deadlines = Deadlines(clock)
    with deadlines.step("1A2B: sending", 60):
        clock.advance(60 + watchdog.STALL_GRACE)
        assert deadlines.overdue() is None
        clock.advance(5)
        assert deadlines.overdue() == "1A2B: sending: 5 s past its deadline"
    assert deadlines.overdue() is None


async def test_a_provider_slow_within_its_timeouts_is_no_stall_but_a_lane_stuck_past_them_is(
    upstream, make_config, start_relay
):
    wall = Clock()
    relay = await start_relay(make_config(upstream), clock=wall, run_worker=False)
    await store_password(relay)
    clock = Clock(0.0)  # the watchdog's (monotonic) clock
    relay.worker.deadlines = Deadlines(clock)
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    code, reply = await send(relay.smtp_port, SENDER, ["a@example.ru"], message(), (SENDER, PASSWORD))
    queue_id = reply.decode().rsplit(" ", 1)[1]
    attempt = asyncio.create_task(relay.worker.run_once(wall()))
    await upstream.wait_until(lambda: upstream.data_held == 1)

    # The attempt's bound: every step of it may take the whole [upstream.smtp] timeout.
    bound = attempt_bound_for(relay.settings.current.upstream_smtp.timeout, recipients=1)
    clock.advance(bound + watchdog.STALL_GRACE)
    assert relay.stalled() is None
    clock.advance(1)
    assert relay.stalled() == f"{queue_id}: sending: 1 s past its deadline"
    gate.set()
    assert await attempt == 1
    assert relay.stalled() is None


def attempt_bound_for(timeout: float, recipients: int) -> float:
    """Connect, TLS, EHLO, STARTTLS, EHLO, AUTH twice, MAIL, DATA, the data, QUIT; RCPTs;
    twice over (a reused connection found closed)."""
    return 2 * timeout * (10 + recipients)


class NotifySocket:
    """Where systemd would listen: $NOTIFY_SOCKET."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._sock.setblocking(False)

    async def wait_for(self, state: bytes, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while await asyncio.get_running_loop().sock_recv(self._sock, 100) != state:
                pass

    def drain(self) -> None:
        try:
            while True:
                self._sock.recv(100)
        except BlockingIOError:
            pass

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.close()


INTERVAL_USEC = 1_000_000  # WATCHDOG=1 every 0.5 s


async def test_the_watchdog_is_fed_while_delivery_turns_and_not_while_the_store_hangs(
    tmp_path, tls_files, upstream, relay_process, ext4_state, notify_socket
):
    config_path = await relay_config(tmp_path, tls_files, upstream)
    relay = await relay_process(config_path, {
        "NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": str(INTERVAL_USEC),
        "TEST_BUSY_TIMEOUT_MS": "500", "TEST_STALL_GRACE": "1",
    }, SHORT_WAITS).start()
    await notify_socket.wait_for(b"READY=1", timeout=5)
    await notify_socket.wait_for(b"WATCHDOG=1", timeout=5)

    # A provider that holds DATA for three intervals is slow, within its timeout: fed.
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    slow = await accepted(relay, "slow")
    await upstream.wait_until(lambda: upstream.data_held == 1)
    for _ in range(6):
        await notify_socket.wait_for(b"WATCHDOG=1", timeout=1)
    gate.set()
    await relay.wait_for_line(f"{slow}: delivered")

    # The disk hangs (a frozen file system) under delivery's record: no longer fed.
    gate = asyncio.Event()
    upstream.behaviour.hold_data = [gate]
    frozen = await accepted(relay, "frozen")
    await upstream.wait_until(lambda: upstream.data_held == 2)
    ext4_state.freeze()
    try:
        gate.set()
        await relay.wait_for_line("stalled: an operation on the queue store has not returned")
        notify_socket.drain()
        with pytest.raises(TimeoutError):
            await notify_socket.wait_for(b"WATCHDOG=1", timeout=4 * INTERVAL_USEC / 1e6)
    finally:
        ext4_state.thaw()
    await relay.wait_for_line("no longer stalled")
    await notify_socket.wait_for(b"WATCHDOG=1", timeout=5)
    await relay.wait_for_line(f"{frozen}: delivered")
    assert await stop(relay) == 0

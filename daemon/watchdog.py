"""What must keep turning, and systemd's watchdog told so only while it does.

With `WatchdogSec=` in the unit, systemd kills and restarts the relay when WATCHDOG=1
stops arriving. A task of the event loop sends it every half interval (so a blocked
loop stops it), and only while nothing has stalled: the listener serves, the delivery
runner runs, no attempt has outlived the timeouts it is made of, and no store operation
has run far past SQLite's busy timeout (daemon/app.py, Relay.stalled). A provider that
is slow within its timeouts is not a stall; neither is a store that fails fast (delivery
retries it, daemon/delivery/outage.py).
"""
import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from daemon.db import connect
from daemon.db.connect import Database
from daemon.sdnotify import notify

log = logging.getLogger(__name__)

# Added to every bound before work counts as stalled: scheduling, a slow disk, a busy core.
STALL_GRACE = 30.0


@dataclass(frozen=True)
class _Step:
    what: str
    deadline: float


class Deadlines:
    """Work in progress, each piece with the time it must be done by."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._steps: dict[int, _Step] = {}
        self._keys = itertools.count()

    @contextmanager
    def step(self, what: str, bound: float) -> Iterator[None]:
        """``what`` is in progress and ends within ``bound`` seconds (plus STALL_GRACE)."""
        key = next(self._keys)
        self._steps[key] = _Step(what, self._monotonic() + bound + STALL_GRACE)
        try:
            yield
        finally:
            del self._steps[key]

    def overdue(self) -> str | None:
        """The step furthest past its deadline, described, or None."""
        now = self._monotonic()
        late = [step for step in self._steps.values() if step.deadline < now]
        if not late:
            return None
        step = min(late, key=lambda s: s.deadline)
        return f"{step.what}: {now - step.deadline:.0f} s past its deadline"


def store_overdue(db: Database) -> str | None:
    """An operation on the store running far past SQLite's busy timeout: the disk is stuck."""
    busy = db.busy_for(time.monotonic())
    if busy <= connect.BUSY_TIMEOUT_MS / 1000 + STALL_GRACE:
        return None
    return f"an operation on the queue store has not returned for {busy:.0f} s"


async def feed(interval: float, stalled: Callable[[], str | None]) -> None:
    """Send WATCHDOG=1 every half ``interval`` for as long as ``stalled()`` finds nothing."""
    reported: str | None = None
    while True:
        problem = stalled()
        if problem is None:
            if reported is not None:
                log.warning("no longer stalled: telling systemd's watchdog again")
                reported = None
            try:
                notify("WATCHDOG=1")
            except OSError as error:
                log.warning("cannot reach systemd's notify socket: %s", error)
        elif reported is None:
            log.error("stalled: %s; no longer telling systemd's watchdog, which restarts the relay", problem)
            reported = problem
        await asyncio.sleep(interval / 2)

"""Delivery's reads and writes of the queue failing: when to try again, when to give up.

A full disk, a file-size limit, a store remounted read-only or a database another process
holds locked past the busy timeout make statements fail; the messages are safe in the
file, so delivery waits and tries the same operation again, and the listener refuses new
mail meanwhile (daemon/smtp/listener.py) rather than queue what would not go out.
"""
import sqlite3

from daemon.errors import StoreUnavailable

# What the store raises when it cannot be used (SQLite's errors; OSError from the files
# beside it). Anything else is a bug and ends the runner: the relay exits, systemd restarts it.
STORAGE_ERRORS = (sqlite3.Error, OSError)

# After a failure delivery tries again after 1 s, doubling up to the maximum; a new
# message or a reload (wake) tries at once.
RETRY_MIN = 1.0
RETRY_MAX = 30.0
# Failing this long, delivery gives up: the relay exits non-zero and systemd starts it
# again, which reopens the file as waiting does not. While the store stays unusable a
# start fails where it must write, or the listener answers 451. Ten times the busy
# timeout, so a long lock held by another process is waited out first.
GIVE_UP_AFTER = 600.0


class Failing:
    """One of delivery's operations on the store while it keeps failing."""

    def __init__(self, what: str, now: float) -> None:
        self.what = what
        self.since = now
        self.failures = 0

    def failed(self, error: BaseException, now: float) -> float:
        """Count a failure; returns how long to wait before the next try, or raises
        StoreUnavailable once the operation has failed for GIVE_UP_AFTER."""
        self.failures += 1
        if now - self.since >= GIVE_UP_AFTER:
            raise StoreUnavailable(
                f"{self.what}: the queue store has failed for {now - self.since:.0f} s"
                f" ({self.failures} tries), last: {describe(error)}"
            ) from error
        return min(RETRY_MAX, RETRY_MIN * 2 ** (self.failures - 1))


def describe(error: BaseException) -> str:
    """sqlite3's message names the failure ("database or disk is full", "disk I/O error")."""
    return f"{type(error).__name__}: {error}"

"""Splitting the one database file of earlier versions into the relay's and the panel's stores.

Earlier versions kept the queue and the panel's data in one file, epd-relay.db, so a long
import held the write lock that every SMTP DATA needed. The first start of this version
(or the first command run) brings that file to its last version, copies it table by table
into relay.db and panel.db in one transaction, checks the row counts, and only then renames
it epd-relay.db.before-split. Until that rename the old file is the truth: a split cut
short by a crash is done again, from the start, by whoever opens a store next.
"""
import fcntl
import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from daemon.config import StorageConfig
from daemon.db.migrate import Schema, migrate

log = logging.getLogger(__name__)

# New table: the table of the single file it is copied from, in an order that keeps
# foreign keys satisfied.
RELAY_TABLES = {
    "messages": "messages",
    "message_contents": "message_contents",
    "recipients": "recipients",
    "message_events": "message_events",
    "mail_logins": "accounts",
    "verified_credentials": "verified_credentials",
    "account_pauses": "account_pauses",
    "mail_account": "mail_account",
}
PANEL_TABLES = {
    name: name for name in (
        "staff_users", "panel_sessions", "login_failures", "organisations", "personal_accounts",
        "payment_documents", "charge_lines", "house_facts",
    )
}
KEPT_SUFFIX = ".before-split"
BUSY_TIMEOUT_MS = 60_000


class SplitFailed(RuntimeError):
    """The copy did not match the single file; nothing was renamed."""


def split_single_file(storage: StorageConfig) -> bool:
    """Split epd-relay.db when it is there; True when this call did it."""
    single = storage.single_database
    if not single.exists():
        return False
    with open(single, "rb") as guard:
        # Another process starting at the same moment waits here, then finds the file gone.
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not single.exists():
            return False
        log.warning("splitting %s into %s and %s (once, after an upgrade)",
                    single, storage.relay_database, storage.panel_database)
        stores = {storage.relay_database: (Schema.RELAY, RELAY_TABLES),
                  storage.panel_database: (Schema.PANEL, PANEL_TABLES)}
        copies = {path: path.with_name(path.name + ".splitting") for path in stores}
        for copy in copies.values():
            _remove_database(copy)
        counts = _copy(single, {copies[path]: stores[path] for path in stores})
        for path, copy in copies.items():
            _fsync(copy)
            _remove_database(path)  # a leftover's WAL would be replayed into the new file
            os.replace(copy, path)
        kept = single.with_name(single.name + KEPT_SUFFIX)
        os.replace(single, kept)
        _fsync(storage.dir)
    log.warning("database split done: %s; the old file is kept as %s and may be deleted",
                ", ".join(f"{count} {table}" for table, count in counts.items() if count), kept)
    return True


def _copy(single: Path, targets: dict[Path, tuple[Schema, dict[str, str]]]) -> dict[str, int]:
    with closing(sqlite3.connect(single, isolation_level=None)) as source:
        source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        migrate(source, Schema.SINGLE_FILE)
        counts: dict[str, int] = {}
        for index, (path, (schema, tables)) in enumerate(targets.items()):
            with closing(sqlite3.connect(path, isolation_level=None)) as target:
                migrate(target, schema)
            alias = f"store{index}"
            source.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
            source.execute("BEGIN IMMEDIATE")
            try:
                for new, old in tables.items():
                    counts[new] = _copy_table(source, alias, new, old)
                source.execute("COMMIT")
            except BaseException:
                if source.in_transaction:
                    source.execute("ROLLBACK")
                raise
            source.execute(f"DETACH DATABASE {alias}")
    return counts


def _copy_table(source: sqlite3.Connection, alias: str, new: str, old: str) -> int:
    # Columns added to a store since the split (e.g. panel/0002) are not in the single file:
    # they keep their defaults.
    had = {row[1] for row in source.execute(f"PRAGMA main.table_info({old})")}
    columns = ", ".join(row[1] for row in source.execute(f"PRAGMA {alias}.table_info({new})") if row[1] in had)
    source.execute(f"INSERT INTO {alias}.{new} ({columns}) SELECT {columns} FROM main.{old}")
    (copied,) = source.execute(f"SELECT COUNT(*) FROM {alias}.{new}").fetchone()
    (expected,) = source.execute(f"SELECT COUNT(*) FROM main.{old}").fetchone()
    if copied != expected:
        raise SplitFailed(f"{old}: {expected} rows in the single file, {copied} copied")
    return copied


def _remove_database(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

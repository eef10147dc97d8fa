"""Numbered SQL migrations, each applied in one transaction; the version lives in user_version.

Each store has its own folder of migrations (``migrations/<schema>/NNNN_name.sql``) and its
own version: the relay's queue and the panel's data live in separate files.
"""
import enum
import logging
import re
import sqlite3
from importlib import resources

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Schema(enum.StrEnum):
    RELAY = "relay"              # relay.db: the queue, logins, pauses, the saved mail account
    PANEL = "panel"              # panel.db: staff, organisations, personal accounts, charges
    SINGLE_FILE = "single_file"  # epd-relay.db of earlier versions, only to be split


def migrations(schema: Schema) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every shipped migration of a schema, in order."""
    found = []
    for entry in resources.files("daemon.db").joinpath("migrations", schema).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"{schema} migrations are not numbered 1..n without gaps: {versions}")
    return found


def migrate(connection: sqlite3.Connection, schema: Schema) -> int:
    """Bring a database in autocommit mode up to the schema's newest version; returns it."""
    (current,) = connection.execute("PRAGMA user_version").fetchone()
    known = migrations(schema)
    if current > len(known):
        raise RuntimeError(
            f"{schema} database schema version {current} is newer than this program knows ({len(known)})"
        )
    for version, name, sql in known[current:]:
        log.info("applying %s database migration %s", schema, name)
        # executescript would COMMIT on its own; run statement by statement inside one transaction.
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return len(known)


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; a trigger body's inner semicolons stay inside it."""
    statements, current = [], []
    for line in sql.splitlines():
        if not current and (not line.strip() or line.strip().startswith("--")):
            continue
        current.append(line)
        candidate = "\n".join(current)
        if line.rstrip().endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate.strip())
            current = []
    if "\n".join(current).strip():
        raise RuntimeError(f"migration ends inside a statement: {current[0]!r}")
    return statements

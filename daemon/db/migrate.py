"""Numbered SQL migrations, each applied in one transaction; the version lives in user_version."""
import logging
import re
import sqlite3
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every shipped migration, in order."""
    found = []
    for entry in resources.files("daemon.db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {versions}")
    return found


async def migrate(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        (current,) = await cursor.fetchone()
    known = migrations()
    if current > len(known):
        raise RuntimeError(
            f"database schema version {current} is newer than this program knows ({len(known)})"
        )
    for version, name, sql in known[current:]:
        log.info("applying database migration %s", name)
        # executescript would COMMIT on its own; run statement by statement inside one transaction.
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
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

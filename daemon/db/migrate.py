"""Numbered SQL migrations, each applied in one transaction; the version lives in user_version."""
import logging
import re
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
    """Split a migration on semicolons at line ends; migrations hold no triggers."""
    return [part.strip() for part in re.split(r";\s*$", sql, flags=re.M) if part.strip()]

"""Login throttling: after repeated failures for a name or from an address, wait."""
from daemon.db.connect import Database

WINDOW = 15 * 60
MAX_FAILURES = 5


async def seconds_to_wait(db: Database, name: str, remote: str, now: float) -> float:
    """0 when a login may be tried; otherwise how long until the oldest failure ages out."""
    rows = await db.fetchall(
        "SELECT at FROM login_failures WHERE (name = ? OR remote = ?) AND at > ? ORDER BY at",
        (name, remote, now - WINDOW),
    )
    if len(rows) < MAX_FAILURES:
        return 0.0
    return rows[-MAX_FAILURES]["at"] + WINDOW - now


async def record_failure(db: Database, name: str, remote: str, now: float) -> None:
    await db.execute("DELETE FROM login_failures WHERE at < ?", (now - WINDOW,))
    await db.execute("INSERT INTO login_failures (name, remote, at) VALUES (?, ?, ?)", (name, remote, now))


async def clear_failures(db: Database, name: str) -> None:
    await db.execute("DELETE FROM login_failures WHERE name = ?", (name,))

"""Logins whose delivery is paused, e.g. after a provider's 554 spam block; they survive a restart."""
from daemon.db.connect import Database


async def load(db: Database) -> dict[str, float]:
    """Login: paused until (a time); past pauses included, the caller compares with its clock."""
    rows = await db.fetchall("SELECT username, until FROM account_pauses")
    return {row["username"]: row["until"] for row in rows}


async def pause(db: Database, login: str, until: float, reason: str) -> None:
    await db.execute(
        "INSERT INTO account_pauses (username, until, reason) VALUES (?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET until = excluded.until, reason = excluded.reason",
        (login, until, reason),
    )

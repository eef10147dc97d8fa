"""Mail logins at the provider: which address each may send as, and the secrets kept for it."""
import asyncio
from dataclasses import dataclass

from daemon.config import Config
from daemon.db.connect import Database
from daemon.secretbox import SecretBox, hash_password, password_matches


@dataclass(frozen=True)
class Login:
    username: str
    address: str
    has_stored_password: bool
    has_local_password: bool


CAPTURE_LOGIN = "relay@localhost"  # made at the first start without an upstream


def capture_login(config: Config) -> str:
    """The login clients use while mail is captured locally (no upstream configured)."""
    return config.upstream_smtp.username or CAPTURE_LOGIN


def default_address(username: str) -> str:
    """Providers use the full address as the login; a bare login has no address to check against."""
    return username.lower() if "@" in username else ""


async def get_login(db: Database, username: str) -> Login | None:
    row = await db.fetchone(
        "SELECT username, address, password_encrypted IS NOT NULL AS stored,"
        " local_password_hash IS NOT NULL AS local FROM mail_logins WHERE username = ?",
        (username,),
    )
    if row is None:
        return None
    return Login(row["username"], row["address"], bool(row["stored"]), bool(row["local"]))


async def count_logins(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM mail_logins")
    return row[0]


async def sender_address_for(db: Database, username: str) -> str:
    """The envelope sender a login must use; empty when nothing is known to check."""
    login = await get_login(db, username)
    if login and login.address:
        return login.address.lower()
    return default_address(username)


async def save_login(
    db: Database,
    username: str,
    *,
    address: str,
    now: float,
    box: SecretBox | None = None,
    stored_password: str | None = None,
    local_password: str | None = None,
) -> None:
    """Create or update a login; a password argument of None leaves that secret as it was."""
    encrypted = box.encrypt(stored_password) if box and stored_password is not None else None
    local_hash = (
        await asyncio.to_thread(hash_password, local_password) if local_password is not None else None
    )
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO mail_logins (username, address, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (username) DO UPDATE SET address = excluded.address",
            (username, address.lower(), now),
        )
        if encrypted is not None:
            await tx.execute(
                "UPDATE mail_logins SET password_encrypted = ? WHERE username = ?", (encrypted, username)
            )
        if local_hash is not None:
            await tx.execute(
                "UPDATE mail_logins SET local_password_hash = ? WHERE username = ?", (local_hash, username)
            )


async def forget_stored_password(db: Database, username: str) -> None:
    await db.execute("UPDATE mail_logins SET password_encrypted = NULL WHERE username = ?", (username,))


async def stored_password(db: Database, box: SecretBox, username: str) -> str | None:
    row = await db.fetchone("SELECT password_encrypted FROM mail_logins WHERE username = ?", (username,))
    if row is None or row[0] is None:
        return None
    return box.decrypt(row[0])


async def local_password_ok(db: Database, username: str, password: str) -> bool:
    row = await db.fetchone("SELECT local_password_hash FROM mail_logins WHERE username = ?", (username,))
    if row is None or row[0] is None:
        return False
    return await asyncio.to_thread(password_matches, password, row[0])


async def remember_verified(db: Database, username: str, password: str, now: float) -> None:
    """Keep a salted hash of credentials the upstream accepted, for AUTH during an outage."""
    digest = await asyncio.to_thread(hash_password, password)
    await db.execute(
        "INSERT INTO verified_credentials (username, password_hash, verified_at) VALUES (?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
        " verified_at = excluded.verified_at",
        (username, digest, now),
    )


async def verified_before(db: Database, username: str, password: str) -> bool:
    row = await db.fetchone(
        "SELECT password_hash FROM verified_credentials WHERE username = ?", (username,)
    )
    if row is None:
        return False
    return await asyncio.to_thread(password_matches, password, row[0])


async def forget_verified(db: Database, username: str) -> None:
    await db.execute("DELETE FROM verified_credentials WHERE username = ?", (username,))

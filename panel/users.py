"""Staff users: who may log in to the panel, and with which role."""
import asyncio
import enum
import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from daemon.db.connect import Database
from daemon.secretbox import hash_password, password_matches


class Role(enum.StrEnum):
    ADMIN = "admin"        # mail server settings and users, and everything else
    OPERATOR = "operator"  # everything but the above


@dataclass(frozen=True)
class StaffUser:
    id: int
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """A user cannot be created as asked; the message is for the person asking."""


async def count_users(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM staff_users")
    return row[0]


async def add_user(db: Database, name: str, password: str, role: Role, now: float) -> StaffUser:
    name = name.strip()
    if not name or len(name) > 64:
        raise UserError("user name must be 1 to 64 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if await db.fetchone("SELECT 1 FROM staff_users WHERE name = ?", (name,)):
        raise UserError(f"user {name} already exists")
    digest = await asyncio.to_thread(hash_password, password)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO staff_users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
            (name, digest, role, now),
        )
        user_id = cursor.lastrowid
    return StaffUser(user_id, name, role)


async def set_password(db: Database, name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    digest = await asyncio.to_thread(hash_password, password)
    if not await db.execute("UPDATE staff_users SET password_hash = ? WHERE name = ?", (digest, name)):
        raise UserError(f"no user {name}")


async def authenticate(db: Database, name: str, password: str) -> StaffUser | None:
    row = await db.fetchone("SELECT id, name, role, password_hash FROM staff_users WHERE name = ?", (name,))
    if row is None:
        # Spend the same time as a real check, so timing does not tell which names exist.
        await asyncio.to_thread(password_matches, password, _dummy_hash())
        return None
    if not await asyncio.to_thread(password_matches, password, row["password_hash"]):
        return None
    return StaffUser(row["id"], row["name"], Role(row["role"]))


async def get_user(db: Database, user_id: int) -> StaffUser | None:
    row = await db.fetchone("SELECT id, name, role FROM staff_users WHERE id = ?", (user_id,))
    return StaffUser(row["id"], row["name"], Role(row["role"])) if row else None


async def list_users(db: Database) -> list[StaffUser]:
    rows = await db.fetchall("SELECT id, name, role FROM staff_users ORDER BY name")
    return [StaffUser(r["id"], r["name"], Role(r["role"])) for r in rows]


def generate_password() -> str:
    return secrets.token_urlsafe(12)


async def ensure_first_admin(db: Database, state_dir: Path, now: float) -> str | None:
    """With no users at all, create "admin"; its password is shown once and kept 0600."""
    if await count_users(db):
        return None
    password = generate_password()
    await add_user(db, "admin", password, Role.ADMIN, now)
    path = state_dir / "panel-admin.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(f"login: admin\npassword: {password}\n")
    return password


@functools.cache
def _dummy_hash() -> str:
    """Made at the first login of an unknown name, not at import: scrypt costs 50 ms."""
    return hash_password("not a real password")

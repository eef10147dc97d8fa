"""Login sessions: a random cookie, only its hash in the database, a CSRF token per session."""
import hashlib
import secrets
from dataclasses import dataclass

from daemon.db.connect import Database
from panel.users import StaffUser, get_user

COOKIE = "epd_session"
LOGIN_CSRF_COOKIE = "epd_login_csrf"  # before login, the CSRF token is a double-submit cookie


@dataclass(frozen=True)
class LoginSession:
    user: StaffUser
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


async def create_session(db: Database, user: StaffUser, now: float, lifetime: float) -> tuple[str, LoginSession]:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await db.execute(
        "INSERT INTO panel_sessions (token_hash, user_id, csrf_token, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (_digest(token), user.id, csrf, now, now + lifetime),
    )
    return token, LoginSession(user, csrf)


async def load_session(db: Database, token: str, now: float, lifetime: float) -> LoginSession | None:
    """The session for a cookie, its lifetime renewed; None when unknown or expired."""
    row = await db.fetchone(
        "SELECT user_id, csrf_token, expires_at FROM panel_sessions WHERE token_hash = ?", (_digest(token),)
    )
    if row is None or row["expires_at"] < now:
        return None
    user = await get_user(db, row["user_id"])
    if user is None:
        return None
    if row["expires_at"] - now < lifetime * 0.9:  # renew at most every tenth of the lifetime
        await db.execute(
            "UPDATE panel_sessions SET expires_at = ? WHERE token_hash = ?", (now + lifetime, _digest(token))
        )
    return LoginSession(user, row["csrf_token"])


async def end_session(db: Database, token: str) -> None:
    await db.execute("DELETE FROM panel_sessions WHERE token_hash = ?", (_digest(token),))


async def remove_expired(db: Database, now: float) -> None:
    await db.execute("DELETE FROM panel_sessions WHERE expires_at < ?", (now,))


def expected_csrf_token(session: LoginSession | None, cookies) -> str | None:
    """The token a form must carry: the session's, or before login the login cookie's."""
    if session is not None:
        return session.csrf_token
    return cookies.get(LOGIN_CSRF_COOKIE)

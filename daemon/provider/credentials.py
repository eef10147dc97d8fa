"""Passwords clients gave at AUTH, kept in memory only, and logins checked a moment ago."""
import hashlib
import hmac
import secrets

from daemon.db.connect import Database
from daemon.provider import logins
from daemon.secretbox import SecretBox


class Credentials:
    def __init__(self) -> None:
        self._passwords: dict[str, str] = {}
        self._checked: dict[str, tuple[bytes, float]] = {}
        self._pepper = secrets.token_bytes(32)

    def _digest(self, password: str) -> bytes:
        return hmac.new(self._pepper, password.encode("utf-8"), hashlib.sha256).digest()

    def remember(self, username: str, password: str, now: float) -> None:
        self._passwords[username] = password
        self._checked[username] = (self._digest(password), now)

    def recently_checked(self, username: str, password: str, now: float, ttl: float) -> bool:
        entry = self._checked.get(username)
        if entry is None or now - entry[1] > ttl:
            return False
        return hmac.compare_digest(entry[0], self._digest(password))

    def forget_checks(self) -> None:
        self._checked.clear()

    def password(self, username: str) -> str | None:
        return self._passwords.get(username)

    def forget(self, username: str) -> None:
        self._passwords.pop(username, None)
        self._checked.pop(username, None)


class StoredOrRemembered:
    """The password delivery uses: the one a client gave most recently, else the stored one."""

    def __init__(self, credentials: Credentials, db: Database, box: SecretBox) -> None:
        self._credentials = credentials
        self._db = db
        self._box = box

    async def password(self, account: str) -> str | None:
        remembered = self._credentials.password(account)
        if remembered is not None:
            return remembered
        return await logins.stored_password(self._db, self._box, account)

    def refused(self, account: str) -> None:
        self._credentials.forget(account)

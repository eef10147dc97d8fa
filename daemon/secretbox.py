"""Secrets at rest: encrypted with a key file that only the service user can read."""
import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from daemon.errors import SecretError


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def open_or_create(cls, key_file: Path) -> "SecretBox":
        """Read the key file, creating it 0600 on first use."""
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(Fernet.generate_key())
                file.flush()
                os.fsync(file.fileno())
        mode = key_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise SecretError(f"{key_file}: key file is readable by others (mode {mode:o}); chmod 600 it")
        try:
            return cls(key_file.read_bytes().strip())
        except ValueError as error:
            raise SecretError(f"{key_file}: not a valid key file: {error}") from None

    def encrypt(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            raise SecretError("stored secret cannot be decrypted with this key file") from None


# scrypt: n=2**14, r=8, p=1 costs about 16 MB and tens of milliseconds per check.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), **_SCRYPT)
    return hmac.compare_digest(candidate, base64.b64decode(digest))

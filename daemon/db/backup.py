"""A consistent copy of both stores and the key file, taken while the service runs.

Each store is copied with VACUUM INTO: one read transaction, so the copy is the store as
of one moment, compacted, and writers (SMTP acceptance) do not wait for it in WAL mode.
The key file goes with them: without it the stored passwords cannot be decrypted.
"""
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from daemon.config import StorageConfig
from daemon.errors import RelayError


class BackupError(RelayError):
    """The copy could not be made; the message says why."""


def back_up(storage: StorageConfig, target: Path) -> list[Path]:
    """Copy relay.db, panel.db and secret.key into `target` (made 0700); returns the copies."""
    sources = [storage.relay_database, storage.panel_database, storage.key_file]
    missing = [str(path) for path in sources if not path.exists()]
    if missing:
        raise BackupError(f"nothing to back up yet: {', '.join(missing)} missing (has the service started?)")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    copies = [target / path.name for path in sources]
    taken = [str(copy) for copy in copies if copy.exists()]
    if taken:
        raise BackupError(f"{', '.join(taken)} already exist: choose an empty directory")
    for source, copy in zip(sources[:2], copies[:2]):
        try:
            with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)) as db:
                db.execute("VACUUM INTO ?", (str(copy),))
        except sqlite3.Error as error:
            raise BackupError(f"cannot copy {source}: {error}") from error
        os.chmod(copy, 0o600)
    fd = os.open(copies[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(storage.key_file, "rb") as key:
        shutil.copyfileobj(key, out)
    return copies
